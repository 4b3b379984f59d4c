/**
 * What one configuration costs, measured (`hyperloader profile`, issue 14): the real training loop
 * (trainSteps: sampler → collate → loss/gradients → clip → AdamW) timed step by step after a
 * warm-up, the hypernetwork's own forward + backward, memory (process RSS, the wasm heap, tfjs's
 * tensor bytes), greedy decoding at batch 1 (latency per sentence) and at the eval batch size
 * (throughput), the checkpoint a run writes, and the parameters one more task adds.
 *
 * One case runs per process (the CLI spawns a child each): the wasm heap only grows and cannot
 * pass 4 GB, so a fresh process per case keeps the cases' memory figures apart and lets a case
 * that does not fit be reported instead of ending the profile.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import { resolveConfigObject } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { percentile as sortedPercentile } from '../data/stats.js';
import { evaluateTasks } from '../eval/evaluate.js';
import { parameterTable } from '../peft/params-table.js';
import { moduleTensors } from '../peft/modules.js';
import type { PeftModel } from '../peft/model.js';
import { initialCheckpointState, saveCheckpoint } from './checkpoint.js';
import { samplerFor, toExamples } from './features.js';
import { trainSteps } from './loop.js';
import { isWasmAbort, wasmHeapBytes } from './memory.js';
import { adamWFor } from './optimizer.js';
import { prepareRun } from './prepare.js';

/** Backbone shapes a profile can swap in (random init, the config's tokenizer and vocabulary). */
export const PROFILE_SHAPES = {
  tiny: { d_model: 64, d_kv: 16, d_ff: 128, num_layers: 2, num_heads: 4 },
  small: { d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_heads: 8 },
  base: { d_model: 768, d_kv: 64, d_ff: 3072, num_layers: 12, num_heads: 12 },
} as const;
export type ProfileShape = 'config' | keyof typeof PROFILE_SHAPES;
export const SHAPE_NAMES: readonly ProfileShape[] = ['config', ...(Object.keys(PROFILE_SHAPES) as (keyof typeof PROFILE_SHAPES)[])];

export interface ProfileCase {
  variant: string;
  shape: ProfileShape;
  batchSize: number;
  warmup: number;
  steps: number;
  /** Sentences decoded one at a time for the latency percentiles. */
  latencySentences: number;
}

export interface ProfileResult {
  variant: string;
  shape: ProfileShape;
  batch_size: number;
  backend: string;
  /** False when the case ran out of memory (error says where); every figure below is then absent. */
  fits: boolean;
  error?: string;
  steps_timed?: number;
  /** Median wall time of a training step, ms, and per example / per non-pad target token. */
  step_ms?: number;
  step_ms_p95?: number;
  ms_per_example?: number;
  ms_per_target_token?: number;
  examples_per_s?: number;
  /** Forward + backward of the generated modules alone (median ms) and its share of the step. */
  hypernetwork_ms?: number | null;
  hypernetwork_share?: number | null;
  /** Peak resident memory of the process; the wasm heap's size (its high-water mark); tfjs's live tensor bytes at most. */
  peak_rss_bytes?: number;
  wasm_heap_bytes?: number | null;
  peak_tensor_bytes?: number;
  /** tfjs-node-gpu only; null elsewhere (tfjs reports no device memory). */
  gpu_memory_bytes?: number | null;
  /** Greedy decoding one sentence at a time: p50/p95 of the per-sentence wall time, ms. */
  decode_ms_p50?: number;
  decode_ms_p95?: number;
  /** Greedy decoding at eval.batch_size: sentences per second. */
  decode_batch_size?: number;
  decode_sentences_per_s?: number;
  /** What checkpoints/last holds for this case (trainable parameters, AdamW moments, state). */
  checkpoint_bytes?: number;
  trainable_parameters?: number;
  total_parameters?: number;
  /** Trainable parameters one more task adds (0 for a hypernetwork beyond its task embedding, …). */
  parameters_per_task?: number;
}

/** p-th percentile (nearest rank, data/stats.ts) of a non-empty, unsorted list. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error('percentile of an empty list');
  return sortedPercentile([...xs].sort((a, b) => a - b), p);
}

/** The config this case runs: the variant, the batch size, and (for a named shape) a random-init backbone. */
export function caseConfig(base: Config, c: Pick<ProfileCase, 'variant' | 'shape' | 'batchSize' | 'warmup' | 'steps'>): Config {
  // A plain deep copy (JSON: the config is plain data), edited, then validated as a new config.
  const obj = JSON.parse(JSON.stringify(base)) as Record<string, Record<string, unknown>>;
  obj.peft!.variant = c.variant;
  const training = obj.training!;
  training.batch_size = c.batchSize;
  training.steps = Math.max(Number(training.steps), c.warmup + c.steps);
  training.eval_every = 0;
  if (c.shape !== 'config') {
    const model = obj.model!;
    const old = (model.random_init ?? {}) as Record<string, unknown>;
    model.random_init = { ...old, vocab_size: old.vocab_size ?? 32128, ...PROFILE_SHAPES[c.shape] };
    delete (model.random_init as Record<string, unknown>).num_decoder_layers;
    delete model.checkpoint;
  }
  return resolveConfigObject(obj, { source: `profile case ${c.variant}/${c.shape}/batch ${c.batchSize}` });
}

/** Trainable parameters one more task adds: the parameter table with the task list one longer. */
export async function parametersPerTask(config: Config): Promise<number> {
  const more = structuredClone(config);
  const first = config.data.tasks[0]!;
  more.data.tasks = [...config.data.tasks, { ...first, name: `${first.name}__profile_extra` }];
  return (await parameterTable(more)).trainable - (await parameterTable(config)).trainable;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? await folderBytes(p) : (await stat(p)).size;
  }
  return total;
}

/**
 * Forward and backward of the task's generated modules alone (a sum over every generated tensor):
 * the hypernetwork's own cost, which profile and the benchmarks report beside a whole step.
 */
export function hypernetworkPass(model: PeftModel, task: string): void {
  const vars = [...model.params.values()];
  const { value, grads } = tf.variableGrads(() => tf.addN(moduleTensors(model.modules(task)).map((t) => tf.sum(t))) as tf.Scalar, vars);
  // Reading one gradient waits for the backward pass (kernels run in order).
  Object.values(grads)[0]?.dataSync();
  value.dispose();
  tf.dispose(grads);
}

const median = (xs: readonly number[]) => percentile(xs, 50);

/** Measures one case in this process. A case that runs out of memory comes back with fits: false. */
export async function profileCase(base: Config, c: ProfileCase, logger: Logger): Promise<ProfileResult> {
  const config = caseConfig(base, c);
  const head = { variant: c.variant, shape: c.shape, batch_size: c.batchSize };
  let peakTensorBytes = 0;
  const sampleMemory = () => {
    peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
  };
  try {
    const run = await prepareRun(config, logger);
    const { model, tokenizer } = run;
    const t = config.training;
    const examples = Object.fromEntries(
      run.tasks.map((task) => [
        task.name,
        toExamples(task.splits.train, tokenizer, { maxSourceLength: config.data.max_source_length, maxTargetLength: config.data.max_target_length, codec: run.codec }),
      ]),
    );
    const optimizer = adamWFor(model.trainableVariables(), t);
    const sampler = samplerFor(examples, t, config.experiment.seed);
    const microBatches = t.grad_accumulation === 'auto' ? 1 : t.grad_accumulation;
    const loop = trainSteps({ model, optimizer, sampler, examples, training: t, seed: config.experiment.seed, padId: tokenizer.padId, decoderStartId: model.t5.cfg.decoder_start_token_id, microBatches });
    const timed: { ms: number; examples: number; tokens: number }[] = [];
    for (let i = 0; i < c.warmup + c.steps; i++) {
      const t0 = performance.now();
      const r = loop.next();
      const ms = performance.now() - t0;
      if (r.done) throw new Error(`the training loop ended after ${i} steps`);
      sampleMemory();
      if (i >= c.warmup) timed.push({ ms, examples: r.value.examples, tokens: r.value.tokens });
    }
    const stepMs = median(timed.map((x) => x.ms));
    const examplesPerStep = timed.reduce((s, x) => s + x.examples, 0) / timed.length;
    const tokensPerStep = timed.reduce((s, x) => s + x.tokens, 0) / timed.length;

    let hypernetworkMs: number | null = null;
    if (model.plan.source === 'hypernetwork') {
      const names = run.tasks.map((x) => x.name);
      const ms: number[] = [];
      for (let i = 0; i < c.warmup + c.steps; i++) {
        const t0 = performance.now();
        hypernetworkPass(model, names[i % names.length]!);
        if (i >= c.warmup) ms.push(performance.now() - t0);
      }
      hypernetworkMs = median(ms);
    }

    // Decoding: the first task's dev sentences, as `eval` decodes them.
    const task = run.tasks[0]!;
    const dev = task.splits.dev;
    const decodeOpts = {
      model,
      tokenizer,
      codec: run.codec,
      split: 'dev' as const,
      maxSourceLength: config.data.max_source_length,
      maxTargetLength: config.data.max_target_length,
      maxDecodeLength: config.eval.max_decode_length,
      mode: config.eval.f1_mode,
    };
    const one = dev.slice(0, c.latencySentences);
    const latencies: number[] = [];
    // A warm-up sentence first: the first decode compiles kernels and fills caches.
    await evaluateTasks({ ...decodeOpts, batchSize: 1, tasks: [{ task: task.name, sentences: dev.slice(0, 1) }] });
    let last = performance.now();
    await evaluateTasks({
      ...decodeOpts,
      batchSize: 1,
      tasks: [{ task: task.name, sentences: one }],
      onProgress: () => {
        const now = performance.now();
        latencies.push(now - last);
        last = now;
      },
    });
    sampleMemory();
    const batchSentences = dev.slice(0, Math.min(dev.length, 2 * config.eval.batch_size));
    const d0 = performance.now();
    await evaluateTasks({ ...decodeOpts, batchSize: config.eval.batch_size, tasks: [{ task: task.name, sentences: batchSentences }] });
    const decodeSeconds = (performance.now() - d0) / 1000;
    sampleMemory();

    const dir = await mkdtemp(join(tmpdir(), 'hyperloader-profile-'));
    let checkpointBytes: number;
    try {
      await saveCheckpoint(dir, 'last', model, optimizer, initialCheckpointState(sampler.state(), 'profile', optimizer.step));
      checkpointBytes = await folderBytes(join(dir, 'checkpoints', 'last'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const counts = model.parameterCounts();
    const result: ProfileResult = {
      ...head,
      backend: tf.getBackend(),
      fits: true,
      steps_timed: timed.length,
      step_ms: stepMs,
      step_ms_p95: percentile(timed.map((x) => x.ms), 95),
      ms_per_example: stepMs / examplesPerStep,
      ms_per_target_token: stepMs / tokensPerStep,
      examples_per_s: (1000 * examplesPerStep) / stepMs,
      hypernetwork_ms: hypernetworkMs,
      hypernetwork_share: hypernetworkMs === null ? null : hypernetworkMs / stepMs,
      peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
      wasm_heap_bytes: wasmHeapBytes(),
      peak_tensor_bytes: peakTensorBytes,
      gpu_memory_bytes: null,
      decode_ms_p50: percentile(latencies, 50),
      decode_ms_p95: percentile(latencies, 95),
      decode_batch_size: config.eval.batch_size,
      decode_sentences_per_s: batchSentences.length / decodeSeconds,
      checkpoint_bytes: checkpointBytes,
      trainable_parameters: counts.trainable,
      total_parameters: counts.total,
      parameters_per_task: await parametersPerTask(config),
    };
    optimizer.dispose();
    model.dispose();
    model.t5.dispose();
    return result;
  } catch (e) {
    if (isWasmAbort(e) || /out of memory/i.test((e as Error).message ?? '')) {
      return { ...head, backend: tf.getBackend(), fits: false, error: `does not fit: ${(e as Error).message.split('\n')[0]}` };
    }
    throw e;
  }
}
