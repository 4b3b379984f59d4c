/**
 * The committed synthetic demo set (datasets/demo/) is exactly what scripts/make-demo-data.ts
 * generates, parses as seq.in/seq.out with valid IOB2, and has the properties the quickstart
 * relies on (sizes, lengths, small vocabulary, multi-word entities, learnable from context).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

const demoDir = join(repoRoot, 'datasets', 'demo');
const script = join(repoRoot, 'dist', 'scripts', 'make-demo-data.js');
const SPLITS = ['train', 'dev', 'test'] as const;
const EXPECTED: Record<string, Record<(typeof SPLITS)[number], number> & { types: string[] }> = {
  demo_slots: { train: 2400, dev: 250, test: 250, types: ['airline', 'city', 'class', 'cuisine', 'date', 'from_city', 'party_size', 'time', 'to_city'] },
  demo_ner: { train: 1600, dev: 250, test: 250, types: ['DATE', 'LOC', 'ORG', 'PER'] },
};

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)]))
    .sort();
}

function load(task: string, split: string): { tokens: string[]; tags: string[] }[] {
  const read = (f: string) => readFileSync(join(demoDir, task, split, f), 'utf8');
  const ins = read('seq.in');
  const outs = read('seq.out');
  assert.ok(ins.endsWith('\n') && outs.endsWith('\n'), `${task}/${split}: files end with a newline`);
  const a = ins.slice(0, -1).split('\n');
  const b = outs.slice(0, -1).split('\n');
  assert.equal(a.length, b.length, `${task}/${split}: seq.in and seq.out line counts`);
  return a.map((line, i) => ({ tokens: line.split(' '), tags: b[i].split(' ') }));
}

/** Exact (start, end, type) spans of well-formed IOB2 tags. */
function spans(tags: string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < tags.length; ) {
    if (!tags[i].startsWith('B-')) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < tags.length && tags[j] === `I-${tags[i].slice(2)}`) j++;
    out.add(`${i}:${j}:${tags[i].slice(2)}`);
    i = j;
  }
  return out;
}

test('the generator script reproduces the committed files byte for byte', () => {
  const out = mkdtempSync(join(tmpdir(), 'hl-demo-'));
  try {
    const r = spawnSync(process.execPath, [script, '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // tokenizer.json is built from these files by scripts/make-demo-tokenizer.ts (tested below).
    const committed = listFiles(demoDir).filter((f) => f !== 'README.md' && f !== 'tokenizer.json');
    assert.deepEqual(listFiles(out), committed);
    assert.equal(committed.length, 12);
    for (const f of committed) assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(demoDir, f))), `${f} differs`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the files parse: sizes, one valid IOB2 tag per word, 4–20 words, unique sentences', () => {
  assert.match(readFileSync(join(demoDir, 'README.md'), 'utf8'), /synthetic/i);
  for (const [task, expected] of Object.entries(EXPECTED)) {
    const seen = new Set<string>();
    const types = new Set<string>();
    const vocab = new Set<string>();
    let inside = 0;
    for (const split of SPLITS) {
      const sentences = load(task, split);
      assert.equal(sentences.length, expected[split], `${task}/${split} size`);
      sentences.forEach(({ tokens, tags }, i) => {
        const where = `${task}/${split} line ${i + 1}`;
        assert.equal(tokens.length, tags.length, `${where}: word/tag counts`);
        assert.ok(tokens.length >= 4 && tokens.length <= 20, `${where}: ${tokens.length} words`);
        assert.ok(tokens.every((w) => w.length > 0), `${where}: empty word (doubled space)`);
        tags.forEach((t, k) => {
          assert.match(t, /^(O|[BI]-[A-Za-z_]+)$/, where);
          if (t.startsWith('I-')) {
            inside++;
            assert.ok(k > 0 && tags[k - 1] !== 'O' && tags[k - 1].slice(2) === t.slice(2), `${where}: ${t} does not continue an entity`);
          }
          if (t !== 'O') types.add(t.slice(2));
        });
        const line = tokens.join(' ');
        assert.ok(!seen.has(line), `${where}: duplicate sentence ${line}`);
        seen.add(line);
        tokens.forEach((w) => vocab.add(w));
      });
    }
    assert.deepEqual([...types].sort(), expected.types, `${task} types`);
    assert.ok(inside > 500, `${task}: multi-word entities (I- tags) occur`);
    assert.ok(vocab.size >= 100 && vocab.size <= 400, `${task}: vocabulary ${vocab.size} words`);
  }
});

test('learnable from the word and its left context: a bigram tagger reaches dev F1 ≥ 0.9', () => {
  // The simplest context model: the most frequent train tag for (previous word, word), backing off
  // to the word alone; an I- tag continues whatever entity the previous tag opened. A T5 that sees
  // the whole sentence should do at least as well.
  for (const task of Object.keys(EXPECTED)) {
    const bigram = new Map<string, Map<string, number>>();
    const unigram = new Map<string, Map<string, number>>();
    const count = (m: Map<string, Map<string, number>>, k: string, tag: string) => {
      const c = m.get(k) ?? new Map<string, number>();
      c.set(tag, (c.get(tag) ?? 0) + 1);
      m.set(k, c);
    };
    const best = (c: Map<string, number> | undefined) => (c ? [...c].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0] : 'O');
    for (const { tokens, tags } of load(task, 'train')) {
      tokens.forEach((w, i) => {
        count(bigram, `${tokens[i - 1] ?? '<s>'} ${w}`, tags[i]);
        count(unigram, w, tags[i]);
      });
    }
    let tp = 0;
    let nPred = 0;
    let nGold = 0;
    for (const { tokens, tags } of load(task, 'dev')) {
      const pred: string[] = [];
      tokens.forEach((w, i) => {
        let tag = best(bigram.get(`${tokens[i - 1] ?? '<s>'} ${w}`) ?? unigram.get(w));
        if (tag.startsWith('I-')) tag = i > 0 && pred[i - 1] !== 'O' ? `I-${pred[i - 1].slice(2)}` : 'O';
        pred.push(tag);
      });
      const g = spans(tags);
      const p = spans(pred);
      for (const s of p) if (g.has(s)) tp++;
      nPred += p.size;
      nGold += g.size;
    }
    const f1 = (2 * tp) / (nPred + nGold);
    assert.ok(f1 >= 0.9, `${task}: bigram baseline dev F1 ${f1.toFixed(4)}`);
  }
});

test('the demo tokenizer script reproduces datasets/demo/tokenizer.json byte for byte', () => {
  const out = mkdtempSync(join(tmpdir(), 'hl-demo-tok-'));
  try {
    const tokScript = join(repoRoot, 'dist', 'scripts', 'make-demo-tokenizer.js');
    const r = spawnSync(process.execPath, [tokScript, '--out', join(out, 'tokenizer.json')], { encoding: 'utf8', cwd: repoRoot });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readFileSync(join(out, 'tokenizer.json')).equals(readFileSync(join(demoDir, 'tokenizer.json'))), 'tokenizer.json differs: rerun node dist/scripts/make-demo-tokenizer.js');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
