/**
 * The injector: turns a task's modules into the T5 model's hooks, so the backbone code stays
 * untouched (PEFT's tuners/<method>/model.py idea). Adapters wrap the self-attention and FFN
 * sublayer outputs before the residual add; LoRA adds (α/r)·x·Aᵀ·Bᵀ to q and v (SPEC §2).
 */
import * as tf from '@tensorflow/tfjs';
import type { AdapterPosition, LoraPosition, PeftPlan } from './config.js';
import type { SublayerSite, T5Hooks } from '../model/hooks.js';
import type { AdapterWeights, LoraWeights, Modules } from './modules.js';
import { geluNew } from '../model/ops.js';
import { layerNorm } from './ops.js';
import { matMul2d } from '../model/linear.js';

/** The adapter's post-LayerNorm eps: PyTorch's layer_norm default, not T5's 1e-6 (SPEC §2). */
export const ADAPTER_LN_EPS = 1e-5;

/** Adapter(y) = LayerNorm(U·gelu(D·y + b_D) + b_U; γ, β) + y, on 2-D y [N, d]. */
export function applyAdapter(w: AdapterWeights, y: tf.Tensor2D): tf.Tensor2D {
  const mid = geluNew(tf.add(matMul2d(y, w.down), w.downBias)) as tf.Tensor2D;
  const out = tf.add(matMul2d(mid, w.up), w.upBias);
  return tf.add(layerNorm(out, w.gamma, w.beta, ADAPTER_LN_EPS), y) as tf.Tensor2D;
}

/** LoRA's delta (α/r)·x·Aᵀ·Bᵀ on 2-D x [N, d] → [N, inner]. */
export function loraDelta(w: LoraWeights, x: tf.Tensor2D, scale: number): tf.Tensor2D {
  const d = matMul2d(matMul2d(x, w.a), w.b);
  return scale === 1 ? d : (tf.mul(d, scale) as tf.Tensor2D);
}

/** The model's hooks, both present. */
export type PeftHooks = Required<Pick<T5Hooks, 'projectionDelta' | 'sublayerOutput'>>;

const ADAPTER_AT: Record<SublayerSite['sublayer'], AdapterPosition | null> = {
  self_attn: 'self_attn_adapter',
  ffn: 'ffn_adapter',
  cross_attn: null,
};

export function hooksFor(modules: Modules, plan: PeftPlan): PeftHooks {
  return {
    projectionDelta(site, x) {
      const pos = `lora_${site.attention}_${site.proj}` as LoraPosition;
      const w = modules[site.stack][site.layer]?.lora[pos];
      return w ? loraDelta(w, x, plan.loraScale) : null;
    },
    sublayerOutput(site, y) {
      const pos = ADAPTER_AT[site.sublayer];
      const w = pos ? modules[site.stack][site.layer]?.adapters[pos] : undefined;
      return w ? applyAdapter(w, y) : y;
    },
  };
}
