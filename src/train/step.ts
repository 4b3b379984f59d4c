/**
 * One optimisation step's gradients: the task's modules are generated once inside the tape (so
 * the hypernetwork gets its gradient), then the seq2seq loss of each micro-batch; gradients of
 * micro-batches add up (gradient accumulation: an effective batch larger than memory allows).
 */
import * as tf from '@tensorflow/tfjs';
import { encode, decode } from '../model/forward.js';
import { seq2seqLoss } from '../model/loss.js';
import type { PeftModel } from '../peft/model.js';
import type { Batch } from './batch.js';

export interface StepOptions {
  labelSmoothing: number;
  /** sum: summed over every target token of the step (the paper); mean: divided by their count. */
  reduction: 'sum' | 'mean';
  /** Dropout on (training) with masks drawn from this seed. */
  dropoutSeed?: number;
  training?: boolean;
}

export interface StepGradients {
  loss: number;
  /** Gradients by trainable parameter name; the caller disposes them. */
  grads: Record<string, tf.Tensor>;
}

function batchLoss(model: PeftModel, task: string, b: Batch, scale: number, opts: StepOptions, micro: number): tf.Scalar {
  const ids = tf.tensor2d(b.inputIds, [b.size, b.sourceLength], 'int32');
  const mask = tf.tensor2d(b.attentionMask, [b.size, b.sourceLength], 'int32');
  const dec = tf.tensor2d(b.decoderInputIds, [b.size, b.targetLength], 'int32');
  const labels = tf.tensor2d(b.labels, [b.size, b.targetLength], 'int32');
  const hooks = model.hooks(model.modules(task));
  const fwd = { hooks, training: opts.training ?? true, dropoutSeed: opts.dropoutSeed === undefined ? undefined : opts.dropoutSeed + 7919 * micro };
  const logits = decode(model.t5, dec, encode(model.t5, ids, mask, fwd), mask, fwd);
  const loss = seq2seqLoss(logits, labels, { labelSmoothing: opts.labelSmoothing, reduction: 'sum' });
  return scale === 1 ? loss : tf.mul(loss, scale);
}

/** Loss and gradients of one step over its micro-batches (all of the same task). */
export function stepGradients(model: PeftModel, task: string, micro: readonly Batch[], opts: StepOptions): StepGradients {
  const vars = model.trainableVariables();
  const byVar = new Map([...vars].map(([n, v]) => [v.name, n]));
  const tokens = micro.reduce((s, b) => s + b.targetTokens, 0);
  const scale = opts.reduction === 'mean' ? 1 / Math.max(1, tokens) : 1;
  let loss = 0;
  const grads: Record<string, tf.Tensor> = {};
  micro.forEach((b, i) => {
    const r = tf.variableGrads(() => batchLoss(model, task, b, scale, opts, i), [...vars.values()]);
    loss += r.value.dataSync()[0];
    r.value.dispose();
    for (const [varName, g] of Object.entries(r.grads)) {
      const name = byVar.get(varName)!;
      const prev = grads[name];
      if (prev) {
        grads[name] = tf.add(prev, g);
        prev.dispose();
        g.dispose();
      } else grads[name] = g;
    }
  });
  return { loss, grads };
}
