/** config.json parsing and the parameter inventory (counts against the author's logged t5-base totals). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { t5ConfigFromJson, t5ConfigFromShape } from '../../src/model/config.js';
import { t5ParamCount, t5ParamSpecs, LEGACY_CROSS_BIAS } from '../../src/model/params.js';
import { t5ShapeSchema } from '../../src/config/schema.js';
import { HyperloaderError } from '../../src/errors.js';
import { fixturesDir } from '../helpers/paths.js';

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

test('reads the HF fixture configs (v1.0 relu tied; v1.1 gated-gelu untied)', () => {
  const relu = t5ConfigFromJson(readJson(join(fixturesDir, 't5-tiny-relu', 'config.json')), 'relu/config.json');
  assert.equal(relu.feed_forward_proj, 'relu');
  assert.equal(relu.tie_word_embeddings, true);
  assert.equal(relu.d_model, 32);
  assert.equal(relu.num_decoder_layers, 2);
  assert.equal(relu.relative_attention_max_distance, 20);
  const gated = t5ConfigFromJson(readJson(join(fixturesDir, 't5-tiny-gated', 'config.json')), 'gated/config.json');
  assert.equal(gated.feed_forward_proj, 'gated-gelu');
  assert.equal(gated.tie_word_embeddings, false);
});

test('missing keys take transformers defaults (3.x configs have no max_distance key: 128)', () => {
  const cfg = t5ConfigFromJson({ model_type: 't5', d_model: 8, d_kv: 2, d_ff: 16, num_layers: 3, num_heads: 4, vocab_size: 50 }, 'c.json');
  assert.equal(cfg.num_decoder_layers, 3);
  assert.equal(cfg.relative_attention_max_distance, 128);
  assert.equal(cfg.relative_attention_num_buckets, 32);
  assert.equal(cfg.layer_norm_epsilon, 1e-6);
  assert.equal(cfg.dropout_rate, 0.1);
  assert.equal(cfg.feed_forward_proj, 'relu');
  assert.equal(cfg.tie_word_embeddings, true);
});

test('bad config.json values are HyperloaderErrors naming the file and key', () => {
  const bad = (json: unknown, re: RegExp) =>
    assert.throws(() => t5ConfigFromJson(json, '/ckpt/config.json'), (e: unknown) => e instanceof HyperloaderError && re.test(e.message));
  bad({ feed_forward_proj: 'gated-silu' }, /\/ckpt\/config\.json: key "feed_forward_proj" is "gated-silu"; supported: "relu"/);
  bad({ d_model: '512' }, /\/ckpt\/config\.json: key "d_model" must be a number/);
  bad({ num_heads: 2.5 }, /key "num_heads" must be an integer/);
  bad({ model_type: 'bart' }, /model_type is "bart"/);
  bad({ tie_word_embeddings: 'yes' }, /key "tie_word_embeddings" must be true or false/);
  bad([1, 2], /expected a JSON object/);
});

test('t5ConfigFromShape takes a config file random_init block', () => {
  const cfg = t5ConfigFromShape(t5ShapeSchema.parse({ d_model: 64, num_layers: 2 }));
  assert.equal(cfg.num_decoder_layers, 2);
  assert.equal(cfg.decoder_start_token_id, 0);
  assert.equal(cfg.eos_token_id, 1);
});

test('t5-base parameter count matches the author-side totals (counts.json notes)', () => {
  const counts = readJson(join(fixturesDir, 'counts.json'));
  const base = t5ConfigFromShape(t5ShapeSchema.parse({ ...counts.t5_base, feed_forward_proj: 'relu', tie_word_embeddings: true }));
  // "plain t5-base is 222,903,936 here vs 222,903,552 in 4.x" (the 384 = 32 buckets × 12 heads of the legacy bias).
  assert.equal(t5ParamCount(base, { legacyCrossBias: false }), 222_903_552);
  assert.equal(t5ParamCount(base, { legacyCrossBias: true }), 222_903_936);
  const specs = t5ParamSpecs(base, { legacyCrossBias: true });
  assert.deepEqual(specs.find((s) => s.name === LEGACY_CROSS_BIAS)?.shape, [32, 12]);
  assert.deepEqual(specs.find((s) => s.name === 'encoder.block.3.layer.1.DenseReluDense.wi.weight')?.shape, [768, 3072]);
  assert.equal(new Set(specs.map((s) => s.name)).size, specs.length, 'names are unique');
  // 47,616 T5 RMSNorm scales (SPEC §4): 12·2 + 12·3 + 2 norms of 768.
  assert.equal(specs.filter((s) => s.kind === 'norm').reduce((n, s) => n + s.shape[0]!, 0), 47_616);
});
