/**
 * The training loop, as a generator (spaCy's shape): each iteration draws one task's batch from
 * the temperature sampler, computes the step's gradients, clips them, applies AdamW with the
 * scheduled learning rate, and yields what happened. Logging, checkpoints and evaluation live in
 * the runner (./run.ts), which decides when to stop pulling.
 */
import type * as tf from '@tensorflow/tfjs';
import { HyperloaderError } from '../errors.js';
import type { TrainingConfig } from '../config/schema.js';
import type { TaskSampler } from '../data/sampler.js';
import type { PeftModel } from '../peft/model.js';
import { collate, type Example } from '../data/collate.js';
import { clipByGlobalNorm, type AdamW } from './optimizer.js';
import { learningRate } from './schedule.js';
import { stepGradients } from './step.js';

export interface StepReport {
  /** Optimiser steps done, including this one. */
  step: number;
  task: string;
  loss: number;
  /** Loss per target token (comparable across batches, whatever the reduction). */
  tokenLoss: number;
  lr: number;
  gradNorm: number;
  examples: number;
  tokens: number;
  seconds: number;
}

export interface LoopContext {
  model: PeftModel;
  optimizer: AdamW;
  sampler: TaskSampler;
  /** Tokenised training examples per task. */
  examples: Record<string, Example[]>;
  training: TrainingConfig;
  seed: number;
  padId: number;
  decoderStartId: number;
  /** Micro-batches per step: training.grad_accumulation, resolved (memory.ts decides `auto`). */
  microBatches: number;
}

/** Dropout masks depend only on (seed, step), so a resumed run draws the same ones. */
export function dropoutSeed(seed: number, step: number): number {
  return (Math.imul(seed + 1, 2654435761) ^ Math.imul(step, 40503)) >>> 0;
}

/** Splits a batch's indices into `parts` nearly equal micro-batches. */
export function microBatches(indices: readonly number[], parts: number): number[][] {
  const n = Math.min(parts, indices.length);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push(indices.slice(Math.floor((i * indices.length) / n), Math.floor(((i + 1) * indices.length) / n)));
  return out;
}

export function* trainSteps(ctx: LoopContext): Generator<StepReport, void, void> {
  const t = ctx.training;
  while (ctx.optimizer.step < t.steps) {
    const started = performance.now();
    const step = ctx.optimizer.step + 1;
    const { task, indices } = ctx.sampler.next();
    const data = ctx.examples[task];
    const micro = microBatches(indices, ctx.microBatches).map((idx) =>
      collate(idx.map((i) => data[i]), { padId: ctx.padId, decoderStartId: ctx.decoderStartId }),
    );
    const lr = learningRate(step - 1, { lr: t.lr, warmup: t.warmup_steps, total: t.steps, schedule: t.schedule });
    const { loss, grads } = stepGradients(ctx.model, task, micro, {
      labelSmoothing: t.label_smoothing,
      reduction: t.loss_reduction,
      dropoutSeed: dropoutSeed(ctx.seed, step),
      training: true,
    });
    if (!Number.isFinite(loss)) {
      for (const g of Object.values(grads)) g.dispose();
      throw new HyperloaderError(
        `training loss is ${loss} at step ${step} (task ${task}, batch of training examples ${indices.join(',')}); ` +
          'lower training.lr, check that training.clip_norm is on, or look at those examples.',
      );
    }
    const clipped = clipByGlobalNorm(grads, t.clip_norm);
    ctx.optimizer.apply(clipped.grads, lr);
    for (const g of Object.values(clipped.grads) as tf.Tensor[]) g.dispose();
    const tokens = micro.reduce((s, b) => s + b.targetTokens, 0);
    yield {
      step,
      task,
      loss,
      tokenLoss: t.loss_reduction === 'sum' ? loss / Math.max(1, tokens) : loss,
      lr,
      gradNorm: clipped.norm,
      examples: indices.length,
      tokens,
      seconds: (performance.now() - started) / 1000,
    };
  }
}
