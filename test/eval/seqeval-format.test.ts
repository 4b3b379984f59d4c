/** Output formats: Python's float formatting, seqeval's classification report, conlleval's report. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCodePoints, formatFixed, pyRepr } from '../../src/eval/seqeval-format.js';
import { classificationReport } from '../../src/eval/seqeval-report.js';
import { conllevalCounts, formatConlleval } from '../../src/eval/seqeval-conlleval.js';
import { scoreMode } from '../../src/eval/seqeval.js';

test("formatFixed rounds like Python's '{:.Nf}' (ties to even on the exact binary value)", () => {
  // Python 3.11: '{:.2f}'.format(0.125) == '0.12', 0.375 → '0.38', '{:.0f}'.format(2.5) == '2', 1.005 → '1.00'
  assert.equal(formatFixed(0.125, 2), '0.12');
  assert.equal(formatFixed(0.375, 2), '0.38');
  assert.equal(formatFixed(2.5, 0), '2');
  assert.equal(formatFixed(3.5, 0), '4');
  assert.equal(formatFixed(1.005, 2), '1.00');
  assert.equal(formatFixed(2 / 3, 4), '0.6667');
  assert.equal(formatFixed(100, 2), '100.00');
  assert.equal(formatFixed(0, 2), '0.00');
  assert.equal(formatFixed(0.999, 2), '1.00');
  assert.equal(formatFixed(NaN, 2), 'nan');
});

test('Python string order and repr', () => {
  // U+FF21 (fullwidth A) sorts before U+1F600 by code point; UTF-16 units would put the emoji first.
  assert.deepEqual(['\u{1F600}', '\uFF21', 'B', 'a'].sort(compareCodePoints), ['B', 'a', '\uFF21', '\u{1F600}']);
  assert.equal(pyRepr('P'), "'P'");
  assert.equal(pyRepr("'"), `"'"`);
  assert.equal(pyRepr('\\'), "'\\\\'");
});

test("classification report: seqeval's documented example, byte for byte", () => {
  // seqeval's docstring example (MISC is found one token early, PER exactly).
  const gold = [['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
  const pred = [['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
  const expected = [
    '              precision    recall  f1-score   support',
    '',
    '        MISC       0.00      0.00      0.00         1',
    '         PER       1.00      1.00      1.00         1',
    '',
    '   micro avg       0.50      0.50      0.50         2',
    '   macro avg       0.50      0.50      0.50         2',
    'weighted avg       0.50      0.50      0.50         2',
    '',
  ].join('\n');
  assert.equal(classificationReport(scoreMode(gold, pred)), expected);
  assert.equal(classificationReport(scoreMode(gold, pred, { mode: 'strict' })), expected);
});

test('classification report widens for long type names and prints NaN as nan', () => {
  const report = classificationReport(scoreMode([['B-fromloc.city_name']], [['B-fromloc.city_name']]), 4);
  assert.match(report, /^ {18} precision/);
  assert.match(report, /\nfromloc.city_name     1\.0000    1\.0000    1\.0000         1\n/);
  assert.match(classificationReport(scoreMode([['O']], [['O']])), /\n {3}macro avg {8}nan {7}nan {7}nan {9}0\n/);
});

test("conlleval's report, computed by hand", () => {
  // gold: PER(0-1) LOC(3)   pred: PER(0-1) ORG(3); 3 of 4 tags right.
  const c = conllevalCounts([['B-PER', 'I-PER', 'O', 'B-LOC']], [['B-PER', 'I-PER', 'O', 'B-ORG']]);
  assert.equal(
    formatConlleval(c),
    'processed 4 tokens with 2 phrases; found: 2 phrases; correct: 1.\n' +
      'accuracy:  75.00%; precision:  50.00%; recall:  50.00%; FB1:  50.00\n' +
      '              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n' +
      '              ORG: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n' +
      '              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n',
  );
});

test("conlleval's quirks: S- has no rule, untyped chunks print once per column, a chunk open at the end counts", () => {
  const s = conllevalCounts([['S-PER', 'S-PER']], [['S-PER', 'S-PER']]);
  assert.deepEqual([s.gold, s.pred, s.correct], [1, 1, 1]);
  const untyped = formatConlleval(conllevalCounts([['B', 'I']], [['B', 'I']]));
  assert.equal(untyped.split('\n').filter((l) => l.startsWith('                 : ')).length, 2);
  // 'B-0' has the type '0', which Perl treats as false and so as the empty type.
  const zero = conllevalCounts([['B-0']], [['B']]);
  assert.deepEqual([zero.correct, zero.correctTags], [1, 1]);
  // No tokens: only the header line.
  assert.equal(formatConlleval(conllevalCounts([], [])), 'processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n');
});
