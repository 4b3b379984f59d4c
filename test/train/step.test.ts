/**
 * The paper config's training path on the real code: gradient accumulation (4 micro-batches of 2
 * equal one batch of 8, dropout off, with the modules generated once per step), and tfjs memory
 * flat over 50 real trainSteps of HyperLoader with accumulation and clipping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { peftSchema, t5ShapeSchema, trainingSchema } from '../../src/config/schema.js';
import { t5ConfigFromShape } from '../../src/model/config.js';
import { T5Model } from '../../src/model/t5-model.js';
import { resolvePeftPlan } from '../../src/peft/config.js';
import { PeftModel } from '../../src/peft/model.js';
import { collate, type Example } from '../../src/data/collate.js';
import { microBatches, trainSteps } from '../../src/train/loop.js';
import { adamWFor } from '../../src/train/optimizer.js';
import { samplerFor } from '../../src/train/features.js';
import { stepGradients } from '../../src/train/step.js';

const cfg = t5ConfigFromShape(t5ShapeSchema.parse({ vocab_size: 60, d_model: 16, d_kv: 4, d_ff: 24, num_layers: 2, num_heads: 4, relative_attention_num_buckets: 8, dropout_rate: 0 }));
const tasks = ['a', 'b'];

/** Deterministic examples of varied lengths (ids 3..57, </s> = 1). */
function examples(n: number, seed: number): Example[] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) % 55) + 3;
  return Array.from({ length: n }, (_, i) => ({
    source: [...Array.from({ length: 3 + (i % 5) }, next), 1],
    target: [...Array.from({ length: 2 + (i % 4) }, next), 1],
  }));
}

function model(variant: string): PeftModel {
  const plan = resolvePeftPlan(peftSchema.parse({ variant, adapter: { reduction_factor: 4 } }), cfg, tasks, { trainBackbone: false });
  const m = new PeftModel(T5Model.random(cfg, 3), plan, { seed: 5 });
  // LoRA-B nonzero, so the LoRA-A generator's gradient is not identically zero.
  for (const [n, v] of m.params) if (/lora_b|lora_B/.test(n)) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 9));
  return m;
}

for (const variant of ['hyperloader', 'static']) {
  for (const reduction of ['sum', 'mean'] as const) {
    test(`${variant}, ${reduction} loss: 4 accumulated micro-batches give the gradient of the whole batch (to 1e-5)`, async () => {
      await tf.setBackend('cpu');
      const m = model(variant);
      const data = examples(8, 11);
      const idx = data.map((_, i) => i);
      const whole = stepGradients(m, 'a', [collate(data)], { labelSmoothing: 0.1, reduction, training: true });
      const parts = stepGradients(m, 'a', microBatches(idx, 4).map((p) => collate(p.map((i) => data[i]!))), { labelSmoothing: 0.1, reduction, training: true });
      assert.ok(Math.abs(whole.loss - parts.loss) <= 1e-5 * Math.abs(whole.loss), `loss ${whole.loss} vs ${parts.loss}`);
      assert.deepEqual(Object.keys(parts.grads).sort(), Object.keys(whole.grads).sort());
      let compared = 0;
      for (const [name, g] of Object.entries(whole.grads)) {
        const h = parts.grads[name]!;
        const scaleOf = Math.max(1e-3, tf.max(tf.abs(g)).dataSync()[0]);
        const d = tf.max(tf.abs(tf.sub(g, h))).dataSync()[0];
        assert.ok(d <= 1e-5 * scaleOf + 1e-7, `${name}: max |Δ| ${d} (gradient scale ${scaleOf})`);
        compared++;
      }
      assert.ok(compared > 10, `compared ${compared} gradients`);
      tf.dispose([...Object.values(whole.grads), ...Object.values(parts.grads)]);
      m.dispose();
      m.t5.dispose();
    });
  }
}

test('tfjs memory stays flat over 50 real HyperLoader trainSteps (accumulation 2, clipping, AdamW)', async () => {
  await tf.setBackend('cpu');
  const m = model('hyperloader');
  const training = trainingSchema.parse({ steps: 60, batch_size: 4, grad_accumulation: 2, lr: 1e-3, warmup_steps: 5, clip_norm: 1, loss_reduction: 'sum' });
  const data = { a: examples(20, 3), b: examples(20, 4) };
  const optimizer = adamWFor(m.trainableVariables(), training);
  const loop = trainSteps({ model: m, optimizer, sampler: samplerFor(data, training, 1), examples: data, training, seed: 1, padId: 0, decoderStartId: 0, microBatches: 2 });
  const counts: number[] = [];
  for (const r of loop) {
    assert.ok(Number.isFinite(r.loss));
    if (r.step > 5) counts.push(tf.memory().numTensors);
    if (r.step === 55) break;
  }
  assert.equal(counts.length, 50);
  assert.deepEqual(new Set(counts).size, 1, `numTensors drifted: ${counts[0]} … ${counts.at(-1)}`);
  optimizer.dispose();
  m.dispose();
  m.t5.dispose();
});
