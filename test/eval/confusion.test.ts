import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confusionTable, matchSpans, sentenceSpans, MISSED, SPURIOUS } from '../../src/eval/confusion.js';

test('sentenceSpans: default-mode chunks with inclusive offsets', () => {
  assert.deepEqual(sentenceSpans(['B-PER', 'I-PER', 'O', 'B-LOC', 'I-ORG']), [
    { type: 'PER', start: 0, end: 1 },
    { type: 'LOC', start: 3, end: 3 },
    { type: 'ORG', start: 4, end: 4 },
  ]);
  assert.deepEqual(sentenceSpans(['O', 'O']), []);
});

test('matchSpans: the pair sharing most tokens first; ties to the earlier gold, then the earlier prediction', () => {
  // gold PER(0) LOC(1-3); pred LOC(0-3) shares 1 token with PER and 3 with LOC: LOC takes it, PER is missed.
  const a = matchSpans(sentenceSpans(['B-PER', 'B-LOC', 'I-LOC', 'I-LOC']), sentenceSpans(['B-LOC', 'I-LOC', 'I-LOC', 'I-LOC']));
  assert.deepEqual(a, { pairs: [[1, 0]], missed: [0], spurious: [] });
  // gold ORG(0-3); pred ORG(0-1) and LOC(2-3) share 2 tokens each: the earlier prediction wins, LOC is spurious.
  const b = matchSpans(sentenceSpans(['B-ORG', 'I-ORG', 'I-ORG', 'I-ORG']), sentenceSpans(['B-ORG', 'I-ORG', 'B-LOC', 'I-LOC']));
  assert.deepEqual(b, { pairs: [[0, 0]], missed: [], spurious: [1] });
  // gold PER(0-1) LOC(2); pred LOC(1-2) shares one token with each: the earlier gold span takes it.
  const c = matchSpans(sentenceSpans(['B-PER', 'I-PER', 'B-LOC']), sentenceSpans(['O', 'B-LOC', 'I-LOC']));
  assert.deepEqual(c, { pairs: [[0, 0]], missed: [1], spurious: [] });
});

test('confusionTable: hand-counted cells, partial matches, missed and spurious over several sentences', () => {
  const gold = [
    ['B-PER', 'I-PER', 'O', 'B-LOC', 'O'], // PER exact → PER; LOC exact → ORG
    ['B-LOC', 'I-LOC', 'I-LOC', 'O'], // LOC → LOC, other boundaries
    ['B-PER', 'O', 'B-ORG'], // both missed
    ['O', 'O', 'O'], // nothing gold; MISC predicted: spurious
    ['B-PER', 'B-LOC', 'I-LOC', 'I-LOC'], // LOC → LOC partial, PER missed (see matchSpans)
  ];
  const pred = [
    ['B-PER', 'I-PER', 'O', 'B-ORG', 'O'],
    ['B-LOC', 'I-LOC', 'O', 'O'],
    ['O', 'O', 'O'],
    ['O', 'B-MISC', 'O'],
    ['B-LOC', 'I-LOC', 'I-LOC', 'I-LOC'],
  ];
  const c = confusionTable(gold, pred);
  assert.deepEqual(c.goldTypes, ['LOC', 'ORG', 'PER']);
  assert.deepEqual(c.predTypes, ['LOC', 'MISC', 'ORG', 'PER']);
  assert.deepEqual(c.cells, {
    PER: { PER: 1, [MISSED]: 2 },
    LOC: { ORG: 1, LOC: 2 },
    ORG: { [MISSED]: 1 },
    [SPURIOUS]: { MISC: 1 },
  });
  // Exact boundaries: the PER → PER and LOC → ORG pairs of the first sentence; neither LOC → LOC is.
  assert.deepEqual(c.exact, { PER: { PER: 1 }, LOC: { ORG: 1 } });
  assert.equal(c.gold, 7);
  assert.equal(c.predicted, 5);
  // Rows add up to the gold spans of their type, columns to the predicted spans of theirs.
  const rowSum = (t: string) => Object.values(c.cells[t] ?? {}).reduce((a, b) => a + b, 0);
  assert.equal(rowSum('PER') + rowSum('LOC') + rowSum('ORG'), c.gold);
  const colSum = (t: string) => Object.values(c.cells).reduce((a, r) => a + (r[t] ?? 0), 0);
  assert.equal(colSum('PER') + colSum('LOC') + colSum('ORG') + colSum('MISC'), c.predicted);
  assert.throws(() => confusionTable([['O']], []), /1 gold sentences but 0 predicted/);
});
