/**
 * Thousands of seeded random mutations of real snippets (byte flips, deleted and duplicated lines,
 * swapped columns, truncation, inserted separators and invalid UTF-8) through every reader: each
 * either returns well-formed sentences or throws a HyperloaderError — never another exception,
 * never a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HyperloaderError } from '../../../src/errors.js';
import { readConll, readMit, readMtod, readMtop, readSeqio } from '../../../src/data/readers/index.js';
import { isTag } from '../../../src/data/readers/text.js';
import { splitPrng, type SplitPrng } from '../../../src/data/splits-prng.js';
import type { Sentence } from '../../../src/data/types.js';
import { fixturesDir } from '../../helpers/paths.js';

const dir = join(fixturesDir, 'data-readers');
const bytes = (name: string) => new Uint8Array(readFileSync(join(dir, name)));

const mtopSample = new TextEncoder().encode(
  [
    ['1', 'IN:CREATE_CALL', '5:9:SL:CONTACT', 'call Mary now', 'calling', 'en_XX', '[IN:CREATE_CALL call [SL:CONTACT Mary ] now ]', '{"tokens":["call","Mary","now"],"tokenSpans":[{"start":0,"length":4},{"start":5,"length":4},{"start":10,"length":3}]}'],
    ['2', 'IN:GET_WEATHER', '', 'is it cold ?', 'weather', 'en_XX', '[IN:GET_WEATHER is it cold ? ]', '{"tokens":["is","it","cold","?"],"tokenSpans":[{"start":0,"length":2},{"start":3,"length":2},{"start":6,"length":4},{"start":11,"length":1}]}'],
  ]
    .map((c) => c.join('\t'))
    .join('\n') + '\n',
);

const SPECIAL = [0x0a, 0x0d, 0x09, 0x20, 0x2c, 0x3a, 0x2d, 0x7b, 0x7d, 0x22, 0x30, 0x39, 0xff, 0xc3, 0xe2, 0x80, 0x00, 0x4f, 0x42, 0x49];

function mutate(src: Uint8Array, rng: SplitPrng): Uint8Array {
  let b: number[] = Array.from(src);
  const rounds = 1 + rng.below(3);
  for (let r = 0; r < rounds; r++) {
    const kind = rng.below(7);
    const lines = () => {
      const out: number[][] = [[]];
      for (const x of b) {
        out[out.length - 1].push(x);
        if (x === 0x0a) out.push([]);
      }
      return out;
    };
    if (b.length === 0) break;
    if (kind === 0) {
      // flip a byte to a random value
      b[rng.below(b.length)] = rng.below(256);
    } else if (kind === 1) {
      // set a byte to a structurally interesting one
      b[rng.below(b.length)] = SPECIAL[rng.below(SPECIAL.length)];
    } else if (kind === 2) {
      const ls = lines();
      ls.splice(rng.below(ls.length), 1);
      b = ls.flat();
    } else if (kind === 3) {
      const ls = lines();
      const i = rng.below(ls.length);
      ls.splice(i, 0, ls[i].slice());
      b = ls.flat();
    } else if (kind === 4) {
      // swap the first two columns of a line (TAB- or space-separated)
      const ls = lines();
      const i = rng.below(ls.length);
      const text = String.fromCharCode(...ls[i]);
      const sep = text.includes('\t') ? '\t' : ' ';
      const parts = text.replace(/\n$/, '').split(sep);
      if (parts.length >= 2) [parts[0], parts[1]] = [parts[1], parts[0]];
      ls[i] = Array.from(parts.join(sep) + (text.endsWith('\n') ? '\n' : ''), (c) => c.charCodeAt(0) & 0xff);
      b = ls.flat();
    } else if (kind === 5) {
      b = b.slice(0, rng.below(b.length + 1));
    } else {
      // insert a few special bytes
      const at = rng.below(b.length + 1);
      const n = 1 + rng.below(4);
      b.splice(at, 0, ...Array.from({ length: n }, () => SPECIAL[rng.below(SPECIAL.length)]));
    }
  }
  return new Uint8Array(b);
}

function wellFormed(s: Sentence[]): void {
  for (const x of s) {
    assert.ok(x.tokens.length > 0, 'empty sentence');
    assert.equal(x.tokens.length, x.tags.length, 'token/tag count');
    for (const t of x.tags) assert.ok(isTag(t), `bad tag ${t}`);
    for (const t of x.tokens) assert.ok(t.length > 0 && !/\s/.test(t), `bad token ${JSON.stringify(t)}`);
  }
}

type Reader = (input: Uint8Array) => Sentence[];
const seqioPart = (which: 'seq.in' | 'seq.out' | 'label'): [string, Uint8Array, Reader] => {
  const orig = { 'seq.in': bytes('atis-train-head/seq.in'), 'seq.out': bytes('atis-train-head/seq.out'), label: bytes('atis-train-head/label') };
  return [
    `seqio ${which}`,
    orig[which],
    (input) => readSeqio({
      seqIn: { input: which === 'seq.in' ? input : orig['seq.in'], file: 'seq.in' },
      seqOut: { input: which === 'seq.out' ? input : orig['seq.out'], file: 'seq.out' },
      label: { input: which === 'label' ? input : orig.label, file: 'label' },
    }),
  ];
};

const CASES: [string, Uint8Array, Reader][] = [
  ['conll (CoNLL-2003, IOB1)', bytes('conll-train-head-tail.txt'), (i) => readConll(i, 'eng.train', { token_column: 0, tag_column: 3, scheme: 'IOB1' })],
  ['conll (WNUT-17)', bytes('wnut-train-head.conll'), (i) => readConll(i, 'wnut.conll')],
  ['mit tag-first CRLF', bytes('trivia-train-head.bio'), (i) => readMit(i, 'trivia.bio')],
  ['mit token-first', bytes('engtrain-head.bio.txt'), (i) => readMit(i, 'engtrain.bio.txt')],
  ['mit token-first space', bytes('restauranttest-head.tokenfirst.txt'), (i) => readMit(i, 'test.txt')],
  seqioPart('seq.in'),
  seqioPart('seq.out'),
  seqioPart('label'),
  ['mtod', bytes('mtod-eval-head.tsv'), (i) => readMtod(i, 'eval-en.tsv')],
  ['mtod whitespace', bytes('mtod-eval-head.tsv'), (i) => readMtod(i, 'eval-en.tsv', { tokenization: 'whitespace' })],
  ['mtop', mtopSample, (i) => readMtop(i, 'train.txt')],
];
const PER_CASE = 800;

test(`fuzz: ${CASES.length * PER_CASE} mutations through every reader give sentences or HyperloaderErrors only`, { timeout: 10_000 }, () => {
  const t0 = Date.now();
  let errors = 0;
  let parsed = 0;
  for (const [name, src, read] of CASES) {
    wellFormed(read(src)); // the unmutated snippet reads
    const rng = splitPrng(20240701, `fuzz/${name}`);
    for (let k = 0; k < PER_CASE; k++) {
      const input = mutate(src, rng);
      let out: Sentence[];
      try {
        out = read(input);
      } catch (e) {
        if (e instanceof HyperloaderError) {
          assert.match(e.message, /^[^\n]+:\d+: |^[^\n:]+: /, `${name}: the error names the file`);
          errors++;
          continue;
        }
        assert.fail(`${name}, mutation ${k}: ${(e as Error)?.stack}\ninput (base64): ${Buffer.from(input).toString('base64')}`);
      }
      wellFormed(out);
      parsed++;
    }
  }
  const ms = Date.now() - t0;
  // Both outcomes must occur, or the mutations are too weak (or too strong) to test anything.
  assert.ok(errors > 500 && parsed > 500, `errors ${errors}, parsed ${parsed}`);
  process.stdout.write(`# fuzz: ${errors} HyperloaderErrors, ${parsed} parsed, ${ms} ms\n`);
});
