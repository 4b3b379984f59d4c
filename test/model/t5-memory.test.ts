/** Memory stays flat: tf.memory().numTensors is the same after training step 5 and step 50, and around decoding. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { T5Model } from '../../src/model/t5-model.js';
import { encode, decode } from '../../src/model/forward.js';
import { seq2seqLoss } from '../../src/model/loss.js';
import { greedyGenerate } from '../../src/model/generate.js';
import { tinyConfig, useTestBackend } from './t5-helpers.js';

before(async () => {
  await useTestBackend();
});

function trainCounts(model: T5Model): { at5: number; at50: number } {
  const ids = tf.tensor2d([[5, 9, 13, 1], [7, 30, 1, 0]], [2, 4], 'int32');
  const mask = tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]], [2, 4], 'int32');
  const dec = tf.tensor2d([[0, 3, 8], [0, 22, 6]], [2, 3], 'int32');
  const labels = tf.tensor2d([[3, 8, 1], [22, 6, -100]], [2, 3], 'int32');
  const opt = tf.train.adam(1e-3);
  const vars = [...model.trainableVariables().values()];
  const counts: number[] = [];
  try {
    for (let step = 1; step <= 50; step++) {
      const cost = opt.minimize(
        () => {
          const opts = { training: true, dropoutSeed: step };
          const logits = decode(model, dec, encode(model, ids, mask, opts), mask, opts);
          return seq2seqLoss(logits, labels, { labelSmoothing: 0.1, reduction: 'sum' });
        },
        true,
        vars,
      );
      cost?.dispose();
      counts[step] = tf.memory().numTensors;
    }
    return { at5: counts[5]!, at50: counts[50]! };
  } finally {
    opt.dispose();
    tf.dispose([ids, mask, dec, labels]);
  }
}

test('full training (every weight trainable): numTensors after step 5 = after step 50', () => {
  const model = T5Model.random(tinyConfig({ dropout_rate: 0.1 }), 1, { trainable: true, legacyCrossBias: true });
  try {
    const { at5, at50 } = trainCounts(model);
    assert.equal(at50, at5);
  } finally {
    model.dispose();
  }
});

test('frozen backbone (RMSNorm scales trainable, cached transposes): numTensors after step 5 = after step 50', () => {
  const model = T5Model.random(tinyConfig({ dropout_rate: 0.1 }), 2, { trainable: (n) => n.endsWith('layer_norm.weight') });
  try {
    const { at5, at50 } = trainCounts(model);
    assert.equal(at50, at5);
    assert.ok(model.transposeCache.size > 0, 'frozen weights use the transpose cache');
    model.cacheFrozenTransposes = false;
    assert.equal(model.transposeCache.size, 0);
    const off = trainCounts(model);
    assert.equal(off.at50, off.at5);
    assert.equal(model.transposeCache.size, 0, 'switched off, nothing is cached');
  } finally {
    model.dispose();
  }
});

test('greedy decoding leaves no tensors behind, and disposing the model frees everything', async () => {
  const before = tf.memory().numTensors;
  const model = T5Model.random(tinyConfig(), 3);
  const ids = tf.tensor2d([[5, 9, 13, 1]], [1, 4], 'int32');
  const mask = tf.ones([1, 4], 'int32') as tf.Tensor2D;
  await greedyGenerate(model, ids, mask, { maxNewTokens: 6 }); // warms the tied head's transpose cache
  const warm = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await greedyGenerate(model, ids, mask, { maxNewTokens: 6 });
  assert.equal(tf.memory().numTensors, warm);
  tf.dispose([ids, mask]);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});
