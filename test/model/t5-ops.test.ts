/** The small ops: RMSNorm and gelu_new against hand formulas, embedding gradients with repeated ids, seeded dropout. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DropoutStream, embeddingLookup, geluNew, rmsNorm } from '../../src/model/ops.js';
import { matMul2d } from '../../src/model/linear.js';
import { useTestBackend } from './t5-helpers.js';

before(async () => {
  await useTestBackend();
});

test('RMSNorm: x / sqrt(mean(x²) + eps) · w, no mean subtraction', () => {
  const out = tf.tidy(() => rmsNorm(tf.tensor2d([[3, 4], [1, -1]]), tf.tensor1d([2, 0.5]), 1e-6).arraySync());
  // Row 1: mean(x²) = 12.5 → x/√12.5; row 2: mean = 1.
  const r = Math.sqrt(12.5 + 1e-6);
  const want = [[(3 / r) * 2, (4 / r) * 0.5], [2 / Math.sqrt(1 + 1e-6), -0.5 / Math.sqrt(1 + 1e-6)]];
  out.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - want[i]![j]!) < 1e-6, `${i},${j}: ${v}`)));
});

test('gelu_new is the tanh approximation', () => {
  const xs = [-3, -1, -0.5, 0, 0.7, 2];
  const got = tf.tidy(() => Array.from(geluNew(tf.tensor1d(xs)).dataSync()));
  xs.forEach((x, i) => {
    const want = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    assert.ok(Math.abs(got[i]! - want) < 1e-6, `x=${x}: ${got[i]} vs ${want}`);
  });
});

test('embedding lookup: rows, and a gradient that sums repeated ids (runs on wasm, unlike tf.gather)', () => {
  const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
  const ids = tf.tensor1d([2, 0, 2], 'int32');
  const rows = tf.tidy(() => embeddingLookup(table, ids).arraySync());
  assert.deepEqual(rows, [[5, 6], [1, 2], [5, 6]]);
  const g = tf.tidy(() => {
    const upstream = tf.tensor2d([[1, 10], [100, 1000], [2, 20]]);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t as tf.Tensor2D, ids), upstream)))(table).arraySync();
  });
  assert.deepEqual(g, [[100, 1000], [0, 0], [3, 30]]);
  tf.dispose([table, ids]);
});

test('matMul2d: plain product, both gradients (transpose-free backward)', () => {
  const a = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
  const b = tf.tensor2d([[1, 0, 2], [-1, 1, 0]]);
  const [ga, gb] = tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(matMul2d(x as tf.Tensor2D, y as tf.Tensor2D)))([a, b]).map((t) => t.arraySync()));
  assert.deepEqual(tf.tidy(() => matMul2d(a, b).arraySync()), [[-1, 2, 2], [-1, 4, 6], [-1, 6, 10]]);
  // d/dA sum(AB) = 1·Bᵀ (row sums of B per column of A); d/dB = Aᵀ·1.
  assert.deepEqual(ga, [[3, 0], [3, 0], [3, 0]]);
  assert.deepEqual(gb, [[9, 9, 9], [12, 12, 12]]);
  tf.dispose([a, b]);
});

test('dropout: reproducible per seed, rate and 1/(1−p) scaling respected', () => {
  const x = tf.ones([200, 100]);
  const draw = (seed: number) => {
    const s = new DropoutStream(0.1, seed);
    return tf.tidy(() => [Array.from(s.apply(x).dataSync()), Array.from(s.apply(x).dataSync())]);
  };
  const [a1, a2] = draw(7);
  const [b1] = draw(7);
  const [c1] = draw(8);
  assert.deepEqual(a1, b1, 'same seed, same first mask');
  assert.notDeepEqual(a1, a2, 'the stream moves on');
  assert.notDeepEqual(a1, c1, 'another seed, another mask');
  const kept = a1!.filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.9) < 1e-6));
  const dropped = 1 - kept.length / a1!.length;
  assert.ok(Math.abs(dropped - 0.1) < 0.01, `dropped fraction ${dropped}`); // 20 000 draws: σ ≈ 0.002
  x.dispose();
});
