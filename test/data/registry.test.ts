import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HyperloaderError } from '../../src/errors.js';
import { customEntry, datasetForTask, findDataset, getDataset, listDatasets, PAPER_TASKS, REGISTRY } from '../../src/data/registry.js';
import { demoEntries } from '../../src/data/registry-demo.js';
import { taskSchema } from '../../src/config/schema.js';
import { sharedDatasets } from '../helpers/paths.js';

const PINNED_RAW = /^https:\/\/raw\.githubusercontent\.com\/[^/]+\/[^/]+\/[0-9a-f]{40}\//;

test('the registry holds the paper\'s seven, CoNLL-2003, WNUT-17 and four biomedical corpora; SPEC §6 names are aliases', () => {
  assert.deepEqual(REGISTRY.map((e) => e.key).sort(), [
    'atis', 'bc2gm', 'bc5cdr_chem', 'bc5cdr_disease', 'conll2003', 'mit_movie', 'mit_movie_trivia', 'mit_restaurant', 'mtod', 'mtop', 'ncbi_disease', 'snips', 'wnut17',
  ]);
  assert.deepEqual([...PAPER_TASKS], ['mit_movie_trivia', 'mit_movie', 'mit_restaurant', 'atis', 'snips', 'mtod', 'mtop']);
  for (const [alias, key] of [['movieTrivia', 'mit_movie_trivia'], ['movie', 'mit_movie'], ['restaurant', 'mit_restaurant'], ['MTOD', 'mtod'], ['mtop', 'mtop']]) {
    assert.equal(getDataset(alias).key, key, alias);
  }
  assert.throws(() => getDataset('nope'), (e: unknown) => e instanceof HyperloaderError && /unknown dataset name "nope"\. Known datasets: .*mit_movie_trivia \(movieTrivia\)/.test(e.message));
});

test('every entry: licence, citation, a split rule, SPEC §6 sizes, files with pinned URLs and checksums', () => {
  const spec: Record<string, [number, number, number]> = {
    mit_movie_trivia: [7034, 782, 1953],
    mit_movie: [8797, 978, 2443],
    mit_restaurant: [6894, 766, 1521],
    atis: [4478, 500, 893],
    snips: [13084, 700, 700],
    mtod: [30521, 4181, 8621],
    mtop: [15667, 2235, 4386],
  };
  for (const e of REGISTRY) {
    assert.ok(e.licence.length > 20 && e.citation.length > 20 && e.split_rule.length > 10, e.key);
    if (spec[e.key]) assert.deepEqual([e.expected_sizes!.train, e.expected_sizes!.dev, e.expected_sizes!.test], spec[e.key], e.key);
    for (const split of Object.values(e.splits)) {
      // each split is backed by a registry file (or, for seqio, a folder of them)
      const paths = e.files.flatMap((f) => [f.path, ...(f.extract ?? []).map((m) => m.path)]);
      assert.ok(paths.some((p) => p === split || p.startsWith(`${split}/`)), `${e.key}: split ${split} has no file`);
    }
    for (const f of e.files) {
      assert.ok(f.urls.length > 0, `${e.key}/${f.path}: no URL`);
      const mirror = f.urls[f.urls.length - 1];
      if (e.key !== 'mtop') assert.match(mirror, PINNED_RAW, `${e.key}/${f.path}: last URL is a commit-pinned raw GitHub mirror`);
      if (f.urls.length > 1) assert.match(f.urls[0], /^https:\/\/groups\.csail\.mit\.edu\//, 'official first');
      const unpinned = (e.key === 'mtod' && f.path === 'train-en.tsv') || e.key === 'mtop';
      if (unpinned) assert.equal(f.sha256, undefined, `${e.key}/${f.path}: recorded by the downloader on first download`);
      else {
        assert.match(f.sha256 ?? '', /^[0-9a-f]{64}$/, `${e.key}/${f.path}: sha256`);
        assert.ok(Number.isInteger(f.size) && f.size! > 0, `${e.key}/${f.path}: size`);
      }
    }
  }
  assert.equal(getDataset('mtod').files.find((f) => f.path === 'train-en.tsv')!.git_blob_sha1, 'b6a83c4041657dc3401d88e427f11494af99aef0');
  assert.deepEqual(getDataset('mtop').files[0].extract!.map((m) => m.member), ['mtop/en/train.txt', 'mtop/en/eval.txt', 'mtop/en/test.txt']);
  assert.deepEqual(getDataset('conll2003').reader_options, { token_column: 0, tag_column: 3, scheme: 'IOB1' });
});

const shared = sharedDatasets();
test('registry checksums, sizes and mirror URLs equal MANIFEST.json', { skip: shared.skip }, () => {
  const manifest = JSON.parse(readFileSync(join(shared.dir, 'MANIFEST.json'), 'utf8')) as {
    datasets: Record<string, { files: { file: string; sha256: string; bytes: number; raw_url?: string }[]; missing?: { file: string; raw_url?: string; git_blob_sha1?: string }[] }>;
  };
  let compared = 0;
  // the biomedical corpora have their own manifest (test/data/bio-datasets.test.ts)
  for (const e of REGISTRY.filter((x) => !x.dir?.startsWith('bio/'))) {
    const m = manifest.datasets[e.key];
    assert.ok(m, `${e.key} in the manifest`);
    for (const f of e.files) {
      const mf = m.files.find((x) => x.file === `${e.key}/${f.path}`);
      if (!mf) continue;
      assert.equal(f.sha256, mf.sha256, f.path);
      assert.equal(f.size, mf.bytes, f.path);
      assert.ok(f.urls.includes(mf.raw_url!), `${f.path}: mirror ${mf.raw_url}`);
      compared++;
    }
  }
  const train = manifest.datasets.mtod.missing!.find((x) => x.file === 'mtod/train-en.tsv')!;
  const reg = getDataset('mtod').files.find((f) => f.path === 'train-en.tsv')!;
  assert.deepEqual([reg.urls[0], reg.git_blob_sha1], [train.raw_url, train.git_blob_sha1]);
  assert.equal(compared, 9 + 9 + 2 + 2 + 2 + 2 + 3 + 3);
});

test('demo tasks: every datasets/demo/<task>/ with train/seq.in is a local seqio dataset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-demo-'));
  try {
    for (const t of ['demo_slots', 'demo_ner']) for (const s of ['train', 'dev', 'test']) {
      mkdirSync(join(dir, t, s), { recursive: true });
      writeFileSync(join(dir, t, s, 'seq.in'), 'a\n');
    }
    mkdirSync(join(dir, 'not_a_task'));
    const d = demoEntries(dir);
    assert.deepEqual(d.map((e) => e.key), ['demo_ner', 'demo_slots']);
    assert.equal(d[0].local_dir, join(dir, 'demo_ner'));
    assert.deepEqual(d[0].splits, { train: 'train', dev: 'dev', test: 'test' });
    assert.equal(d[0].format, 'seqio');
    assert.equal(d[0].files.length, 0);
    assert.equal(findDataset('demo_ner', dir)?.key, 'demo_ner');
    assert.equal(listDatasets(dir).length, REGISTRY.length + 2);
    assert.deepEqual(demoEntries(join(dir, 'absent')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('custom tasks: paths resolve against the base folder; dataset and custom together are refused', () => {
  const task = taskSchema.parse({ name: 'mine', custom: { format: 'conll', train: 'data/train.txt', test: '/abs/test.txt', tag_column: 2, scheme: 'IOB1' } });
  const e = customEntry(task, '/base');
  assert.deepEqual(e.splits, { train: '/base/data/train.txt', test: '/abs/test.txt' });
  assert.deepEqual(e.reader_options, { token_column: 0, tag_column: 2, scheme: 'IOB1' });
  assert.equal(e.format, 'conll');
  assert.match(e.split_rule, /carved/);
  assert.equal(datasetForTask(taskSchema.parse({ name: 'movieTrivia' })).key, 'mit_movie_trivia');
  assert.throws(() => datasetForTask(taskSchema.parse({ name: 'x', dataset: 'atis', custom: { format: 'mit', train: 't' } }), 0), /data\.tasks\[0\] \(x\) sets both dataset and custom/);
  assert.throws(() => datasetForTask(taskSchema.parse({ name: 'x', dataset: 'atiz' }), 3), /unknown data\.tasks\[3\]\.dataset "atiz"/);
});
