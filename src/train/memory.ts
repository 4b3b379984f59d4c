/**
 * Memory as a user error, not a crash. wasm's heap cannot pass 4 GiB, and a training step's peak
 * grows with batch × target length × vocabulary (the logits and their gradient: about ten
 * [tokens, vocab] float32 buffers live at once) plus the activations. Past the limit, malloc fails
 * inside a kernel and the whole wasm module aborts ("memory access out of bounds", "Aborted()").
 *
 * So before the first step the peak is measured, not guessed: one step's gradients (no update) on
 * a worst-case example — the longest source and the longest target of the training data — with 1
 * and then 2 copies of it. Memory is linear in the number of examples, so those two give the fixed
 * part (parameters, optimizer moments, caches) and the cost of each example; the planned
 * micro-batch is checked against the backend's limit, and `training.grad_accumulation: auto`
 * picks the fewest micro-batches that fit.
 */
import { totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { HyperloaderError } from '../errors.js';
import type { PeftModel } from '../peft/model.js';
import { collate, type Example } from '../data/collate.js';
import { clipByGlobalNorm } from './optimizer.js';
import { stepGradients } from './step.js';

/** The wasm backend's heap ceiling (emscripten's getHeapMax in tfjs-backend-wasm 4.22). */
export const WASM_HEAP_LIMIT = 4294901760;
/**
 * Share of the limit a step may plan for: the heap grows in chunks and fragments, so its
 * high-water mark runs 10–20% above the peak of live tensor bytes the engine counts.
 */
export const USABLE_SHARE = 0.75;

const GiB = 2 ** 30;
export const formatGiB = (bytes: number) => `${(bytes / GiB).toFixed(2)} GiB`;

/**
 * The memory ceiling a step is planned against: training.memory_limit_gib when set, else the
 * backend's own, or null when it has none we can know (a GPU's is not visible to tfjs).
 */
export function backendMemoryLimit(configuredGiB?: number, backend = tf.getBackend()): { bytes: number; what: string } | null {
  if (configuredGiB !== undefined) return { bytes: configuredGiB * GiB, what: `training.memory_limit_gib (${configuredGiB} GiB)` };
  if (backend === 'wasm') return { bytes: WASM_HEAP_LIMIT, what: "the wasm backend's 4 GiB heap" };
  if (backend === 'cpu') return { bytes: totalmem(), what: "this machine's memory" };
  return null;
}

export interface StepMemory {
  /** Live bytes that do not depend on the batch (parameters, optimizer state, caches). */
  fixedBytes: number;
  /** Bytes each worst-case example adds to the step's peak. */
  perExampleBytes: number;
  /** The worst-case example's source and target lengths (tokens). */
  sourceLength: number;
  targetLength: number;
}

/** The longest source and the longest target over every task's examples, as one example. */
export function worstCaseExample(examples: Record<string, readonly Example[]>): Example {
  let source: number[] = [];
  let target: number[] = [];
  for (const list of Object.values(examples)) {
    for (const e of list) {
      if (e.source.length > source.length) source = e.source;
      if (e.target.length > target.length) target = e.target;
    }
  }
  return { source, target };
}

/** Peak live tensor bytes of one step's gradients and clipping on `copies` of `example` (the model is not changed). */
async function stepPeak(model: PeftModel, task: string, example: Example, copies: number, padId: number, decoderStartId: number): Promise<number> {
  const batch = collate(new Array<Example>(copies).fill(example), { padId, decoderStartId });
  const info = await tf.profile(() => {
    const { grads } = stepGradients(model, task, [batch], { labelSmoothing: 0.1, reduction: 'sum', dropoutSeed: 1, training: true });
    const clipped = clipByGlobalNorm(grads, 1);
    tf.dispose(Object.values(clipped.grads));
  });
  return info.peakBytes;
}

/** Measures the step's memory on the worst-case example (see the file comment). */
export async function measureStepMemory(model: PeftModel, task: string, example: Example, padId: number, decoderStartId: number): Promise<StepMemory> {
  const one = await stepPeak(model, task, example, 1, padId, decoderStartId);
  const two = await stepPeak(model, task, example, 2, padId, decoderStartId);
  const perExampleBytes = Math.max(0, two - one);
  // AdamW's update holds a few temporaries the size of one parameter at a time.
  let largest = 0;
  for (const v of model.trainableVariables().values()) largest = Math.max(largest, v.size * 4);
  return { fixedBytes: one - perExampleBytes + 3 * largest, perExampleBytes, sourceLength: example.source.length, targetLength: example.target.length };
}

export interface MicroBatchPlan {
  microBatches: number;
  /** Predicted peak of one micro-batch. */
  peakBytes: number;
}

/**
 * The number of micro-batches for `batchSize` examples: `requested` when it fits (or when the
 * backend has no known limit), the fewest that fit for `auto`, and a user error otherwise.
 */
export function planMicroBatches(
  mem: StepMemory,
  batchSize: number,
  requested: number | 'auto',
  limit: { bytes: number; what: string } | null,
): MicroBatchPlan {
  const peak = (m: number) => mem.fixedBytes + Math.ceil(batchSize / m) * mem.perExampleBytes;
  if (limit === null) {
    const m = requested === 'auto' ? 1 : requested;
    return { microBatches: m, peakBytes: peak(m) };
  }
  const usable = limit.bytes * USABLE_SHARE;
  const shape = `the longest training example (${mem.sourceLength} source and ${mem.targetLength} target tokens)`;
  if (mem.fixedBytes + mem.perExampleBytes > usable) {
    throw new HyperloaderError(
      `out of memory before the first step: one copy of ${shape} needs about ${formatGiB(mem.fixedBytes + mem.perExampleBytes)} ` +
        `(${formatGiB(mem.fixedBytes)} of it parameters and optimizer state), more than ${formatGiB(usable)} usable of ${limit.what}. ` +
        'Lower data.max_source_length / data.max_target_length, use a smaller vocabulary (a word-level tokenizer: `hyperloader tokenizer build`) or model, ' +
        'or train on the tensorflow backend (tfjs-node / tfjs-node-gpu).',
      { exitCode: 1 },
    );
  }
  let fits = 1;
  while (fits < batchSize && peak(Math.ceil(batchSize / (fits + 1))) <= usable) fits++;
  const needed = Math.ceil(batchSize / fits);
  if (requested === 'auto') return { microBatches: needed, peakBytes: peak(needed) };
  if (peak(requested) <= usable) return { microBatches: requested, peakBytes: peak(requested) };
  throw new HyperloaderError(
    `out of memory: a micro-batch of ${Math.ceil(batchSize / requested)} examples like ${shape} needs about ${formatGiB(peak(requested))}, ` +
      `more than ${formatGiB(usable)} usable of ${limit.what}. ` +
      `Set training.grad_accumulation: auto (here it would pick ${needed}: micro-batches of ${Math.ceil(batchSize / needed)}), ` +
      `or at least ${needed}; or lower training.batch_size or data.max_target_length.`,
    { exitCode: 2 },
  );
}

/**
 * Whether `e` is the wasm module aborting (malloc failed inside a kernel): after it, every wasm
 * call fails, so the caller reports it and must not touch tensors again.
 */
export function isWasmAbort(e: unknown): boolean {
  return e instanceof WebAssembly.RuntimeError || (e instanceof Error && /^(Aborted\(|memory access out of bounds)/.test(e.message));
}

/** The wasm heap's size now (its high-water mark: it never shrinks), or null off wasm. */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  try {
    return (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  } catch {
    return null;
  }
}
