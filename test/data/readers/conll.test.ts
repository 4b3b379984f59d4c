import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HyperloaderError } from '../../../src/errors.js';
import { readConll } from '../../../src/data/readers/conll.js';
import { iob1ToIob2 } from '../../../src/data/readers/text.js';
import { fixturesDir } from '../../helpers/paths.js';

const dir = join(fixturesDir, 'data-readers');

test('IOB1 → IOB2: an entity opens with B- after O, at the start, or after another type', () => {
  assert.deepEqual(iob1ToIob2(['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC', 'I-ORG', 'I-ORG']), ['B-PER', 'I-PER', 'B-PER', 'O', 'B-LOC', 'B-ORG', 'I-ORG']);
  assert.deepEqual(iob1ToIob2(['O', 'B-X', 'I-X']), ['O', 'B-X', 'I-X']);
});

test('CoNLL-2003 snippet: -DOCSTART- moved to the end is skipped, IOB1 becomes IOB2, token and tag columns', () => {
  const s = readConll(readFileSync(join(dir, 'conll-train-head-tail.txt')), 'eng.train', { token_column: 0, tag_column: 3, scheme: 'IOB1' });
  assert.equal(s.length, 6); // 4 head sentences, the B-MISC one, the last one; the DOCSTART line is no sentence
  assert.deepEqual(s[0].tokens, ['EU', 'rejects', 'German', 'call', 'to', 'boycott', 'British', 'lamb', '.']);
  assert.deepEqual(s[0].tags, ['B-ORG', 'O', 'B-MISC', 'O', 'O', 'O', 'B-MISC', 'O', 'O']);
  assert.deepEqual(s[1].tags, ['B-PER', 'I-PER']);
  // English/I-MISC County/B-MISC Championship/I-MISC: two adjacent MISC entities.
  assert.deepEqual(s[4].tags.slice(0, 4), ['B-MISC', 'B-MISC', 'I-MISC', 'O']);
  assert.deepEqual(s[5].tokens, ['Swansea', '1', 'Lincoln', '2']);
  // -1 means the last column; the POS column can be chosen as the tag only if it looks like tags.
  const last = readConll(readFileSync(join(dir, 'conll-train-head-tail.txt')), 'eng.train', { tag_column: -1, scheme: 'IOB1' });
  assert.deepEqual(last, s);
});

test('-DOCSTART- at the top and between documents also ends a sentence', () => {
  const text = '-DOCSTART- -X- O O\n\nA x y B-PER\nb x y O\n-DOCSTART- -X- O O\nC x y I-LOC\n';
  const s = readConll(text, 't.txt');
  assert.deepEqual(s, [
    { tokens: ['A', 'b'], tags: ['B-PER', 'O'] },
    { tokens: ['C'], tags: ['I-LOC'] },
  ]);
});

test('WNUT-17 snippet: lines holding only a TAB separate sentences', () => {
  const s = readConll(readFileSync(join(dir, 'wnut-train-head.conll')), 'wnut17train.conll');
  assert.equal(s.length, 4);
  assert.deepEqual(s[0].tokens.slice(0, 3), ['@paulwalk', 'It', "'s"]);
  for (const x of s) assert.equal(x.tokens.length, x.tags.length);
});

test('CRLF files read like LF files', () => {
  const lf = 'a O\nb B-X\n\nc O\n';
  assert.deepEqual(readConll(lf.replace(/\n/g, '\r\n'), 'f'), readConll(lf, 'f'));
});

function throwsAt(fn: () => unknown, where: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof HyperloaderError && where.test(e.message));
}

test('malformed CoNLL: column count, bad tag, missing column, bad UTF-8 — errors name file:line', () => {
  throwsAt(() => readConll('a x O\nb O\n', 'f.conll'), /^f\.conll:2: expected 3 columns like line 1, found 2/);
  throwsAt(() => readConll('a O\nb X-PER\n', 'f.conll'), /^f\.conll:2: bad tag "X-PER"/);
  throwsAt(() => readConll('a O\n', 'f.conll', { tag_column: 4 }), /^f\.conll:1: .*token column 0 and tag column 4/);
  const bytes = new Uint8Array([0x61, 0x20, 0x4f, 0x0a, 0x0a, 0x62, 0xff, 0x20, 0x4f, 0x0a]);
  throwsAt(() => readConll(bytes, 'f.conll'), /^f\.conll:3: not valid UTF-8/);
});
