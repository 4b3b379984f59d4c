import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath, sharedDatasets } from '../helpers/paths.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [binPath, ...args], { encoding: 'utf8' });
const shared = sharedDatasets();

test('data list: the registry with aliases', () => {
  const r = cli('data', 'list', '--json');
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { key: string; aliases: string[] }[];
  const keys = rows.map((x) => x.key);
  for (const k of ['mit_movie_trivia', 'mit_movie', 'mit_restaurant', 'atis', 'snips', 'mtod', 'mtop', 'conll2003', 'wnut17']) assert.ok(keys.includes(k), k);
  assert.deepEqual(rows.find((x) => x.key === 'mit_movie_trivia')!.aliases, ['movieTrivia']);
});

test('data stats --json on the shared folder: SPEC §6 sizes, labels, limits', { skip: shared.skip }, () => {
  const r = cli('data', 'stats', 'atis', 'movieTrivia', '--json', '--cache-dir', shared.dir);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { datasets: { key: string; dev_carved: boolean; splits: Record<string, { sentences: number; tokens: number; labels: Record<string, number>; length: { max: number }; over_sentinel_limit: number }> }[] };
  const [atis, trivia] = out.datasets;
  assert.deepEqual(['train', 'dev', 'test'].map((s) => atis.splits[s].sentences), [4478, 500, 893]);
  assert.equal(Object.keys(atis.splits.train.labels).length, 120); // the README: 120 slot tags in ATIS train
  assert.equal(atis.splits.train.tokens, 50497);
  assert.deepEqual(['train', 'dev', 'test'].map((s) => trivia.splits[s].sentences), [7034, 782, 1953]);
  assert.equal(trivia.dev_carved, true);
  assert.equal(trivia.splits.train.tokens + trivia.splits.dev.tokens, 158823); // the manifest's token count of trivia10k13train.bio
});

test('data stats (text) with --fraction, and a named dataset missing from the cache exits 1', { skip: shared.skip }, () => {
  const r = cli('data', 'stats', 'restaurant', '--fraction', '0.1', '--cache-dir', shared.dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /train\s+689\s/); // floor(0.1 × 6,894)
  assert.match(r.stdout, /dev\s+76\s/); // floor(0.1 × 766)
  assert.match(r.stdout, /test\s+1521\s/);
  const m = cli('data', 'stats', 'mtop', '--cache-dir', shared.dir);
  assert.equal(m.status, 1);
  assert.match(m.stdout, /hyperloader download mtop/);
});

test('data stats --tokenizer counts Sentinel+Tag tokens with the bundled T5 tokenizer', { skip: shared.skip }, () => {
  const r = cli('data', 'stats', 'atis', '--json', '--tokenizer', '--cache-dir', shared.dir);
  assert.equal(r.status, 0, r.stderr);
  const train = (JSON.parse(r.stdout) as { datasets: { splits: Record<string, { token_count: string; over_token_limit: { source: number; target: number } }> }[] }).datasets[0].splits.train;
  assert.equal(train.token_count, 'tokenizer');
  // exact counts are at least the 2n+2 lower bound, which puts no ATIS train sentence (max 46 words) over 128
  assert.ok(train.over_token_limit.source >= 0 && train.over_token_limit.target >= train.over_token_limit.source);
});

test('data check verifies the shared files against the registry sha256', { skip: shared.skip }, () => {
  const r = cli('data', 'check', 'mit_restaurant', 'conll2003', '--cache-dir', shared.dir, '--json');
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string; status: string }[] }).files;
  assert.deepEqual(files.map((f) => `${f.path} ${f.status}`), [
    'mit_restaurant/restauranttrain.bio ok',
    'mit_restaurant/restauranttest.tokenfirst.txt ok',
    'conll2003/eng.train ok',
    'conll2003/eng.testa ok',
    'conll2003/eng.testb ok',
  ]);
  const mtod = cli('data', 'check', 'mtod', '--cache-dir', shared.dir);
  assert.equal(mtod.status, 1); // train-en.tsv is not in the shared folder
  assert.match(mtod.stdout, /missing\s+mtod\/train-en\.tsv/, mtod.stderr);
});

test('unknown dataset names are a user error without a stack trace', () => {
  const r = cli('data', 'stats', 'atiz');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown dataset name "atiz"; did you mean "atis"\? Known datasets[^:]*: .*\bncbi_disease\b/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('data stats on empty split files exits 1 and names them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-empty-'));
  for (const s of ['train', 'dev', 'test']) {
    mkdirSync(join(dir, 'atis', s), { recursive: true });
    writeFileSync(join(dir, 'atis', s, 'seq.in'), '');
    writeFileSync(join(dir, 'atis', s, 'seq.out'), '');
  }
  const r = cli('data', 'stats', 'atis', '--cache-dir', dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /empty split\(s\), no sentence read: atis train \(.*atis\/train\), atis dev/);
});

test('data check: a dataset with some of its files is incomplete (exit 1); one with none is "not downloaded"', { skip: shared.skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-partial-'));
  mkdirSync(join(dir, 'atis', 'train'), { recursive: true });
  copyFileSync(join(shared.dir, 'atis', 'train', 'seq.in'), join(dir, 'atis', 'train', 'seq.in'));
  const r = cli('data', 'check', '--cache-dir', dir);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /ok\s+atis\/train\/seq\.in/);
  assert.match(r.stdout, /missing\s+atis\/train\/seq\.out/);
  assert.match(r.stdout, /file\(s\) missing or failed \(\d+ missing\); run `hyperloader download atis` to fetch them; not downloaded: .*snips/);
  // Nothing at all in the cache: nothing is incomplete.
  const empty = cli('data', 'check', '--cache-dir', mkdtempSync(join(tmpdir(), 'hl-none-')));
  assert.equal(empty.status, 0, empty.stdout);
  assert.match(empty.stdout, /every file present verifies; not downloaded: mit_movie_trivia/);
});
