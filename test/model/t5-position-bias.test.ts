/** transformers' relative-position buckets, checked against values worked out by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relativePositionBucket as bucket } from '../../src/model/position-bias.js';

test('bidirectional buckets (encoder, legacy cross-attention): 32 buckets, max distance 128', () => {
  // 16 buckets per direction, 8 exact; keys after the query use buckets 16..31.
  const cases: [number, number][] = [
    [0, 0],
    [-3, 3],
    [3, 19],
    [-7, 7],
    [-8, 8], // log branch: 8 + trunc(log(8/8)/log(16)·8) = 8
    [-16, 10], // 8 + log(2)/log(16)·8 = 8 + 2 exactly (a float32 boundary)
    [16, 26],
    [-127, 15], // 8 + trunc(7.977)
    [-200, 15], // clamped to 15
    [1000, 31],
  ];
  for (const [rel, want] of cases) assert.equal(bucket(rel, true, 32, 128), want, `rel ${rel}`);
});

test('causal buckets (decoder self-attention): future keys share bucket 0', () => {
  const cases: [number, number][] = [
    [5, 0],
    [0, 0],
    [-5, 5],
    [-15, 15],
    [-16, 16],
    [-32, 21], // 16 + trunc(log(2)/log(8)·16 = 5.33)
    [-64, 26], // 16 + trunc(10.67)
    [-128, 31], // 16 + 16 → clamped to 31
  ];
  for (const [rel, want] of cases) assert.equal(bucket(rel, false, 32, 128), want, `rel ${rel}`);
});

test("the fixtures' small shape: 8 buckets, max distance 20", () => {
  assert.equal(bucket(1, true, 8, 20), 5);
  assert.equal(bucket(-1, true, 8, 20), 1);
  assert.equal(bucket(-2, true, 8, 20), 2);
  assert.equal(bucket(-19, true, 8, 20), 3); // 2 + trunc(log(9.5)/log(10)·2 = 1.955)
  assert.equal(bucket(-3, false, 8, 20), 3);
  assert.equal(bucket(-4, false, 8, 20), 4); // 4 + trunc(log(1)) = 4
  assert.equal(bucket(-10, false, 8, 20), 6); // 4 + trunc(log(2.5)/log(5)·4 = 2.28)
});
