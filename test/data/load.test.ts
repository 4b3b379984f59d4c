import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HyperloaderError } from '../../src/errors.js';
import { dataSchema } from '../../src/config/schema.js';
import { assembleSplits, loadDatasetSplits, loadTaskSplits } from '../../src/data/load.js';
import { getDataset } from '../../src/data/registry.js';
import { fixturesDir } from '../helpers/paths.js';

const fx = join(fixturesDir, 'data-readers');

function cache(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hl-cache-'));
  // ATIS: three seq.in/seq.out/label folders (the same 12 sentences in each, enough for the layout)
  for (const s of ['train', 'dev', 'test']) cpSync(join(fx, 'atis-train-head'), join(dir, 'atis', s), { recursive: true });
  // MIT Movie: only the official tag-first train file (an alternate) and the pinned token-first test file
  mkdirSync(join(dir, 'mit_movie'));
  cpSync(join(fx, 'engtrain-head.bio'), join(dir, 'mit_movie', 'engtrain.bio'));
  cpSync(join(fx, 'engtrain-head.bio.txt'), join(dir, 'mit_movie', 'engtest.bio.txt'));
  return dir;
}

test('loadTaskSplits: registry tasks from data.cache_dir, a dev carved for MIT, alternates read when the pinned file is absent', async () => {
  const dir = cache();
  try {
    const data = dataSchema.parse({ cache_dir: dir, tasks: [{ name: 'atis' }, { name: 'movie' }] });
    const atis = await loadTaskSplits({ data }, 'atis');
    assert.deepEqual([atis.train.length, atis.dev.length, atis.test.length], [12, 12, 12]);
    assert.equal(atis.devCarved, false);
    assert.equal(atis.train[0].intent, 'atis_flight');
    assert.equal(atis.sources.train, join(dir, 'atis', 'train'));
    const movie = await loadTaskSplits({ data }, data.tasks[1]);
    assert.equal(movie.entry.key, 'mit_movie');
    assert.equal(movie.sources.train, join(dir, 'mit_movie', 'engtrain.bio'));
    assert.deepEqual([movie.train.length, movie.dev.length, movie.test.length], [7, 1, 8]); // dev = ceil(8/10)
    assert.equal(movie.devCarved, true);
    // the same seed carves the same dev; another seed (here) another one
    const again = await loadTaskSplits({ data }, 'movie');
    assert.deepEqual(again.dev, movie.dev);
    const seeds = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const d = dataSchema.parse({ cache_dir: dir, tasks: [{ name: 'movie' }], split_seed: seed });
      seeds.add(JSON.stringify((await loadTaskSplits({ data: d }, 'movie')).dev));
    }
    assert.ok(seeds.size > 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('low-resource: floor(p × n) of train and dev, test full; a task\'s fraction beats data.fraction', async () => {
  const dir = cache();
  try {
    const data = dataSchema.parse({ cache_dir: dir, fraction: 0.5, tasks: [{ name: 'atis' }, { name: 'a2', dataset: 'atis', fraction: 0.25 }] });
    const a = await loadTaskSplits({ data }, 'atis');
    assert.deepEqual([a.train.length, a.dev.length, a.test.length, a.fraction], [6, 6, 12, 0.5]);
    const b = await loadTaskSplits({ data }, 'a2');
    assert.deepEqual([b.train.length, b.dev.length, b.test.length], [3, 3, 12]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missing files: the error names the task, the target paths, the URLs and `hyperloader download <key>`', async () => {
  const dir = cache();
  try {
    const data = dataSchema.parse({ cache_dir: dir, tasks: [{ name: 'movieTrivia' }] });
    await assert.rejects(loadTaskSplits({ data }, 'movieTrivia'), (e: unknown) => {
      assert.ok(e instanceof HyperloaderError);
      const m = e.message;
      assert.match(m, /dataset mit_movie_trivia: split file\(s\) missing/);
      assert.ok(m.includes(join(dir, 'mit_movie_trivia', 'trivia10k13train.bio')));
      assert.match(m, /hyperloader download mit_movie_trivia/);
      assert.match(m, /https:\/\/groups\.csail\.mit\.edu\/sls\/downloads\/movie\/trivia10k13train\.bio/);
      return true;
    });
    await assert.rejects(loadTaskSplits({ data }, 'nosuch'), /no task named "nosuch"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('custom CoNLL files: IOB1 converted, dev carved when absent, missing file named with its path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-custom-'));
  try {
    const lines = Array.from({ length: 20 }, (_, i) => `w${i} NN I-PER\nx${i} NN O\n`).join('\n');
    writeFileSync(join(dir, 'train.txt'), lines);
    writeFileSync(join(dir, 'test.txt'), 'a NN I-LOC\nb NN I-LOC\n');
    const data = dataSchema.parse({
      cache_dir: join(dir, 'cache'),
      tasks: [{ name: 'mine', custom: { format: 'conll', train: join(dir, 'train.txt'), test: join(dir, 'test.txt'), scheme: 'IOB1' } }],
    });
    const s = await loadTaskSplits({ data }, 'mine');
    assert.deepEqual([s.train.length, s.dev.length, s.test.length], [18, 2, 1]);
    assert.deepEqual(s.test[0].tags, ['B-LOC', 'I-LOC']);
    assert.deepEqual(s.train[0].tags, ['B-PER', 'O']);
    const bad = dataSchema.parse({ cache_dir: dir, tasks: [{ name: 'gone', custom: { format: 'mit', train: join(dir, 'nope.bio') } }] });
    await assert.rejects(loadTaskSplits({ data: bad }, 'gone'), (e: unknown) => e instanceof HyperloaderError && e.message.includes(join(dir, 'nope.bio')) && /custom block/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad file in the cache surfaces the reader\'s file:line error', async () => {
  const dir = cache();
  try {
    writeFileSync(join(dir, 'atis', 'test', 'seq.out'), 'O O\n');
    await assert.rejects(loadDatasetSplits(getDataset('atis'), { cacheDir: dir }), (e: unknown) => e instanceof HyperloaderError && e.message.includes(join(dir, 'atis', 'test', 'seq.out')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('assembleSplits: a given dev is subsampled even when train is absent (stats of a partial cache)', () => {
  const sent = (i: number) => ({ tokens: [`w${i}`], tags: ['O'] });
  const dev = Array.from({ length: 40 }, (_, i) => sent(i));
  const s = assembleSplits(getDataset('mtod'), { dev, test: dev }, 42, 0.25);
  assert.deepEqual([s.train.length, s.dev.length, s.test.length, s.devCarved], [0, 10, 40, false]);
  const mit = assembleSplits(getDataset('mit_movie'), { test: dev }, 42, 1);
  assert.deepEqual([mit.train.length, mit.dev.length, mit.devCarved], [0, 0, true]);
});
