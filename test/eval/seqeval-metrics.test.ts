/** seqeval's scores on hand-worked examples (the arithmetic is in the comments). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { microF1, microPrf, scoreMode, scoreSentences, SchemeDecodeError } from '../../src/eval/seqeval.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('micro, macro and weighted averages, per type, and token accuracy', () => {
  // gold: PER(0-1) LOC(3) | ORG(5)    pred: PER(0-1) ORG(3) | —
  const gold = [['B-PER', 'I-PER', 'O', 'B-LOC'], ['B-ORG']];
  const pred = [['B-PER', 'I-PER', 'O', 'B-ORG'], ['O']];
  const r = scoreSentences(gold, pred);
  assert.equal(r.n_sentences, 2);
  assert.equal(r.n_tokens, 5);
  close(r.accuracy, 3 / 5, 'accuracy');
  assert.deepEqual(r.default.counts, { tp: 1, n_pred: 2, n_gold: 3 });
  assert.deepEqual(Object.keys(r.default.per_type), ['LOC', 'ORG', 'PER']);
  assert.deepEqual(r.default.per_type.ORG, { precision: 0, recall: 0, f1: 0, support: 1, tp: 0, n_pred: 1, n_gold: 1 });
  assert.deepEqual(r.default.per_type.PER, { precision: 1, recall: 1, f1: 1, support: 1, tp: 1, n_pred: 1, n_gold: 1 });
  // micro: P = 1/2, R = 1/3, F1 = 2·(1/6)/(5/6) = 0.4
  close(r.default.micro.precision, 0.5, 'micro P');
  close(r.default.micro.recall, 1 / 3, 'micro R');
  close(r.default.micro.f1, 0.4, 'micro F1');
  assert.equal(r.default.micro.support, 3);
  // macro = weighted here (every support is 1): (0 + 0 + 1) / 3
  for (const avg of [r.default.macro, r.default.weighted]) {
    close(avg.precision, 1 / 3, 'P');
    close(avg.recall, 1 / 3, 'R');
    close(avg.f1, 1 / 3, 'F1');
  }
  // Strict IOB2 agrees on well-formed IOB2 tags.
  assert.ok(!('error' in r.strict));
  if (!('error' in r.strict)) {
    assert.equal(r.strict.scheme, 'IOB2');
    assert.deepEqual(r.strict.counts, r.default.counts);
  }
});

test('weighted average weights each type by its gold support', () => {
  // PER: gold 2, pred 1, tp 1 → P 1, R 1/2, F1 2/3.   LOC: 1/1/1 → 1, 1, 1.
  const s = scoreMode([['B-PER', 'O', 'B-PER', 'O', 'B-LOC']], [['B-PER', 'O', 'O', 'O', 'B-LOC']]);
  close(s.weighted.precision, 1, 'weighted P');
  close(s.weighted.recall, (0.5 * 2 + 1) / 3, 'weighted R');
  close(s.weighted.f1, ((2 / 3) * 2 + 1) / 3, 'weighted F1');
  close(s.macro.recall, 0.75, 'macro R');
  close(s.macro.f1, (2 / 3 + 1) / 2, 'macro F1');
  close(s.micro.f1, 0.8, 'micro F1'); // P 1, R 2/3
});

test("zero division: 0/0 precision or recall is 0; with no entity anywhere macro is NaN (numpy's mean of nothing)", () => {
  const none = scoreMode([['O', 'O']], [['O', 'O']]);
  assert.deepEqual(none.micro, { precision: 0, recall: 0, f1: 0, support: 0 });
  assert.deepEqual(none.weighted, { precision: 0, recall: 0, f1: 0, support: 0 });
  assert.ok(Number.isNaN(none.macro.f1) && Number.isNaN(none.macro.precision));
  // Predictions but no gold entity: weighted is 0 (seqeval's zero_division), micro P 0.
  const fp = scoreMode([['O']], [['B-X']]);
  assert.deepEqual(fp.weighted, { precision: 0, recall: 0, f1: 0, support: 0 });
  assert.deepEqual(fp.per_type.X, { precision: 0, recall: 0, f1: 0, support: 0, tp: 0, n_pred: 1, n_gold: 0 });
});

test('microF1 / microPrf: default mode unless told; strict mode throws where seqeval raises', () => {
  const gold = [['B-PER', 'I-PER', 'O']];
  const pred = [['I-PER', 'I-PER', 'O']];
  assert.equal(microF1(gold, pred), 1); // default mode: I- opens the entity
  assert.equal(microF1(gold, pred, { mode: 'strict' }), 0); // strict IOB2 drops it
  assert.deepEqual(microPrf(gold, pred, { mode: 'strict' }), { precision: 0, recall: 0, f1: 0, support: 1 });
  assert.throws(() => microF1([['S-X']], [['S-X']], { mode: 'strict' }), SchemeDecodeError);
  assert.equal(microF1([['S-X']], [['S-X']], { mode: 'strict', scheme: 'IOBES' }), 1);
});

test('a strict decoding failure is reported as { error }, the default scores stay', () => {
  const r = scoreSentences([['B-X', 'E-X']], [['B-X', 'E-X']]);
  assert.deepEqual(r.strict, { error: 'ValueError: Invalid token is found: E-X. Allowed prefixes are: I|O|B.' });
  assert.equal(r.default.micro.f1, 1);
  const ok = scoreSentences([['B-X', 'E-X']], [['B-X', 'E-X']], { scheme: 'IOBES' });
  assert.ok(!('error' in ok.strict) && ok.strict.scheme === 'IOBES' && ok.strict.micro.f1 === 1);
});

test('misaligned gold and prediction is a caller bug (RangeError)', () => {
  assert.throws(() => scoreSentences([['O']], []), RangeError);
  assert.throws(() => scoreSentences([['O', 'O']], [['O']]), /sentence 0: gold has 2 tags but prediction has 1/);
  assert.throws(() => microF1([['']], [['O']]), /non-empty/);
});
