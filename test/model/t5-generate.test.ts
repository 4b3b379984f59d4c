/**
 * Greedy decoding: the key/value-cached path equals the full-recompute path (with and without
 * PEFT-style hooks, on padded batches), hooks see every site with the documented shapes, and the
 * EOS conventions of transformers' generate hold.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { T5Model } from '../../src/model/t5-model.js';
import { encode, decode } from '../../src/model/forward.js';
import { appendGreedyStep, greedyGenerate, greedyGenerateUncached } from '../../src/model/generate.js';
import type { ProjectionSite, SublayerSite, T5Hooks } from '../../src/model/hooks.js';
import { maxAbsDiff, tinyConfig, useTestBackend } from './t5-helpers.js';

before(async () => {
  await useTestBackend();
});

function inputs() {
  return {
    ids: tf.tensor2d([[8, 3, 22, 1, 0, 0], [5, 5, 5, 5, 9, 1], [40, 1, 0, 0, 0, 0]], [3, 6], 'int32'),
    mask: tf.tensor2d([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0]], [3, 6], 'int32'),
  };
}

/** LoRA-like deltas and adapter-like wraps with fixed random weights, different per site. */
function testHooks(d: number, inner: number): { hooks: T5Hooks; weights: tf.Tensor[] } {
  const weights: tf.Tensor[] = [];
  const lora = new Map<string, [tf.Tensor2D, tf.Tensor2D]>();
  const adapters = new Map<string, tf.Tensor2D>();
  let seed = 100;
  const hooks: T5Hooks = {
    projectionDelta(site, x) {
      const key = `${site.stack}.${site.layer}.${site.attention}.${site.proj}`;
      if (!lora.has(key)) {
        const ab: [tf.Tensor2D, tf.Tensor2D] = [tf.randomNormal([d, 2], 0, 0.5, 'float32', seed++), tf.randomNormal([2, inner], 0, 0.5, 'float32', seed++)];
        weights.push(...ab.map((t) => tf.keep(t)));
        lora.set(key, ab);
      }
      const [a, b] = lora.get(key)!;
      return tf.matMul(tf.matMul(x, a), b);
    },
    sublayerOutput(site, y) {
      const key = `${site.stack}.${site.layer}.${site.sublayer}`;
      if (!adapters.has(key)) {
        const m = tf.keep(tf.randomNormal([d, d], 0, 0.3, 'float32', seed++)) as tf.Tensor2D;
        weights.push(m);
        adapters.set(key, m);
      }
      return tf.add(y, tf.tanh(tf.matMul(y, adapters.get(key)!))) as tf.Tensor2D;
    },
  };
  return { hooks, weights };
}

for (const ffn of ['relu', 'gated-gelu'] as const) {
  test(`cached greedy decoding equals full recompute (${ffn}, legacy cross bias ${ffn === 'relu'}, with and without hooks)`, async () => {
    const cfg = tinyConfig({ feed_forward_proj: ffn, tie_word_embeddings: ffn === 'relu', num_decoder_layers: 3 });
    const model = T5Model.random(cfg, 31, { legacyCrossBias: ffn === 'relu' });
    const { ids, mask } = inputs();
    const { hooks, weights } = testHooks(cfg.d_model, cfg.num_heads * cfg.d_kv);
    try {
      for (const h of [undefined, hooks]) {
        const cached = await greedyGenerate(model, ids, mask, { maxNewTokens: 12, hooks: h });
        const full = await greedyGenerateUncached(model, ids, mask, { maxNewTokens: 12, hooks: h });
        assert.deepEqual(cached, full, h ? 'with hooks' : 'without hooks');
        assert.equal(cached.length, 3);
        for (const row of cached) assert.equal(row[0], 0, 'rows start with decoder_start 0');
      }
      const plain = await greedyGenerate(model, ids, mask, { maxNewTokens: 12 });
      const hooked = await greedyGenerate(model, ids, mask, { maxNewTokens: 12, hooks });
      assert.notDeepEqual(plain, hooked, 'the hooks change the output (else this test proves little)');
    } finally {
      tf.dispose([ids, mask, ...weights]);
      model.dispose();
    }
  });
}

test('hooks see every site once per pass, with 2-D inputs of the documented shapes', () => {
  const cfg = tinyConfig();
  const model = T5Model.random(cfg, 4);
  const { ids, mask } = inputs();
  const seen = new Map<string, number[]>();
  const hooks: T5Hooks = {
    projectionDelta(site: ProjectionSite, x) {
      seen.set(`${site.stack}.${site.layer}.${site.attention}.${site.proj}`, x.shape);
      return null;
    },
    sublayerOutput(site: SublayerSite, y) {
      seen.set(`${site.stack}.${site.layer}.${site.sublayer}`, y.shape);
      return y;
    },
  };
  try {
    const dec = tf.tensor2d([[0, 4, 4], [0, 1, 0], [0, 7, 2]], [3, 3], 'int32');
    const a = tf.tidy(() => decode(model, dec, encode(model, ids, mask, { hooks }), mask, { hooks }));
    const b = tf.tidy(() => decode(model, dec, encode(model, ids, mask), mask));
    assert.equal(maxAbsDiff(a, b), 0, 'identity hooks change nothing');
    tf.dispose([dec, a, b]);
    const want = new Map<string, number[]>();
    for (let l = 0; l < 2; l++) {
      for (const p of ['q', 'v']) want.set(`encoder.${l}.self.${p}`, [18, 16]);
      want.set(`encoder.${l}.self_attn`, [18, 16]).set(`encoder.${l}.ffn`, [18, 16]);
      for (const p of ['q', 'v']) want.set(`decoder.${l}.self.${p}`, [9, 16]);
      want.set(`decoder.${l}.cross.q`, [9, 16]).set(`decoder.${l}.cross.v`, [18, 16]); // cross v sees the encoder output
      for (const s of ['self_attn', 'cross_attn', 'ffn']) want.set(`decoder.${l}.${s}`, [9, 16]);
    }
    assert.deepEqual(new Map([...seen].sort()), new Map([...want].sort()));
  } finally {
    tf.dispose([ids, mask]);
    model.dispose();
  }
});

test('decoding stops early once every row has produced EOS', async () => {
  // A hook that drowns the last decoder FFN output in the direction whose logit is EOS's makes
  // EOS the argmax at every step (untied head, so lm_head's EOS column is that direction).
  const cfg = tinyConfig({ feed_forward_proj: 'gated-gelu', tie_word_embeddings: false });
  const model = T5Model.random(cfg, 8);
  const eosDir = tf.tidy(() => tf.reshape(tf.slice(model.p('lm_head.weight'), [0, 1], [cfg.d_model, 1]), [1, cfg.d_model]));
  const hooks: T5Hooks = {
    sublayerOutput: (site, y) =>
      site.stack === 'decoder' && site.layer === cfg.num_decoder_layers - 1 && site.sublayer === 'ffn' ? tf.add(y, tf.mul(eosDir, 1e4)) : y,
  };
  const { ids, mask } = inputs();
  try {
    const want = [[0, 1], [0, 1], [0, 1]];
    assert.deepEqual(await greedyGenerate(model, ids, mask, { maxNewTokens: 10, hooks }), want);
    assert.deepEqual(await greedyGenerateUncached(model, ids, mask, { maxNewTokens: 10, hooks }), want);
  } finally {
    tf.dispose([ids, mask, eosDir]);
    model.dispose();
  }
});

test('after EOS a row continues with pad (0) and is fed pad', () => {
  const rows = [[0], [0]];
  const done = [false, false];
  assert.deepEqual([...appendGreedyStep([1, 7], rows, done, 1, 0)], [1, 7]);
  assert.deepEqual(done, [true, false]);
  assert.deepEqual([...appendGreedyStep([5, 1], rows, done, 1, 0)], [0, 1]);
  assert.deepEqual([...appendGreedyStep([9, 9], rows, done, 1, 0)], [0, 0]);
  assert.deepEqual(rows, [[0, 1, 0, 0], [0, 7, 1, 0]]);
  assert.deepEqual(done, [true, true]);
});
