/**
 * One optimisation step's gradients: the seq2seq loss of each micro-batch; gradients of
 * micro-batches add up (gradient accumulation: an effective batch larger than memory allows).
 *
 * The task's modules depend only on the parameters, which change only at the update, so they are
 * generated once per step (SPEC §3), not once per micro-batch:
 *   - one micro-batch: generation sits inside the same gradient tape as the loss;
 *   - several (hypernetwork variants): the modules M are generated once and held as variables; each
 *     micro-batch's tape gives dL/dθ for the backbone and dL/dM; the summed dL/dM then goes back
 *     through the hypernetwork in one tape, as the gradient of Σ M ⊙ stop(dL/dM) — the chain rule,
 *     exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { encode, decode } from '../model/forward.js';
import { seq2seqLoss } from '../model/loss.js';
import type { T5Hooks } from '../model/hooks.js';
import type { PeftModel } from '../peft/model.js';
import { moduleTensors, type Modules } from '../peft/modules.js';
import type { Batch } from '../data/collate.js';

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

function batchLoss(model: PeftModel, hooks: T5Hooks, b: Batch, scale: number, opts: StepOptions, micro: number): tf.Scalar {
  const ids = tf.tensor2d(b.inputIds, [b.size, b.sourceLength], 'int32');
  const mask = tf.tensor2d(b.attentionMask, [b.size, b.sourceLength], 'int32');
  const dec = tf.tensor2d(b.decoderInputIds, [b.size, b.targetLength], 'int32');
  const labels = tf.tensor2d(b.labels, [b.size, b.targetLength], 'int32');
  const fwd = { hooks, training: opts.training ?? true, dropoutSeed: opts.dropoutSeed === undefined ? undefined : opts.dropoutSeed + 7919 * micro };
  const logits = decode(model.t5, dec, encode(model.t5, ids, mask, fwd), mask, fwd);
  const loss = seq2seqLoss(logits, labels, { labelSmoothing: opts.labelSmoothing, reduction: 'sum' });
  return scale === 1 ? loss : tf.mul(loss, scale);
}

/** Adds `g` into `into[name]` (disposing what it replaces). */
function accumulate(into: Record<string, tf.Tensor>, name: string, g: tf.Tensor): void {
  const prev = into[name];
  if (prev) {
    into[name] = tf.add(prev, g);
    prev.dispose();
    g.dispose();
  } else into[name] = g;
}

/** The same tree with each tensor replaced by `f(tensor)`. */
function mapModules<T extends tf.Tensor>(m: Modules, f: (t: tf.Tensor) => T): Modules {
  const out = {} as Modules;
  for (const [stack, layers] of Object.entries(m) as [keyof Modules, Modules[keyof Modules]][]) {
    out[stack] = layers.map((l) => ({
      adapters: Object.fromEntries(
        Object.entries(l.adapters).map(([p, a]) => [p, a && { down: f(a.down), downBias: f(a.downBias), up: f(a.up), upBias: f(a.upBias), gamma: f(a.gamma), beta: f(a.beta) }]),
      ),
      lora: Object.fromEntries(Object.entries(l.lora).map(([p, w]) => [p, w && { a: f(w.a), b: f(w.b) }])),
    })) as Modules[keyof Modules];
  }
  return out;
}

/** Loss and gradients of one step over its micro-batches (all of the same task). */
export function stepGradients(model: PeftModel, task: string, micro: readonly Batch[], opts: StepOptions): StepGradients {
  const tokens = micro.reduce((s, b) => s + b.targetTokens, 0);
  const scale = opts.reduction === 'mean' ? 1 / Math.max(1, tokens) : 1;
  if (micro.length > 1 && model.plan.source === 'hypernetwork') return accumulatedThroughModules(model, task, micro, opts, scale);
  const vars = model.trainableVariables();
  const byVar = new Map([...vars].map(([n, v]) => [v.name, n]));
  let loss = 0;
  const grads: Record<string, tf.Tensor> = {};
  micro.forEach((b, i) => {
    const r = tf.variableGrads(() => batchLoss(model, model.hooks(model.modules(task)), b, scale, opts, i), [...vars.values()]);
    loss += r.value.dataSync()[0];
    r.value.dispose();
    for (const [varName, g] of Object.entries(r.grads)) accumulate(grads, byVar.get(varName)!, g);
  });
  return { loss, grads };
}

/** Several micro-batches of a hypernetwork variant: modules generated once (see the file comment). */
function accumulatedThroughModules(model: PeftModel, task: string, micro: readonly Batch[], opts: StepOptions, scale: number): StepGradients {
  const frozen = model.frozenModules(task);
  const held = mapModules(frozen.modules, (t) => tf.variable(t, true));
  const heldVars = moduleTensors(held) as tf.Variable[];
  const backbone = model.t5.trainableVariables();
  const byVar = new Map([...backbone].map(([n, v]) => [v.name, n]));
  const index = new Map(heldVars.map((v, i) => [v.name, i]));
  const dModules: (tf.Tensor | undefined)[] = new Array(heldVars.length);
  let loss = 0;
  const grads: Record<string, tf.Tensor> = {};
  try {
    const hooks = model.hooks(held);
    micro.forEach((b, i) => {
      const r = tf.variableGrads(() => batchLoss(model, hooks, b, scale, opts, i), [...backbone.values(), ...heldVars]);
      loss += r.value.dataSync()[0];
      r.value.dispose();
      for (const [varName, g] of Object.entries(r.grads)) {
        const k = index.get(varName);
        if (k === undefined) accumulate(grads, byVar.get(varName)!, g);
        else {
          const prev = dModules[k];
          dModules[k] = prev ? tf.add(prev, g) : g;
          if (prev) {
            prev.dispose();
            g.dispose();
          }
        }
      }
    });
    // Back through the hypernetwork once: ∂/∂φ Σ_k ⟨M_k(φ), dL/dM_k⟩.
    const hyper = model.params;
    const byHyper = new Map([...hyper].map(([n, v]) => [v.name, n]));
    const r = tf.variableGrads(() => {
      const generated = moduleTensors(model.modules(task));
      const terms = generated.map((m, k) => (dModules[k] ? tf.sum(tf.mul(m, dModules[k]!)) : tf.scalar(0)));
      return tf.addN(terms) as tf.Scalar;
    }, [...hyper.values()]);
    r.value.dispose();
    for (const [varName, g] of Object.entries(r.grads)) accumulate(grads, byHyper.get(varName)!, g);
  } finally {
    tf.dispose(dModules.filter((t): t is tf.Tensor => t !== undefined));
    heldVars.forEach((v) => v.dispose());
    frozen.release();
  }
  return { loss, grads };
}
