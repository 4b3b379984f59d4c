import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { AdamW, adamWFor, clipByGlobalNorm } from '../../src/train/optimizer.js';
import { trainingSchema } from '../../src/config/schema.js';
import { learningRate } from '../../src/train/schedule.js';

test('AdamW: hand-computed steps (a constant gradient moves by lr per step; decoupled decay)', async () => {
  await tf.setBackend('cpu');
  const p = tf.variable(tf.scalar(1));
  const opt = new AdamW(new Map([['p', p]]), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  opt.apply({ p: tf.scalar(0.5) }, 0.1);
  assert.ok(Math.abs(p.dataSync()[0] - 0.9) < 1e-6, `${p.dataSync()[0]}`);
  opt.apply({ p: tf.scalar(0.5) }, 0.1);
  assert.ok(Math.abs(p.dataSync()[0] - 0.8) < 1e-6, `${p.dataSync()[0]}`);

  const q = tf.variable(tf.scalar(1));
  const decay = new AdamW(new Map([['q', q]]), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  decay.apply({ q: tf.scalar(0.5) }, 0.1);
  // 1 − 0.1 (Adam) = 0.9, then 0.9 − 0.1·0.01·0.9 = 0.8991
  assert.ok(Math.abs(q.dataSync()[0] - 0.8991) < 1e-6, `${q.dataSync()[0]}`);
});

test('position_bias_lr_scale multiplies the step (and decay) of the relative position bias tables only', async () => {
  await tf.setBackend('cpu');
  const bias = tf.variable(tf.scalar(1));
  const other = tf.variable(tf.scalar(1));
  const cross = tf.variable(tf.scalar(1));
  const params = new Map([
    ['encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', bias],
    ['encoder.block.0.layer.0.SelfAttention.q.weight', other],
    ['decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight', cross],
  ]);
  const opt = adamWFor(params, trainingSchema.parse({ position_bias_lr_scale: 100, weight_decay: 0.01 }));
  const g = () => ({
    'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight': tf.scalar(0.5),
    'encoder.block.0.layer.0.SelfAttention.q.weight': tf.scalar(0.5),
    'decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight': tf.scalar(-0.5),
  });
  opt.apply(g(), 0.001);
  // Hand-computed: Adam's first step is lr·sign(g); then decay by lr·scale·wd.
  // bias: 1 − 0.1 = 0.9, then 0.9 − 0.9·0.001·100·0.01 = 0.8991; q: 1 − 0.001 = 0.999, then 0.999·(1 − 1e-5).
  assert.ok(Math.abs(bias.dataSync()[0] - 0.8991) < 1e-6, `${bias.dataSync()[0]}`);
  assert.ok(Math.abs(other.dataSync()[0] - 0.999 * (1 - 1e-5)) < 1e-6, `${other.dataSync()[0]}`);
  assert.ok(Math.abs(cross.dataSync()[0] - 1.1 * (1 - 1e-3)) < 1e-6, `${cross.dataSync()[0]}`);
});

test('AdamW state round-trips: a restored optimizer continues identically', async () => {
  await tf.setBackend('cpu');
  const mk = () => tf.variable(tf.tensor1d([1, -2, 3]));
  const a = mk();
  const optA = new AdamW(new Map([['w', a]]), { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 });
  optA.apply({ w: tf.tensor1d([0.1, 0.2, -0.3]) }, 0.01);
  const saved = optA.state();
  const b = tf.variable(a.clone());
  const optB = new AdamW(new Map([['w', b]]), { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 });
  optB.restore(saved);
  optA.apply({ w: tf.tensor1d([0.3, -0.1, 0.2]) }, 0.01);
  optB.apply({ w: tf.tensor1d([0.3, -0.1, 0.2]) }, 0.01);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
});

test('global-norm clipping scales by max/(norm+1e-6) only above the limit', async () => {
  await tf.setBackend('cpu');
  const { grads, norm } = clipByGlobalNorm({ a: tf.tensor1d([3]), b: tf.tensor1d([4]) }, 1);
  assert.ok(Math.abs(norm - 5) < 1e-6);
  assert.ok(Math.abs(grads.a.dataSync()[0] - 3 / (5 + 1e-6)) < 1e-6);
  assert.ok(Math.abs(grads.b.dataSync()[0] - 4 / (5 + 1e-6)) < 1e-6);
  const small = clipByGlobalNorm({ a: tf.tensor1d([0.3]), b: tf.tensor1d([0.4]) }, 1);
  assert.equal(small.grads.a.dataSync()[0], Float32Array.of(0.3)[0]);
});

test('linear warmup then linear decay to 0; constant after warmup', () => {
  const o = { lr: 1, warmup: 10, total: 110, schedule: 'linear' as const };
  assert.equal(learningRate(0, o), 0);
  assert.equal(learningRate(5, o), 0.5);
  assert.equal(learningRate(10, o), 1);
  assert.equal(learningRate(60, o), 0.5);
  assert.equal(learningRate(110, o), 0);
  assert.equal(learningRate(60, { ...o, schedule: 'constant' }), 1);
});
