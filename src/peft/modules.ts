/**
 * The weights of the modules a plan inserts, per stack and layer, in the layout the forward pass
 * uses (x·W, no transposes): what the hypernetwork generates for one task, or what the static and
 * shared baselines store directly. One injector (./inject.ts) serves every variant.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AdapterPosition, LoraPosition, Stack } from './config.js';

export interface AdapterWeights {
  /** W_downᵀ: [d, m] */
  down: tf.Tensor2D;
  downBias: tf.Tensor1D;
  /** W_upᵀ: [m, d] */
  up: tf.Tensor2D;
  upBias: tf.Tensor1D;
  /** The post-adapter LayerNorm's γ and β (generated in HyperLoader). */
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
}

export interface LoraWeights {
  /** Aᵀ: [d, r] */
  a: tf.Tensor2D;
  /** Bᵀ: [r, inner] */
  b: tf.Tensor2D;
}

export interface LayerModules {
  adapters: Partial<Record<AdapterPosition, AdapterWeights>>;
  lora: Partial<Record<LoraPosition, LoraWeights>>;
}

export type Modules = Record<Stack, LayerModules[]>;

/** Every tensor in a Modules tree (to keep or dispose them together). */
export function moduleTensors(m: Modules): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (const layers of Object.values(m)) {
    for (const l of layers) {
      for (const a of Object.values(l.adapters)) if (a) out.push(a.down, a.downBias, a.up, a.upBias, a.gamma, a.beta);
      for (const w of Object.values(l.lora)) if (w) out.push(w.a, w.b);
    }
  }
  return out;
}
