import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collate } from '../../src/data/collate.js';

test('collate pads to the longest example, masks, shifts labels right and ignores padding', () => {
  const b = collate([
    { source: [5, 6, 1], target: [7, 1] },
    { source: [8, 1], target: [9, 10, 1] },
  ]);
  assert.equal(b.sourceLength, 3);
  assert.equal(b.targetLength, 3);
  assert.deepEqual(Array.from(b.inputIds), [5, 6, 1, 8, 1, 0]);
  assert.deepEqual(Array.from(b.attentionMask), [1, 1, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(b.labels), [7, 1, -100, 9, 10, 1]);
  assert.deepEqual(Array.from(b.decoderInputIds), [0, 7, 1, 0, 9, 10]);
  assert.equal(b.targetTokens, 5);
});
