/**
 * Users' column files: layout detection (column order, separator, CRLF, byte-order mark,
 * -DOCSTART-), scheme detection, conversion to IOB2 with repairs, and errors at file:line — on
 * small hand-written files whose expected readings are worked out by hand in the comments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HyperloaderError } from '../../../src/errors.js';
import { parseColumns, readColumns } from '../../../src/data/readers/columns.js';
import { detectScheme, toIob2 } from '../../../src/data/readers/scheme.js';
import { readSentences } from '../../../src/data/readers/index.js';
import { loadDatasetSplits } from '../../../src/data/load.js';
import { customEntry } from '../../../src/data/registry.js';
import { taskSchema } from '../../../src/config/schema.js';

const lines = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('scheme detection: IOB1, IOB2, IOB2 with stray I-, BIOES, no entities', () => {
  // I- opens every entity, the only B- separates two ORG neighbours → IOB1
  assert.equal(detectScheme([['I-PER', 'I-PER', 'O', 'I-LOC'], ['I-ORG', 'B-ORG']]).scheme, 'IOB1');
  assert.deepEqual(detectScheme([['B-PER', 'I-PER', 'O', 'B-LOC']]), { scheme: 'IOB2', reason: 'every entity opens with B-' });
  // a B- after O rules out IOB1, so the I- after O is a mistake in IOB2
  assert.deepEqual(detectScheme([['B-PER', 'O', 'I-LOC']]), { scheme: 'IOB2', reason: '1 entities open with B-; 1 I- tag(s) open an entity and are repaired to B-' });
  assert.equal(detectScheme([['S-PER', 'O', 'B-LOC', 'E-LOC']]).scheme, 'BIOES');
  assert.equal(detectScheme([['U-PER', 'B-LOC', 'L-LOC']]).scheme, 'BIOES'); // BILOU reads as BIOES
  assert.deepEqual(detectScheme([['O', 'O']]), { scheme: 'IOB2', reason: 'no entity tags at all (every tag is O)' });
});

test('to IOB2: IOB1 converts silently; stray I- in IOB2 and broken BIOES are repaired and reported', () => {
  // IOB1: I-X at the start and after O opens; B-X separates; no repairs
  assert.deepEqual(toIob2({ tags: ['I-X', 'I-X', 'B-X', 'O', 'I-X'], lines: lines(5) }, 'IOB1', 'f'), { tags: ['B-X', 'I-X', 'B-X', 'O', 'B-X'], repairs: [] });
  // IOB2: I-X after O → B-X (line 2); I-Y after an X entity → B-Y (line 4)
  const iob2 = toIob2({ tags: ['O', 'I-X', 'I-X', 'I-Y'], lines: [10, 11, 12, 13] }, 'IOB2', 'f.tsv');
  assert.deepEqual(iob2.tags, ['O', 'B-X', 'I-X', 'B-Y']);
  assert.deepEqual(iob2.repairs.map((r) => [r.file, r.line, r.from, r.to, r.why]), [
    ['f.tsv', 11, 'I-X', 'B-X', 'I-X after O opens an entity'],
    ['f.tsv', 13, 'I-Y', 'B-Y', 'I-Y after an entity of type X opens an entity'],
  ]);
  // BIOES: S-→B-, E- continuing → I-; an E- after S- (closed) and an I- after E- open new entities
  const bioes = toIob2({ tags: ['S-PER', 'B-LOC', 'I-LOC', 'E-LOC', 'S-LOC', 'E-LOC', 'I-LOC'], lines: lines(7) }, 'BIOES', 'b');
  assert.deepEqual(bioes.tags, ['B-PER', 'B-LOC', 'I-LOC', 'I-LOC', 'B-LOC', 'B-LOC', 'B-LOC']);
  assert.deepEqual(bioes.repairs.map((r) => [r.line, r.from, r.to]), [[6, 'E-LOC', 'B-LOC'], [7, 'I-LOC', 'B-LOC']]);
  assert.match(bioes.repairs[0]!.why, /after the LOC entity closed by the previous tag/);
  // a tag outside the scheme is an error at its line
  assert.throws(() => toIob2({ tags: ['O', 'S-X'], lines: [3, 4] }, 'IOB2', 'g.txt'), (e: unknown) => e instanceof HyperloaderError && /^g\.txt:4: bad tag "S-X" for the IOB2 scheme/.test(e.message));
});

test('layout detection: tag first / token first, tab / space, CRLF, byte-order mark, -DOCSTART-', () => {
  // tag first, space-separated, CRLF, BOM, a -DOCSTART- line
  const a = parseColumns(Buffer.from('\ufeff-DOCSTART- O\r\n\r\nB-PER Anna\r\nO runs\r\n\r\nO ok\r\n', 'utf8'), 'a');
  assert.deepEqual(a.layout, { order: 'tag-first', separator: 'whitespace', columns: 2, bom: true, crlf: true, docstart: 1, detected: true });
  assert.deepEqual(a.sentences, [
    { tokens: ['Anna', 'runs'], tags: ['B-PER', 'O'], lines: [3, 4] },
    { tokens: ['ok'], tags: ['O'], lines: [6] },
  ]);
  // token<TAB>tag: a tab in every token line; lines holding only a tab break sentences (WNUT-17)
  const b = parseColumns('New\tB-LOC\nYork\tI-LOC\n\t\nhi\tO', 'b');
  assert.deepEqual([b.layout.order, b.layout.separator, b.layout.crlf, b.layout.bom], ['token-first', 'tab', false, false]);
  assert.deepEqual(b.sentences.map((s) => s.tokens), [['New', 'York'], ['hi']]);
  // CoNLL-2003 columns: token first, tag last
  const c = parseColumns('-DOCSTART- -X- O O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\n', 'c');
  assert.deepEqual([c.layout.order, c.layout.columns, c.layout.docstart], ['token-first', 4, 1]);
  assert.deepEqual(c.sentences[0]!.tags, ['I-ORG', 'O']);
  // auto through readColumns: IOB1 detected from the file, converted
  assert.deepEqual(readColumns('I-ORG EU\nO rejects\n', 'd'), [{ tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'] }]);
});

test('layout errors name the file and line', () => {
  const err = (text: string, re: RegExp, options = {}) => assert.throws(() => parseColumns(text, 'x.txt', options), (e: unknown) => e instanceof HyperloaderError && re.test(e.message));
  err('a\tO\nb\tO\tO\n', /^x\.txt:2: expected 2 column\(s\) like line 1, found 3/);
  err('a O\nb FOO\n', /^x\.txt:2: neither the first nor the last column holds only tags; "FOO" in column 2/);
  err('a\nb\n', /^x\.txt:1: only one column/);
  err('\n\n', /^x\.txt: no token lines/);
  err('New York\tB-LOC\n', /^x\.txt:1: token "New York" contains whitespace/, { layout: 'tsv' });
});

test('a config task\'s custom block: format auto and scheme auto/BIOES read any layout into IOB2; mit with IOB1 converts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-custom-'));
  try {
    // tag first, space-separated, CRLF, IOB1
    writeFileSync(join(dir, 'train.txt'), 'I-PER Anna\r\nO runs\r\n\r\nO in\r\nI-LOC Oslo\r\nB-LOC Bergen\r\n\r\n');
    writeFileSync(join(dir, 'test.bioes'), 'Anna\tS-PER\nvisits\tO\nNew\tB-LOC\nYork\tE-LOC\n\n');
    const task = taskSchema.parse({ name: 'mine', custom: { format: 'auto', scheme: 'auto', train: 'train.txt', dev: 'train.txt', test: 'test.bioes' } });
    const s = await loadDatasetSplits(customEntry(task, dir), { cacheDir: dir });
    assert.deepEqual(s.train.map((x) => x.tags), [['B-PER', 'O'], ['O', 'B-LOC', 'B-LOC']]);
    assert.deepEqual(s.test, [{ tokens: ['Anna', 'visits', 'New', 'York'], tags: ['B-PER', 'O', 'B-LOC', 'I-LOC'] }]);
    // the format names of the plain readers keep their behaviour; conll with scheme BIOES converts
    assert.deepEqual(readSentences('conll', 'Anna S-PER\n', 'f', { scheme: 'BIOES' }), [{ tokens: ['Anna'], tags: ['B-PER'] }]);
    assert.deepEqual(readSentences('mit', 'I-PER\tAnna\n', 'f', { scheme: 'IOB1' }), [{ tokens: ['Anna'], tags: ['B-PER'] }]);
    assert.deepEqual(readSentences('tsv', 'Anna\tB-PER\n', 'f'), [{ tokens: ['Anna'], tags: ['B-PER'] }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
