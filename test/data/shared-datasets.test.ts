/**
 * Acceptance over ../shared/datasets (skipped where that folder is absent): every file's sha256,
 * sentence count, token count and label inventory equal MANIFEST.json (computed by others); the
 * train/dev/test sizes of every paper dataset present equal SPEC §6; the quirks the datasets'
 * README lists are handled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readConll, readMit, readMtod, readSeqio } from '../../src/data/readers/index.js';
import { parseSlotSpans, Utterance } from '../../src/data/readers/spans.js';
import { assembleSplits, readAvailableSplits } from '../../src/data/load.js';
import { getDataset, PAPER_TASKS } from '../../src/data/registry.js';
import type { Sentence } from '../../src/data/types.js';
import { sharedDatasets } from '../helpers/paths.js';

const shared = sharedDatasets();
const memo = new Map<string, ReturnType<typeof readAvailableSplits>>();
/** Each dataset is read once for the tests below. */
const available = (key: string) => {
  if (!memo.has(key)) memo.set(key, readAvailableSplits(getDataset(key), shared.dir));
  return memo.get(key)!;
};

interface ManifestFile {
  file: string;
  format: string;
  sha256: string;
  bytes: number;
  sentences?: number;
  tokens?: number;
  crlf?: boolean;
  labels?: Record<string, number>;
  intents?: Record<string, number>;
}

function manifest(): Record<string, { files: ManifestFile[] }> {
  return JSON.parse(readFileSync(join(shared.dir, 'MANIFEST.json'), 'utf8')).datasets;
}

function countTags(s: Sentence[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (const x of s) for (const t of x.tags) m[t] = (m[t] ?? 0) + 1;
  return m;
}

const sorted = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));

test('every shared file: sha256, sentence and token counts, label inventory equal MANIFEST.json', { skip: shared.skip }, () => {
  let checked = 0;
  const seqio = new Map<string, Sentence[]>();
  for (const [key, ds] of Object.entries(manifest())) {
    for (const f of ds.files) {
      const path = join(shared.dir, f.file);
      const bytes = readFileSync(path);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, `${f.file}: sha256`);
      assert.equal(bytes.length, f.bytes, `${f.file}: size`);
      let sentences: Sentence[] | undefined;
      switch (f.format) {
        case 'mit_tagfirst':
        case 'mit_tokenfirst':
        case 'mit_tokenfirst_space':
          sentences = readMit(bytes, f.file);
          break;
        case 'conll03':
          // raw tags (IOB1) against the manifest's raw counts; the IOB2 conversion is checked below
          sentences = readConll(bytes, f.file, { token_column: 0, tag_column: 3 });
          break;
        case 'wnut':
          sentences = readConll(bytes, f.file);
          break;
        case 'jointbert_seq_out':
        case 'jointbert_seq_in':
        case 'jointbert_label': {
          const d = dirname(path);
          const part = (n: string) => ({ input: readFileSync(join(d, n)), file: join(d, n) });
          if (!seqio.has(d)) seqio.set(d, readSeqio({ seqIn: part('seq.in'), seqOut: part('seq.out'), label: part('label') }));
          sentences = seqio.get(d)!;
          if (f.format === 'jointbert_label') {
            const intents: Record<string, number> = {};
            for (const s of sentences) intents[s.intent!] = (intents[s.intent!] ?? 0) + 1;
            assert.deepEqual(sorted(intents), sorted(f.labels!), `${f.file}: intents`);
          }
          break;
        }
        case 'mtod_tsv': {
          sentences = readMtod(bytes, f.file);
          // the manifest counts slot spans per type; count them from the file's slot column
          const spans: Record<string, number> = {};
          const intents: Record<string, number> = {};
          for (const [i, line] of bytes.toString('utf8').split('\n').entries()) {
            if (!line) continue;
            const c = line.split('\t');
            intents[c[0]] = (intents[c[0]] ?? 0) + 1;
            for (const s of parseSlotSpans(c[1], new Utterance(c[2]), { file: f.file, line: i + 1 })) spans[s.type] = (spans[s.type] ?? 0) + 1;
          }
          assert.deepEqual(sorted(spans), sorted(f.labels!), `${f.file}: slot spans per type`);
          assert.deepEqual(sorted(intents), sorted(f.intents!), `${f.file}: intents`);
          // every span became exactly one entity (in test-en's "5:00,5:10," line two slots share a
          // token; the later one keeps its free tokens, so it is still one entity)
          const entities = sentences.reduce((n, s) => n + s.tags.filter((t) => t.startsWith('B-')).length, 0);
          const total = Object.values(spans).reduce((a, b) => a + b, 0);
          assert.equal(entities, total, `${f.file}: entities`);
          break;
        }
        default:
          continue; // label lists, READMEs
      }
      assert.equal(sentences.length, f.sentences, `${f.file}: sentences`);
      if (f.tokens !== undefined) assert.equal(sentences.reduce((n, s) => n + s.tokens.length, 0), f.tokens, `${f.file}: tokens`);
      if (f.labels && f.format !== 'mtod_tsv' && f.format !== 'jointbert_label') assert.deepEqual(sorted(countTags(sentences)), sorted(f.labels), `${f.file}: labels`);
      if (f.crlf) for (const s of sentences) for (const t of s.tokens) assert.doesNotMatch(t, /\r/, `${f.file}: CR stripped`);
      checked++;
      void key;
    }
  }
  assert.equal(checked, 9 + 9 + 2 + 4 + 3 + 2 + 3 + 3);
});

test('paper datasets in the shared folder give SPEC §6 train/dev/test sizes (seed 42)', { skip: shared.skip }, async () => {
  const seen: string[] = [];
  for (const key of PAPER_TASKS) {
    const e = getDataset(key);
    const avail = await available(key);
    const raw = Object.fromEntries(Object.entries(avail.read).map(([k, v]) => [k, v!.sentences]));
    if (raw.train) {
      const s = assembleSplits(e, raw, 42, 1);
      assert.deepEqual([s.train.length, s.dev.length, s.test.length], [e.expected_sizes!.train, e.expected_sizes!.dev, e.expected_sizes!.test], key);
      seen.push(key);
    } else {
      // mTOD's train file and all of MTOP are not in the shared folder: what is there still matches
      for (const [split, r] of Object.entries(avail.read)) assert.equal(r!.sentences.length, e.expected_sizes![split as 'dev' | 'test'], `${key} ${split}`);
    }
  }
  assert.deepEqual(seen, ['mit_movie_trivia', 'mit_movie', 'mit_restaurant', 'atis', 'snips']);
  // CoNLL-2003 and WNUT-17 give their standard sizes
  for (const key of ['conll2003', 'wnut17']) {
    const e = getDataset(key);
    const avail = await available(key);
    assert.deepEqual(['train', 'dev', 'test'].map((s) => avail.read[s as 'train']!.sentences.length), [e.expected_sizes!.train, e.expected_sizes!.dev, e.expected_sizes!.test], key);
  }
});

test('quirks: IOB1 CoNLL-2003 becomes valid IOB2; the moved -DOCSTART- is no sentence', { skip: shared.skip }, async () => {
  const raw = readFileSync(join(shared.dir, 'conll2003', 'eng.train'), 'utf8');
  assert.ok(raw.endsWith('-DOCSTART- -X- O O'), 'this copy ends with the moved -DOCSTART-');
  const avail = await available('conll2003');
  for (const split of ['train', 'dev', 'test'] as const) {
    for (const s of avail.read[split]!.sentences) {
      assert.ok(!s.tokens.includes('-DOCSTART-'));
      s.tags.forEach((t, i) => {
        if (t.startsWith('I-')) assert.equal(s.tags[i - 1]?.slice(2), t.slice(2), `IOB2: ${t} continues an entity`);
      });
    }
  }
  // Entity counts after IOB1 → IOB2 equal the CoNLL-2003 paper's (Tjong Kim Sang & De Meulder 2003, table 2).
  const paper = {
    train: { LOC: 7140, MISC: 3438, ORG: 6321, PER: 6600 },
    dev: { LOC: 1837, MISC: 922, ORG: 1341, PER: 1842 },
    test: { LOC: 1668, MISC: 702, ORG: 1661, PER: 1617 },
  };
  for (const split of ['train', 'dev', 'test'] as const) {
    const got: Record<string, number> = {};
    for (const s of avail.read[split]!.sentences) for (const t of s.tags) if (t.startsWith('B-')) got[t.slice(2)] = (got[t.slice(2)] ?? 0) + 1;
    assert.deepEqual(sorted(got), paper[split], `${split} entities`);
  }
});
