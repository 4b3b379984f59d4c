/**
 * The four biomedical corpora against ../shared/datasets/bio/MANIFEST.json (computed by others;
 * skipped where that folder is absent): the registry's pinned URLs, sha256 and sizes, the files'
 * sentence and token counts and label inventories read through the registry, and
 * `hyperloader data stats` with HYPERLOADER_HOME pointing at the shared folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAvailableSplits } from '../../src/data/load.js';
import { BIO_TASKS, getDataset } from '../../src/data/registry.js';
import { checkCache } from '../../src/data/registry-check.js';
import type { SplitName } from '../../src/data/types.js';
import { binPath, sharedDatasets, sharedDir } from '../helpers/paths.js';

const shared = sharedDatasets();
const bioManifest = join(shared.dir, 'bio', 'MANIFEST.json');
const skip = shared.skip || (existsSync(bioManifest) ? false : `${bioManifest} not found (only present in the hyperloader workplace); skipping`);

interface ManifestFile {
  file: string;
  split: SplitName;
  raw_url: string;
  bytes: number;
  sha256: string;
  sentences: number;
  tokens: number;
  labels: Record<string, number>;
}
type Manifest = Record<string, { official_upstream: string; files: ManifestFile[] }>;
const manifest = (): Manifest => JSON.parse(readFileSync(bioManifest, 'utf8')).datasets;
/** Registry key → the manifest's dataset name (its folder under bio/). */
const UPSTREAM: Record<string, string> = { ncbi_disease: 'NCBI-disease', bc5cdr_chem: 'BC5CDR-chem', bc5cdr_disease: 'BC5CDR-disease', bc2gm: 'BC2GM' };

test('registry: the four corpora, each file pinned to the manifest\'s raw URL, sha256 and size, official upstream noted', { skip }, () => {
  const m = manifest();
  assert.deepEqual([...BIO_TASKS].sort(), Object.keys(UPSTREAM).sort());
  let compared = 0;
  for (const key of BIO_TASKS) {
    const e = getDataset(key);
    const ds = m[UPSTREAM[key]!]!;
    assert.equal(e.dir, `bio/${UPSTREAM[key]}`);
    assert.equal(e.homepage, ds.official_upstream);
    assert.deepEqual(e.reader_options, { token_column: 0, tag_column: 1, scheme: 'IOB2' });
    for (const mf of ds.files) {
      const rel = e.splits[mf.split]!;
      assert.equal(`${e.dir}/${rel}`, mf.file, `${key} ${mf.split}: cache path`);
      const f = e.files.find((x) => x.path === rel)!;
      assert.deepEqual([f.urls, f.sha256, f.size, f.official_url], [[mf.raw_url], mf.sha256, mf.bytes, ds.official_upstream], mf.file);
      assert.equal(e.expected_sizes![mf.split], mf.sentences, `${key} ${mf.split}: expected size`);
      compared++;
    }
  }
  assert.equal(compared, 12);
});

test('reading the shared folder through the registry gives the manifest\'s sentences, tokens and labels', { skip }, async () => {
  const m = manifest();
  let compared = 0;
  for (const key of BIO_TASKS) {
    const e = getDataset(key);
    const avail = await readAvailableSplits(e, shared.dir);
    assert.deepEqual(avail.missing, [], key);
    for (const mf of m[UPSTREAM[key]!]!.files) {
      const s = avail.read[mf.split]!.sentences;
      assert.equal(s.length, mf.sentences, `${mf.file}: sentences`);
      assert.equal(s.reduce((n, x) => n + x.tokens.length, 0), mf.tokens, `${mf.file}: tokens`);
      const labels: Record<string, number> = {};
      for (const x of s) for (const t of x.tags) labels[t] = (labels[t] ?? 0) + 1;
      assert.deepEqual(labels, mf.labels, `${mf.file}: labels`);
      compared++;
    }
  }
  assert.equal(compared, 12);
  // and `data check` verifies the twelve files against the registry's sha256
  const checks = await checkCache(BIO_TASKS.map((k) => getDataset(k)), shared.dir);
  assert.deepEqual(checks.map((c) => c.status), new Array(12).fill('ok'));
  assert.equal(checks[0]!.path, 'bio/NCBI-disease/train.tsv');
});

test('data stats with HYPERLOADER_HOME at the shared folder: manifest sizes, one entity type each, entity lengths, limits', { skip }, () => {
  const r = spawnSync(process.execPath, [binPath, 'data', 'stats', 'ncbi_disease', 'bc5cdr_chem', 'bc5cdr_disease', 'bc2gm', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, HYPERLOADER_HOME: sharedDir },
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    cache_dir: string;
    datasets: { key: string; dev_carved: boolean; splits: Record<SplitName, { sentences: number; entity_types: Record<string, number>; entity_length: { max: number }; length: { max: number }; over_sentinel_limit: number }> }[];
  };
  assert.equal(out.cache_dir, shared.dir);
  const m = manifest();
  for (const d of out.datasets) {
    assert.equal(d.dev_carved, false);
    for (const mf of m[UPSTREAM[d.key]!]!.files) {
      const st = d.splits[mf.split];
      assert.equal(st.sentences, mf.sentences, `${d.key} ${mf.split}`);
      // IOB2 files: one entity per B- tag, of the corpus's one type
      const [[type, n]] = Object.entries(st.entity_types);
      assert.equal(n, mf.labels[`B-${type}`], `${d.key} ${mf.split}: entities`);
      // sentence and entity lengths, counted here straight from the file's lines
      const blocks = readFileSync(join(shared.dir, mf.file), 'utf8').split('\n\n').map((b) => b.split('\n').filter(Boolean)).filter((b) => b.length > 0);
      assert.equal(st.over_sentinel_limit, blocks.filter((b) => b.length > 99).length, `${d.key} ${mf.split}: > 99 words`);
      assert.equal(st.length.max, Math.max(...blocks.map((b) => b.length)), `${d.key} ${mf.split}: longest sentence`);
      let longest = 0;
      for (const b of blocks) {
        let run = 0;
        for (const l of b) {
          const tag = l.split('\t')[1]!;
          run = tag.startsWith('B-') ? 1 : tag.startsWith('I-') ? run + 1 : 0;
          longest = Math.max(longest, run);
        }
      }
      assert.equal(st.entity_length.max, longest, `${d.key} ${mf.split}: longest entity`);
    }
  }
  assert.deepEqual(out.datasets.map((d) => d.key), ['ncbi_disease', 'bc5cdr_chem', 'bc5cdr_disease', 'bc2gm']);
  const text = spawnSync(process.execPath, [binPath, 'data', 'stats', 'ncbi_disease'], { encoding: 'utf8', env: { ...process.env, HYPERLOADER_HOME: sharedDir } });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /train\s+5424\s+5424 ✓/);
  assert.match(text.stdout, /entity types \(1\): Disease/);
  assert.match(text.stdout, /train entities: 5134; words per entity p50 \d+/);
});
