/**
 * Gradient check: analytic gradients of the training loss (label smoothing, sum, dropout on with a
 * fixed seed) against central finite differences, for a sample of parameters that includes the
 * relative-bias tables (the legacy cross one too) and the embeddings. Also checks that the fast
 * custom-gradient paths and plain tfjs calls give the same gradients.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { T5Model } from '../../src/model/t5-model.js';
import { encode, decode } from '../../src/model/forward.js';
import { seq2seqLoss } from '../../src/model/loss.js';
import { LEGACY_CROSS_BIAS } from '../../src/model/params.js';
import type { T5Config } from '../../src/model/config.js';
import { tinyConfig, useTestBackend } from './t5-helpers.js';

before(async () => {
  await useTestBackend();
});

function batch() {
  return {
    ids: tf.tensor2d([[5, 9, 13, 1, 0], [7, 7, 30, 41, 1]], [2, 5], 'int32'),
    mask: tf.tensor2d([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]], [2, 5], 'int32'),
    dec: tf.tensor2d([[0, 3, 8, 12], [0, 22, 22, 6]], [2, 4], 'int32'),
    labels: tf.tensor2d([[3, 8, 12, -100], [22, 22, 6, 1]], [2, 4], 'int32'),
  };
}

function lossOf(model: T5Model, b: ReturnType<typeof batch>, naive = false): tf.Scalar {
  const opts = { training: true, dropoutSeed: 11, naive };
  const enc = encode(model, b.ids, b.mask, opts);
  const logits = decode(model, b.dec, enc, b.mask, opts);
  return seq2seqLoss(logits, b.labels, { labelSmoothing: 0.1, reduction: 'sum', naive });
}

function setEntry(v: tf.Variable, index: number, value: number): void {
  const buf = v.bufferSync();
  buf.values[index] = value;
  const t = buf.toTensor();
  v.assign(t);
  t.dispose();
}

/** Entries to probe per parameter: a few spread-out flat indices. */
function probes(size: number, k: number, seed: number): number[] {
  const out = new Set<number>();
  let s = seed;
  while (out.size < Math.min(k, size)) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.add(s % size);
  }
  return [...out];
}

function gradientCheck(cfg: T5Config, legacy: boolean, sample: { name: string; indices?: number[] }[]): void {
  const model = T5Model.random(cfg, 5, { trainable: true, legacyCrossBias: legacy });
  const b = batch();
  try {
    // RMSNorm scales away from 1, so their gradients are exercised in general position.
    for (const [name, v] of model.params) {
      if (name.endsWith('layer_norm.weight')) {
        const t = tf.tidy(() => tf.add(1, tf.randomNormal(v.shape, 0, 0.25, 'float32', name.length)));
        v.assign(t);
        t.dispose();
      }
    }
    const { grads } = tf.variableGrads(() => lossOf(model, b));
    const h = 1e-2;
    let checked = 0;
    for (const { name, indices } of sample) {
      const v = model.p(name);
      const g = grads[v.name]!.dataSync();
      for (const i of indices ?? probes(v.size, 3, name.length * 31 + 7)) {
        const x0 = v.bufferSync().values[i] as number;
        setEntry(v, i, x0 + h);
        const lp = tf.tidy(() => lossOf(model, b).dataSync()[0]!);
        setEntry(v, i, x0 - h);
        const lm = tf.tidy(() => lossOf(model, b).dataSync()[0]!);
        setEntry(v, i, x0);
        const fd = (lp - lm) / (2 * h);
        assert.ok(g[i] !== 0 || fd !== 0, `${name}[${i}] is not reached by this batch; probe another entry`);
        const tol = 3e-3 + 2e-2 * Math.abs(fd);
        assert.ok(Math.abs(g[i]! - fd) <= tol, `${name}[${i}]: analytic ${g[i]} vs finite difference ${fd}`);
        checked++;
      }
    }
    assert.ok(checked >= sample.length * 2);
    tf.dispose(Object.values(grads));
  } finally {
    tf.dispose(Object.values(b));
    model.dispose();
  }
}

test('gradient check: relu, tied head, legacy cross-attention bias', () => {
  const cfg = tinyConfig({ dropout_rate: 0.1 });
  gradientCheck(cfg, true, [
    // Rows used as inputs (5, 7) and a row reached only through the tied LM head (40).
    { name: 'shared.weight', indices: [5 * 16 + 3, 7 * 16 + 10, 40 * 16 + 1] },
    // Tables are [8 buckets, 4 heads]; flat index = bucket·4 + head, at buckets these lengths reach.
    { name: 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', indices: [1 * 4 + 2, 5 * 4 + 0, 6 * 4 + 3] },
    { name: 'decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', indices: [0 * 4 + 1, 2 * 4 + 3, 3 * 4 + 0] },
    { name: LEGACY_CROSS_BIAS, indices: [1 * 4 + 1, 5 * 4 + 2, 6 * 4 + 0] },
    { name: 'encoder.block.1.layer.0.SelfAttention.q.weight' },
    { name: 'encoder.block.0.layer.0.SelfAttention.k.weight' },
    { name: 'decoder.block.1.layer.1.EncDecAttention.v.weight' },
    { name: 'decoder.block.0.layer.1.EncDecAttention.o.weight' },
    { name: 'encoder.block.1.layer.1.DenseReluDense.wi.weight' },
    { name: 'decoder.block.1.layer.2.DenseReluDense.wo.weight' },
    { name: 'encoder.block.0.layer.0.layer_norm.weight' },
    { name: 'decoder.block.1.layer.1.layer_norm.weight' },
    { name: 'decoder.final_layer_norm.weight' },
  ]);
});

test('gradient check: gated-gelu, untied lm_head', () => {
  const cfg = tinyConfig({ feed_forward_proj: 'gated-gelu', tie_word_embeddings: false, dropout_rate: 0.1 });
  gradientCheck(cfg, false, [
    { name: 'shared.weight', indices: [9 * 16 + 0, 22 * 16 + 15] },
    { name: 'lm_head.weight' },
    { name: 'encoder.block.0.layer.1.DenseReluDense.wi_0.weight' },
    { name: 'decoder.block.0.layer.2.DenseReluDense.wi_1.weight' },
    { name: 'decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', indices: [1 * 4 + 0, 3 * 4 + 2] },
    { name: 'encoder.final_layer_norm.weight' },
  ]);
});

test('fast paths and plain tfjs calls give the same loss and gradients', () => {
  for (const cfg of [tinyConfig({ dropout_rate: 0.1 }), tinyConfig({ feed_forward_proj: 'gated-gelu', tie_word_embeddings: false })]) {
    const model = T5Model.random(cfg, 9, { trainable: true, legacyCrossBias: cfg.tie_word_embeddings });
    const b = batch();
    try {
      const fast = tf.variableGrads(() => lossOf(model, b, false));
      const naive = tf.variableGrads(() => lossOf(model, b, true));
      const lf = fast.value.dataSync()[0]!;
      const ln = naive.value.dataSync()[0]!;
      assert.ok(Math.abs(lf - ln) <= 1e-5 * Math.abs(ln), `loss ${lf} vs ${ln}`);
      for (const [name, v] of model.params) {
        const d = tf.tidy(() => tf.max(tf.abs(tf.sub(fast.grads[v.name]!, naive.grads[v.name]!))).dataSync()[0]!);
        const scale = tf.tidy(() => tf.max(tf.abs(naive.grads[v.name]!)).dataSync()[0]!);
        assert.ok(d <= 1e-5 + 1e-4 * scale, `${name}: max |Δgrad| ${d} (scale ${scale})`);
      }
      tf.dispose([fast.value, naive.value, ...Object.values(fast.grads), ...Object.values(naive.grads)]);
    } finally {
      tf.dispose(Object.values(b));
      model.dispose();
    }
  }
});

test('frozen parameters get no gradient but pass it on (only RMSNorm scales trainable)', () => {
  const model = T5Model.random(tinyConfig(), 3, { trainable: (n) => n.endsWith('layer_norm.weight') });
  const b = batch();
  try {
    const { value, grads } = tf.variableGrads(() => lossOf(model, b));
    const names = Object.keys(grads);
    assert.equal(names.length, [...model.params.keys()].filter((n) => n.endsWith('layer_norm.weight')).length);
    // The first encoder norm sits below every frozen projection: a nonzero gradient proves dx flows through them.
    const first = grads[model.p('encoder.block.0.layer.0.layer_norm.weight').name]!;
    assert.ok(tf.tidy(() => tf.max(tf.abs(first)).dataSync()[0]!) > 0);
    tf.dispose([value, ...Object.values(grads)]);
  } finally {
    tf.dispose(Object.values(b));
    model.dispose();
  }
});
