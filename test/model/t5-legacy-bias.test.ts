/**
 * The legacy (transformers 3.x) cross-attention position bias, checked by what it must do rather
 * than by re-deriving the code: with one bucket of the table made dominant, each decoder position
 * attends only to the encoder positions in that bucket, in every decoder layer. Perturbing the
 * encoder output elsewhere must then leave the logits untouched. (End-to-end parity with the
 * authors' code is the PEFT tests' job, on the hyperloader-tiny fixture.)
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { T5Model } from '../../src/model/t5-model.js';
import { decode } from '../../src/model/forward.js';
import { LEGACY_CROSS_BIAS } from '../../src/model/params.js';
import { tinyConfig, useTestBackend } from './t5-helpers.js';

before(async () => {
  await useTestBackend();
});

const S = 5;
const T = 4;

/** Max |Δlogit| per decoder position between encoder outputs `a` and `b`. */
function logitChange(model: T5Model, a: tf.Tensor3D, b: tf.Tensor3D): number[] {
  return tf.tidy(() => {
    const dec = tf.tensor2d([[0, 9, 17, 4]], [1, T], 'int32');
    const mask = tf.ones([1, S], 'int32') as tf.Tensor2D;
    const d = tf.abs(tf.sub(decode(model, dec, a, mask), decode(model, dec, b, mask)));
    return Array.from(tf.max(d, [0, 2]).dataSync());
  });
}

function withDominantBucket(bucket: number): T5Model {
  const cfg = tinyConfig({ num_decoder_layers: 2 });
  const model = T5Model.random(cfg, 17, { legacyCrossBias: true });
  const [buckets, heads] = model.p(LEGACY_CROSS_BIAS).shape as [number, number];
  const table = new Float32Array(buckets * heads);
  table.fill(50, bucket * heads, (bucket + 1) * heads);
  const t = tf.tensor2d(table, [buckets, heads]);
  model.p(LEGACY_CROSS_BIAS).assign(t);
  t.dispose();
  return model;
}

function perturbed(enc: tf.Tensor3D, position: number): tf.Tensor3D {
  return tf.tidy(() => {
    const noise = tf.randomNormal([1, 1, enc.shape[2]], 0, 3, 'float32', position);
    const onehot = tf.reshape(tf.oneHot([position], S), [1, S, 1]);
    return tf.add(enc, tf.mul(onehot, noise)) as tf.Tensor3D;
  });
}

test('bucket 0 dominant: decoder position i reads only encoder position i, in every decoder layer', () => {
  const model = withDominantBucket(0); // relative position 0
  const enc = tf.randomNormal([1, S, model.cfg.d_model], 0, 1, 'float32', 1) as tf.Tensor3D;
  const changedAt4 = perturbed(enc, 4);
  const changedAt2 = perturbed(enc, 2);
  try {
    // No decoder position is 4: nothing may change (a layer without the bias would see position 4).
    for (const d of logitChange(model, enc, changedAt4)) assert.ok(d < 1e-5, `Δ ${d}`);
    // Position 2 feeds decoder position 2 directly and position 3 through causal self-attention.
    const d2 = logitChange(model, enc, changedAt2);
    assert.ok(d2[0]! < 1e-5 && d2[1]! < 1e-5, `positions 0, 1 changed: ${d2}`);
    assert.ok(d2[2]! > 1e-3 && d2[3]! > 1e-3, `positions 2, 3 unchanged: ${d2}`);
    // Switched off (transformers 4.x), every position attends everywhere.
    model.legacyCrossBias = false;
    for (const d of logitChange(model, enc, changedAt4)) assert.ok(d > 1e-3, `Δ ${d} with the bias off`);
  } finally {
    tf.dispose([enc, changedAt4, changedAt2]);
    model.dispose();
  }
});

test('the buckets are bidirectional: the "one key ahead" bucket makes position i read encoder position i+1', () => {
  // 8 buckets → 4 per direction; keys after the query use 4 + offset: offset +1 → bucket 5.
  // (Causal buckets would put every positive offset into bucket 0, so bucket 5 would never fire.)
  const model = withDominantBucket(5);
  const enc = tf.randomNormal([1, S, model.cfg.d_model], 0, 1, 'float32', 2) as tf.Tensor3D;
  const changedAt0 = perturbed(enc, 0);
  const changedAt4 = perturbed(enc, 4);
  try {
    for (const d of logitChange(model, enc, changedAt0)) assert.ok(d < 1e-5, `encoder position 0 is read by no one, Δ ${d}`);
    const d4 = logitChange(model, enc, changedAt4);
    assert.ok(d4.slice(0, 3).every((d) => d < 1e-5), `positions 0–2 changed: ${d4}`);
    assert.ok(d4[3]! > 1e-3, `position 3 reads encoder position 4: ${d4}`);
  } finally {
    tf.dispose([enc, changedAt0, changedAt4]);
    model.dispose();
  }
});
