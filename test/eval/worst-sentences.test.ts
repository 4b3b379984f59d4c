import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sentenceF1, worstSentences } from '../../src/eval/worst-sentences.js';

const gold = [
  ['B-PER', 'O'], // 0: right
  ['B-PER', 'I-PER', 'O'], // 1: 1 wrong, PER(0-1) vs PER(0): F1 0
  ['B-LOC', 'O', 'B-ORG'], // 2: 1 wrong, LOC right, ORG → PER: F1 2·1/(2+2) = 0.5
  ['O', 'O', 'O', 'O'], // 3: 3 wrong, two spurious spans: F1 0
  ['B-A', 'O'], // 4: 2 wrong, A shifted: F1 0
  ['B-B', 'O', 'O'], // 5: 1 wrong, B missed: F1 0 (ties with 1: the earlier first)
];
const pred = [
  ['B-PER', 'O'],
  ['B-PER', 'O', 'O'],
  ['B-LOC', 'O', 'B-PER'],
  ['B-X', 'I-X', 'O', 'B-Y'],
  ['O', 'B-A'],
  ['O', 'O', 'O'],
];

test('sentenceF1: entity F1 of one sentence; 1 when neither side has an entity', () => {
  assert.deepEqual(gold.map((g, i) => sentenceF1(g, pred[i]!)), [1, 0, 0.5, 0, 0, 0]);
  assert.equal(sentenceF1(['O', 'O'], ['O', 'O']), 1);
  assert.equal(sentenceF1(['B-A', 'I-A', 'B-B'], ['B-A', 'I-A', 'B-B']), 1);
});

test('worstSentences: most wrong tags first, then the lower sentence F1, then file order; right sentences never listed', () => {
  const w = worstSentences(gold, pred);
  assert.deepEqual(
    w.map((s) => [s.index, s.wrong, s.tokens, s.score]),
    [
      [3, 3, 4, 0],
      [4, 2, 2, 0],
      [1, 1, 3, 0],
      [5, 1, 3, 0],
      [2, 1, 3, 0.5],
    ],
  );
  assert.deepEqual(worstSentences(gold, pred, { n: 2 }).map((s) => s.index), [3, 4]);
  // Token accuracy for per-token tasks: sentence 1 has 2 of 3 right, 2 has 2 of 3, 5 has 2 of 3: file order.
  assert.deepEqual(worstSentences(gold, pred, { metric: 'accuracy' }).map((s) => [s.index, s.score]), [
    [3, 0.25],
    [4, 0],
    [1, 2 / 3],
    [2, 2 / 3],
    [5, 2 / 3],
  ]);
  assert.deepEqual(worstSentences([['O']], [['O']]), []);
  assert.throws(() => worstSentences([['O', 'O']], [['O']]), /sentence 1: 2 gold tags but 1 predicted/);
});
