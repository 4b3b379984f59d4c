import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { peftSchema, t5ShapeSchema } from '../../src/config/schema.js';
import { t5ConfigFromShape } from '../../src/model/config.js';
import { T5Model } from '../../src/model/t5-model.js';
import { encode, decode } from '../../src/model/forward.js';
import { seq2seqLoss } from '../../src/model/loss.js';
import { resolvePeftPlan } from '../../src/peft/config.js';
import { PeftModel, isT5LayerNorm } from '../../src/peft/model.js';

const shape = t5ShapeSchema.parse({ vocab_size: 40, d_model: 16, d_kv: 4, d_ff: 24, num_layers: 2, num_heads: 4, relative_attention_num_buckets: 8, dropout_rate: 0 });
const cfg = t5ConfigFromShape(shape);
const tasks = ['a', 'b'];
const batch = () => ({
  ids: tf.tensor2d([[5, 6, 7, 1], [8, 9, 1, 0]], [2, 4], 'int32'),
  mask: tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]], [2, 4], 'int32'),
  dec: tf.tensor2d([[0, 11, 12], [0, 13, 1]], [2, 3], 'int32'),
  labels: tf.tensor2d([[11, 12, 1], [13, 1, -100]], [2, 3], 'int32'),
});

function logitsOf(model: PeftModel, task: string | null): Float32Array {
  const b = batch();
  return tf.tidy(() => {
    const hooks = task === null ? {} : model.hooks(model.modules(task));
    return decode(model.t5, b.dec, encode(model.t5, b.ids, b.mask, { hooks }), b.mask, { hooks }).dataSync() as Float32Array;
  });
}

test('at initialisation LoRA contributes exactly zero (LoRA-B generator is zero)', async () => {
  await tf.setBackend('cpu');
  const plan = resolvePeftPlan(peftSchema.parse({ variant: 'lora' }), cfg, tasks);
  const model = new PeftModel(T5Model.random(cfg, 3), plan, { seed: 5 });
  const mods = model.modules('a');
  for (const layer of [...mods.encoder, ...mods.decoder]) {
    for (const w of Object.values(layer.lora)) assert.equal(tf.max(tf.abs(w!.b)).dataSync()[0], 0);
  }
  // Bit-identical logits with and without the LoRA hooks.
  assert.deepEqual(Array.from(logitsOf(model, 'a')), Array.from(logitsOf(model, null)));
});

const VARIANTS: [string, Record<string, unknown>][] = [
  ['hyperloader', { variant: 'hyperloader' }],
  ['static', { variant: 'static' }],
  ['shared', { variant: 'shared' }],
  ['adapters', { variant: 'adapters' }],
  ['hyperloader, separate A/B generators', { variant: 'hyperloader', lora: { separate_generators: true } }],
  ['hyperloader, task conditioning', { variant: 'hyperloader', hypernetwork: { conditioning: 'task' } }],
  ['hyperloader, task+layer conditioning', { variant: 'hyperloader', hypernetwork: { conditioning: 'task+layer' } }],
];

for (const [variant, peft] of VARIANTS) {
  test(`${variant}: frozen backbone weights get no gradient, every trainable parameter does`, async () => {
    await tf.setBackend('cpu');
    const plan = resolvePeftPlan(peftSchema.parse({ ...peft, adapter: { reduction_factor: 4 } }), cfg, tasks);
    const model = new PeftModel(T5Model.random(cfg, 3), plan, { seed: 5 });
    // Give LoRA-B a nonzero value so the LoRA-A generator's gradient is not identically zero.
    for (const [n, v] of model.params) if (/lora_b|lora_B/.test(n)) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 9));
    const trainable = model.trainableVariables();
    const frozen = [...model.t5.params].filter(([, v]) => !v.trainable).map(([n]) => n);
    assert.ok(frozen.length > 0 && frozen.every((n) => !isT5LayerNorm(n)), 'only layer norms train in the backbone');
    assert.ok([...model.t5.params.keys()].filter(isT5LayerNorm).every((n) => trainable.has(n)));
    const b = batch();
    const names = [...trainable.keys()];
    const { grads } = tf.variableGrads(() => {
      const hooks = model.hooks(model.modules('a'));
      const logits = decode(model.t5, b.dec, encode(model.t5, b.ids, b.mask, { hooks }), b.mask, { hooks });
      return seq2seqLoss(logits, b.labels, { labelSmoothing: 0.1, reduction: 'sum' });
    }, [...trainable.values()]);
    const byVar = new Map([...trainable].map(([n, v]) => [v.name, n]));
    const got = new Set(Object.keys(grads).map((k) => byVar.get(k)));
    for (const n of frozen) assert.ok(!got.has(n), `frozen ${n} got a gradient`);
    for (const n of names) {
      // Task b's own weights (its static modules, its task embedding) are untouched by a task-a batch.
      if (n.includes('.task.b.') || n.endsWith('task_to_embeddings.b')) continue;
      // Conditioning without layer (position) ids leaves those embeddings out of the generators' input.
      const conditioning = (peft.hypernetwork as { conditioning?: string } | undefined)?.conditioning;
      if (conditioning === 'task' && /layer_id_embeddings/.test(n)) continue;
      if (conditioning !== undefined && /adapters_block_type/.test(n)) continue;
      // Separate generators exist per LoRA position in both stacks, as in the authors' code (SPEC §4
      // counts them), but the encoder has no cross-attention: its cross_q/cross_v generators are unused.
      if (/^encoder\..*lora_cross_/.test(n)) continue;
      const g = grads[trainable.get(n)!.name];
      assert.ok(g, `trainable ${n} got no gradient`);
      assert.ok(tf.max(tf.abs(g)).dataSync()[0] > 0, `trainable ${n} has an all-zero gradient`);
    }
  });
}

test('conditioning: task alone generates the same weights in every layer; task+layer the same at every LoRA position of a layer', async () => {
  await tf.setBackend('cpu');
  const gen = (conditioning: string) => {
    const plan = resolvePeftPlan(peftSchema.parse({ variant: 'hyperloader', adapter: { reduction_factor: 4 }, hypernetwork: { conditioning } }), cfg, tasks);
    const model = new PeftModel(T5Model.random(cfg, 3), plan, { seed: 5 });
    for (const [n, v] of model.params) if (/lora_b|lora_B/.test(n)) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 9));
    return { model, mods: model.modules('a') };
  };
  const same = (x: tf.Tensor, y: tf.Tensor) => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0] === 0;
  const t = gen('task');
  const [l0, l1] = t.mods.decoder;
  assert.ok(same(l0!.adapters.ffn_adapter!.down, l1!.adapters.ffn_adapter!.down), 'task: layers share the FFN adapter');
  assert.ok(same(l0!.lora.lora_self_q!.b, l1!.lora.lora_self_q!.b), 'task: layers share LoRA');
  assert.ok(same(l0!.adapters.ffn_adapter!.down, l0!.adapters.self_attn_adapter!.down), 'task: positions share too (no position id)');
  assert.ok(!same(l0!.adapters.ffn_adapter!.down, gen('task').model.modules('b').decoder[0]!.adapters.ffn_adapter!.down), 'task: tasks differ');
  const tl = gen('task+layer');
  const [m0, m1] = tl.mods.decoder;
  assert.ok(same(m0!.lora.lora_self_q!.b, m0!.lora.lora_cross_v!.b), 'task+layer: one layer\'s LoRA positions share weights');
  assert.ok(same(m0!.adapters.ffn_adapter!.up, m0!.adapters.self_attn_adapter!.up), 'task+layer: one layer\'s adapters share weights');
  assert.ok(!same(m0!.lora.lora_self_q!.b, m1!.lora.lora_self_q!.b), 'task+layer: layers differ');
  // Shapes are those of the full conditioning.
  const full = gen('task+layer+position');
  assert.deepEqual(m0!.lora.lora_self_q!.a.shape, full.mods.decoder[0]!.lora.lora_self_q!.a.shape);
  assert.deepEqual(m0!.adapters.ffn_adapter!.down.shape, full.mods.decoder[0]!.adapters.ffn_adapter!.down.shape);
});
