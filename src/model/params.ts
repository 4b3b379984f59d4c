/**
 * T5 parameters, keyed by their Hugging Face state-dict names. Linear weights are kept
 * transposed, `[in, out]`, so the forward pass is a plain x·W (the fast matMul on wasm);
 * embeddings (shared.weight, the relative-bias tables) keep the checkpoint's `[rows, dim]`.
 */
import * as tf from '@tensorflow/tfjs';
import type { T5Config } from './config.js';

export type Stack = 'encoder' | 'decoder';

export interface ParamSpec {
  name: string;
  /** Our shape: `[in, out]` for linear weights. */
  shape: number[];
  /** How a Hugging Face checkpoint stores it: `linear` tensors are `[out, in]` there. */
  kind: 'embedding' | 'linear' | 'norm';
  /** Standard deviation of transformers' T5 init (initializer_factor 1); norms start at 1. */
  initStd: number;
}

export interface SpecOptions {
  /** Include transformers 3.x's cross-attention bias of decoder block 0 (SPEC §1). */
  legacyCrossBias: boolean;
}

/** The legacy cross-attention relative-bias table (transformers 3.x; SPEC §1). */
export const LEGACY_CROSS_BIAS = 'decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight';
/** Names that Hugging Face files carry as aliases of shared.weight (tied embeddings). */
export const EMBEDDING_ALIASES = ['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight'] as const;

/** Name helpers, so nobody spells a state-dict key by hand. */
export const names = {
  attn(stack: Stack, layer: number, kind: 'self' | 'cross', proj: 'q' | 'k' | 'v' | 'o'): string {
    return kind === 'self'
      ? `${stack}.block.${layer}.layer.0.SelfAttention.${proj}.weight`
      : `decoder.block.${layer}.layer.1.EncDecAttention.${proj}.weight`;
  },
  relBias(stack: Stack): string {
    return `${stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`;
  },
  /** Pre-norm of a sublayer: encoder layer.0 (self) / layer.1 (ffn); decoder layer.0 / .1 (cross) / .2 (ffn). */
  norm(stack: Stack, layer: number, sublayer: 'self' | 'cross' | 'ffn'): string {
    const idx = sublayer === 'self' ? 0 : sublayer === 'cross' ? 1 : stack === 'encoder' ? 1 : 2;
    return `${stack}.block.${layer}.layer.${idx}.layer_norm.weight`;
  },
  ffn(stack: Stack, layer: number, w: 'wi' | 'wi_0' | 'wi_1' | 'wo'): string {
    return `${stack}.block.${layer}.layer.${stack === 'encoder' ? 1 : 2}.DenseReluDense.${w}.weight`;
  },
  finalNorm(stack: Stack): string {
    return `${stack}.final_layer_norm.weight`;
  },
  shared: 'shared.weight',
  lmHead: 'lm_head.weight',
};

/** Whether `name` is one of the relative position bias tables (encoder, decoder, legacy cross). */
export function isPositionBias(name: string): boolean {
  return name === names.relBias('encoder') || name === names.relBias('decoder') || name === LEGACY_CROSS_BIAS;
}

/** Every parameter with its shape, in a fixed order, without allocating anything. */
export function t5ParamSpecs(cfg: T5Config, opts: SpecOptions): ParamSpec[] {
  const { d_model: d, d_kv, num_heads: h, d_ff: f, vocab_size: v } = cfg;
  const inner = h * d_kv;
  const specs: ParamSpec[] = [{ name: names.shared, shape: [v, d], kind: 'embedding', initStd: 1 }];
  const attention = (stack: Stack, layer: number, kind: 'self' | 'cross'): void => {
    specs.push(
      { name: names.attn(stack, layer, kind, 'q'), shape: [d, inner], kind: 'linear', initStd: (d * d_kv) ** -0.5 },
      { name: names.attn(stack, layer, kind, 'k'), shape: [d, inner], kind: 'linear', initStd: d ** -0.5 },
      { name: names.attn(stack, layer, kind, 'v'), shape: [d, inner], kind: 'linear', initStd: d ** -0.5 },
      { name: names.attn(stack, layer, kind, 'o'), shape: [inner, d], kind: 'linear', initStd: inner ** -0.5 },
    );
  };
  const biasTable = (name: string): ParamSpec => ({
    name,
    shape: [cfg.relative_attention_num_buckets, h],
    kind: 'embedding',
    initStd: d ** -0.5,
  });
  const ffn = (stack: Stack, layer: number): void => {
    const wi = cfg.feed_forward_proj === 'relu' ? (['wi'] as const) : (['wi_0', 'wi_1'] as const);
    for (const w of wi) specs.push({ name: names.ffn(stack, layer, w), shape: [d, f], kind: 'linear', initStd: d ** -0.5 });
    specs.push({ name: names.ffn(stack, layer, 'wo'), shape: [f, d], kind: 'linear', initStd: f ** -0.5 });
  };
  const norm = (name: string): ParamSpec => ({ name, shape: [d], kind: 'norm', initStd: 0 });

  for (let i = 0; i < cfg.num_layers; i++) {
    attention('encoder', i, 'self');
    if (i === 0) specs.push(biasTable(names.relBias('encoder')));
    specs.push(norm(names.norm('encoder', i, 'self')));
    ffn('encoder', i);
    specs.push(norm(names.norm('encoder', i, 'ffn')));
  }
  specs.push(norm(names.finalNorm('encoder')));
  for (let i = 0; i < cfg.num_decoder_layers; i++) {
    attention('decoder', i, 'self');
    if (i === 0) specs.push(biasTable(names.relBias('decoder')));
    specs.push(norm(names.norm('decoder', i, 'self')));
    attention('decoder', i, 'cross');
    if (i === 0 && opts.legacyCrossBias) specs.push(biasTable(LEGACY_CROSS_BIAS));
    specs.push(norm(names.norm('decoder', i, 'cross')));
    ffn('decoder', i);
    specs.push(norm(names.norm('decoder', i, 'ffn')));
  }
  specs.push(norm(names.finalNorm('decoder')));
  if (!cfg.tie_word_embeddings) specs.push({ name: names.lmHead, shape: [d, v], kind: 'linear', initStd: 1 });
  return specs;
}

/** Total parameter count (the tied LM head counted once, as PyTorch's parameters() does). */
export function t5ParamCount(cfg: T5Config, opts: SpecOptions): number {
  return t5ParamSpecs(cfg, opts).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Random init as transformers' T5 `_init_weights` (factor 1): normal with the spec's std,
 * RMSNorm scales 1. Deterministic for a seed (each parameter draws from seed + its index).
 * The legacy cross bias is included only when asked (it exists only in 3.x checkpoints).
 */
export function initT5Params(cfg: T5Config, seed: number, opts: SpecOptions = { legacyCrossBias: false }): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  t5ParamSpecs(cfg, opts).forEach((s, i) => {
    out.set(s.name, s.kind === 'norm' ? tf.ones(s.shape) : tf.randomNormal(s.shape, 0, s.initStd, 'float32', seed + 7919 * i));
  });
  return out;
}
