import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { HyperloaderError } from '../../src/errors.js';
import { peftSchema } from '../../src/config/schema.js';
import { t5ConfigFromShape } from '../../src/model/config.js';
import { T5Model } from '../../src/model/t5-model.js';
import { resolvePeftPlan } from '../../src/peft/config.js';
import { PeftModel } from '../../src/peft/model.js';
import { collate, type Example } from '../../src/data/collate.js';
import { isWasmAbort, measureStepMemory, planMicroBatches, worstCaseExample, type StepMemory } from '../../src/train/memory.js';
import { stepGradients } from '../../src/train/step.js';
import { clipByGlobalNorm } from '../../src/train/optimizer.js';
import { cli, tinyConfig } from './run-helpers.js';

const GiB = 2 ** 30;
const mem: StepMemory = { fixedBytes: 1 * GiB, perExampleBytes: 0.1 * GiB, sourceLength: 50, targetLength: 60 };
const wasm = { bytes: 4 * GiB, what: 'a 4 GiB heap' };

test('micro-batch plan: hand-computed against a 4 GiB limit (3 GiB usable)', () => {
  // 1 + 0.1·b ≤ 3 → at most 20 examples a micro-batch; 32 → 2 micro-batches of 16 (2.6 GiB).
  assert.deepEqual(planMicroBatches(mem, 32, 'auto', wasm), { microBatches: 2, peakBytes: 2.6 * GiB });
  assert.deepEqual(planMicroBatches(mem, 16, 'auto', wasm).microBatches, 1);
  assert.deepEqual(planMicroBatches(mem, 32, 4, wasm), { microBatches: 4, peakBytes: 1.8 * GiB });
  // A requested count that does not fit is a config error naming the way out.
  assert.throws(
    () => planMicroBatches(mem, 32, 1, wasm),
    (e: unknown) => e instanceof HyperloaderError && e.exitCode === 2 && /4\.20 GiB/.test(e.message) && /grad_accumulation: auto \(here it would pick 2/.test(e.message),
  );
  // One example alone over the limit: nothing helps but shorter inputs, a smaller vocabulary or another backend.
  assert.throws(
    () => planMicroBatches({ ...mem, perExampleBytes: 2.5 * GiB }, 32, 'auto', wasm),
    (e: unknown) => e instanceof HyperloaderError && e.exitCode === 1 && /one copy of the longest training example \(50 source and 60 target tokens\) needs about 3\.50 GiB/.test(e.message),
  );
  // No known limit (a GPU on tfjs-node-gpu): as configured, auto = one.
  assert.deepEqual(planMicroBatches(mem, 32, 'auto', null).microBatches, 1);
  assert.deepEqual(planMicroBatches(mem, 32, 3, null).microBatches, 3);
});

test('worst case: the longest source and the longest target, whichever examples they come from', () => {
  const ex = (s: number, t: number): Example => ({ source: new Array(s).fill(5), target: new Array(t).fill(6) });
  const w = worstCaseExample({ a: [ex(3, 9), ex(7, 2)], b: [ex(5, 5)] });
  assert.deepEqual([w.source.length, w.target.length], [7, 9]);
});

test('the measured fixed + per-example cost predicts the peak of a larger batch (memory is linear in the batch)', async () => {
  await tf.setBackend('wasm');
  const cfg = t5ConfigFromShape({ vocab_size: 300, d_model: 32, d_kv: 8, d_ff: 64, num_layers: 2, num_heads: 4, relative_attention_num_buckets: 32, relative_attention_max_distance: 128, feed_forward_proj: 'relu', tie_word_embeddings: true, layer_norm_epsilon: 1e-6, dropout_rate: 0.1 });
  const t5 = T5Model.random(cfg, 3, { legacyCrossBias: true });
  const model = new PeftModel(t5, resolvePeftPlan(peftSchema.parse({ adapter: { reduction_factor: 8 } }), t5.cfg, ['a'], { trainBackbone: true }), { seed: 3 });
  const example: Example = { source: Array.from({ length: 41 }, (_, i) => 3 + i), target: Array.from({ length: 37 }, (_, i) => 3 + i) };
  const m = await measureStepMemory(model, 'a', example, 0, 0);
  assert.ok(m.perExampleBytes > 0 && m.fixedBytes > 0, JSON.stringify(m));
  const batch = collate(new Array<Example>(12).fill(example));
  const actual = await tf.profile(() => {
    const { grads } = stepGradients(model, 'a', [batch], { labelSmoothing: 0.1, reduction: 'sum', dropoutSeed: 1, training: true });
    tf.dispose(Object.values(clipByGlobalNorm(grads, 1).grads));
  });
  const predicted = m.fixedBytes + 12 * m.perExampleBytes;
  assert.ok(Math.abs(predicted - actual.peakBytes) / actual.peakBytes < 0.1, `predicted ${predicted}, measured ${actual.peakBytes}`);
  model.dispose();
  t5.dispose();
});

test('isWasmAbort: the errors a failed wasm malloc raises, nothing else', () => {
  assert.ok(isWasmAbort(new WebAssembly.RuntimeError('memory access out of bounds')));
  assert.ok(isWasmAbort(new Error('Aborted(). Build with -sASSERTIONS for more info.')));
  assert.ok(!isWasmAbort(new Error('some other failure')));
  assert.ok(!isWasmAbort(new HyperloaderError('bad config')));
});


test('train: a batch that cannot fit is refused before the run folder exists; `auto` splits it and trains', () => {
  const { file, runs } = tinyConfig();
  const sets = ['--set', 'model.random_init.vocab_size=200000', '--set', 'training.batch_size=32', '--set', 'training.steps=1', '--set', 'eval.splits=[]'];
  const refused = cli(['train', '--config', file, ...sets]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /out of memory: a micro-batch of 32 examples like the longest training example \(\d+ source and \d+ target tokens\) needs about \d+\.\d\d GiB, more than 3\.00 GiB usable of the wasm backend's 4 GiB heap\. Set training\.grad_accumulation: auto/);
  assert.doesNotMatch(refused.stderr, /\n\s+at /);
  assert.ok(!existsSync(join(runs, 'tiny')), 'nothing left behind');

  const auto = cli(['train', '--config', file, ...sets, '--set', 'training.grad_accumulation=auto']);
  assert.equal(auto.status, 0, auto.stderr);
  const m = /memory: about (\d+\.\d\d) GiB per step at its longest \(\d+\/\d+ tokens\), (\d+) micro-batches of (\d+)/.exec(auto.stderr);
  assert.ok(m, auto.stderr);
  assert.ok(Number(m[1]) <= 3 && Number(m[2]) >= 2 && Number(m[3]) * Number(m[2]) >= 32, m[0]);
  const state = JSON.parse(readFileSync(join(runs, 'tiny', 'checkpoints/last/state.json'), 'utf8'));
  assert.equal(state.micro_batches, Number(m[2]));
});

test('train: a wasm out-of-memory abort that still happens is reported as that (exit 1, the step, what to lower), not as a bug', () => {
  const { file, runs } = tinyConfig();
  // Tell the planner there are 64 GiB: the step then really runs out of wasm's 4 GiB.
  const r = cli(['train', '--config', file, '--set', 'model.random_init.vocab_size=200000', '--set', 'training.batch_size=96', '--set', 'training.memory_limit_gib=64', '--set', 'eval.splits=[]']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /out of memory at step 1: the wasm backend aborted \(.+\) with its heap at \d+\.\d\d GiB of 4\.00 GiB\. Set training\.grad_accumulation: auto/);
  assert.match(r.stderr, /No checkpoint had been written yet/);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  assert.equal(JSON.parse(readFileSync(join(runs, 'tiny', 'run.json'), 'utf8')).status, 'failed');
});
