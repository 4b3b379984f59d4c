/**
 * AdamW with decoupled weight decay, as transformers' AdamW (correct_bias=True) that the authors'
 * trainer used:  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε);  then p ← p − lr·wd·p.
 * Its moments are plain variables so a checkpoint can save and restore them exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '../config/schema.js';
import { isPositionBias } from '../model/params.js';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Per-parameter learning-rate multiplier (parameter groups); default 1 for every parameter. */
  lrScale?: (name: string) => number;
}

export interface AdamWState {
  step: number;
  /** Per parameter name: first and second moments (flat, row-major). */
  moments: Record<string, { m: Float32Array; v: Float32Array }>;
}

export class AdamW {
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    private readonly opts: AdamWOptions,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** One update with learning rate `lr`; `grads` by parameter name (missing = no gradient, skipped). */
  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.step += 1;
    const { beta1, beta2, eps, weightDecay } = this.opts;
    const baseStep = (lr * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step);
    for (const [name, p] of this.params) {
      const g = grads[name];
      if (!g) continue;
      const scale = this.opts.lrScale?.(name) ?? 1;
      const stepSize = baseStep * scale;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      tf.tidy(() => {
        const m2 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v2 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        let p2 = tf.sub(p, tf.mul(tf.div(m2, tf.add(tf.sqrt(v2), eps)), stepSize));
        if (weightDecay > 0) p2 = tf.sub(p2, tf.mul(p2, lr * scale * weightDecay));
        m.assign(m2);
        v.assign(v2);
        p.assign(p2);
      });
    }
  }

  state(): AdamWState {
    const moments: AdamWState['moments'] = {};
    for (const name of this.params.keys()) {
      moments[name] = { m: this.m.get(name)!.dataSync() as Float32Array, v: this.v.get(name)!.dataSync() as Float32Array };
    }
    return { step: this.step, moments };
  }

  restore(state: AdamWState): void {
    this.step = state.step;
    for (const [name, p] of this.params) {
      const s = state.moments[name];
      if (!s) throw new Error(`optimizer state has no moments for ${name}`);
      this.m.get(name)!.assign(tf.tensor(s.m, p.shape));
      this.v.get(name)!.assign(tf.tensor(s.v, p.shape));
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

/** The run's AdamW from training.*: betas, eps, weight decay, and the position-bias learning-rate scale. */
export function adamWFor(params: ReadonlyMap<string, tf.Variable>, t: TrainingConfig): AdamW {
  const scale = t.position_bias_lr_scale;
  return new AdamW(params, {
    beta1: t.adam_beta1,
    beta2: t.adam_beta2,
    eps: t.adam_eps,
    weightDecay: t.weight_decay,
    lrScale: scale === 1 ? undefined : (name) => (isPositionBias(name) ? scale : 1),
  });
}

/**
 * Global-norm clipping as torch.nn.utils.clip_grad_norm_: when the norm of all gradients together
 * exceeds maxNorm, every gradient is scaled by maxNorm / (norm + 1e-6). Returns the norm before clipping.
 */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): { grads: Record<string, tf.Tensor>; norm: number } {
  const names = Object.keys(grads);
  const norm = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))).dataSync()[0]);
  if (maxNorm <= 0 || !(norm > maxNorm)) return { grads, norm };
  const coef = maxNorm / (norm + 1e-6);
  const out: Record<string, tf.Tensor> = {};
  for (const n of names) {
    out[n] = tf.mul(grads[n], coef);
    grads[n].dispose();
  }
  return { grads: out, norm };
}
