/**
 * The T5 block pieces shared by the full forward pass (forward.ts) and cached decoding
 * (generate.ts): pre-norm sublayers with residual adds, per SPEC §1–2:
 *   h = h + Dropout(Hook(SelfAttn(RMSNorm(h))))
 *   h = h + Dropout(Hook(CrossAttn(RMSNorm(h), enc)))      (decoder)
 *   h = h + Dropout(Hook(FFN(RMSNorm(h))))
 * Dropout sits where transformers' T5 puts it: embeddings, attention probabilities, the FFN's
 * hidden layer, each sublayer output and the final norm's output — only when training.
 */
import * as tf from '@tensorflow/tfjs';
import { attend, keysT, splitHeads, type HeadShape } from './attention.js';
import type { T5Hooks } from './hooks.js';
import { linear, linearTransposed, type OpOptions } from './linear.js';
import { DropoutStream, geluNew, rmsNorm } from './ops.js';
import { names, type Stack } from './params.js';
import type { T5Model } from './t5-model.js';

export interface ForwardOptions extends OpOptions {
  /** Dropout on (transformers' T5 placement); off by default. */
  training?: boolean;
  /**
   * Seed of the dropout masks, for reproducible training steps (vary it per step). Without one,
   * every pass draws fresh masks from Math.random.
   */
  dropoutSeed?: number;
  hooks?: T5Hooks;
  /** Override the model's dropout_rate (config's model.dropout). */
  dropoutRate?: number;
}

/** What every block function needs: the model, the options, and the dropout stream of this pass. */
export interface Ctx {
  model: T5Model;
  opts: ForwardOptions;
  dropout: DropoutStream | null;
  heads: HeadShape;
}

export function makeCtx(model: T5Model, opts: ForwardOptions, batch: number, seedOffset = 0): Ctx {
  const rate = opts.dropoutRate ?? model.cfg.dropout_rate;
  const seed = opts.dropoutSeed ?? Math.floor(Math.random() * 2 ** 31);
  const dropout = opts.training && rate > 0 ? new DropoutStream(rate, seed * 1000003 + seedOffset) : null;
  return { model, opts, dropout, heads: { batch, heads: model.cfg.num_heads, dKv: model.cfg.d_kv } };
}

export function drop<T extends tf.Tensor>(ctx: Ctx, x: T): T {
  return ctx.dropout ? ctx.dropout.apply(x) : x;
}

function transposeCache(model: T5Model) {
  return model.cacheFrozenTransposes ? model.transposeCache : undefined;
}

/** x·W for the parameter `name` (fast custom-gradient path unless opts.naive). */
export function proj(ctx: Ctx, x: tf.Tensor2D, name: string): tf.Tensor2D {
  return linear(x, ctx.model.p(name) as unknown as tf.Tensor2D, { naive: ctx.opts.naive, cache: transposeCache(ctx.model) });
}

function norm(ctx: Ctx, x: tf.Tensor2D, name: string): tf.Tensor2D {
  return rmsNorm(x, ctx.model.p(name) as unknown as tf.Tensor1D, ctx.model.cfg.layer_norm_epsilon, ctx.opts);
}

/** q or v projection plus the hook's delta (LoRA). */
function projWithDelta(
  ctx: Ctx,
  x: tf.Tensor2D,
  stack: Stack,
  layer: number,
  attention: 'self' | 'cross',
  which: 'q' | 'v',
): tf.Tensor2D {
  const y = proj(ctx, x, names.attn(stack, layer, attention, which));
  const delta = ctx.opts.hooks?.projectionDelta?.({ stack, layer, attention, proj: which }, x);
  return delta ? (tf.add(y, delta) as tf.Tensor2D) : y;
}

function closeSublayer(
  ctx: Ctx,
  h: tf.Tensor2D,
  y: tf.Tensor2D,
  stack: Stack,
  layer: number,
  sublayer: 'self_attn' | 'cross_attn' | 'ffn',
): tf.Tensor2D {
  const hooked = ctx.opts.hooks?.sublayerOutput ? ctx.opts.hooks.sublayerOutput({ stack, layer, sublayer }, y) : y;
  return tf.add(h, drop(ctx, hooked)) as tf.Tensor2D;
}

/** Keys and values of one attention, in attend()'s layout. */
export type KV = {
  kT: tf.Tensor4D;
  v: tf.Tensor4D;
};

/** Self-attention sublayer. `past` (cached decoding) is prepended to this call's keys/values. */
export function selfAttention(
  ctx: Ctx,
  h: tf.Tensor2D,
  stack: Stack,
  layer: number,
  bias: tf.Tensor | null,
  past?: KV,
): { h: tf.Tensor2D; kv: KV } {
  const n = norm(ctx, h, names.norm(stack, layer, 'self'));
  const q = projWithDelta(ctx, n, stack, layer, 'self', 'q');
  let kT = keysT(proj(ctx, n, names.attn(stack, layer, 'self', 'k')), ctx.heads);
  let v = splitHeads(projWithDelta(ctx, n, stack, layer, 'self', 'v'), ctx.heads);
  if (past) {
    kT = tf.concat([past.kT, kT], 3);
    v = tf.concat([past.v, v], 2);
  }
  const a = attend(q, kT, v, bias, ctx.heads, ctx.dropout);
  const y = proj(ctx, a, names.attn(stack, layer, 'self', 'o'));
  return { h: closeSublayer(ctx, h, y, stack, layer, 'self_attn'), kv: { kT, v } };
}

/** Cross-attention keys/values from the encoder output [B·S, D] (v gets the hook's delta). */
export function crossKV(ctx: Ctx, enc2d: tf.Tensor2D, layer: number): KV {
  const k = proj(ctx, enc2d, names.attn('decoder', layer, 'cross', 'k'));
  const v = projWithDelta(ctx, enc2d, 'decoder', layer, 'cross', 'v');
  return { kT: keysT(k, ctx.heads), v: splitHeads(v, ctx.heads) };
}

export function crossAttention(ctx: Ctx, h: tf.Tensor2D, layer: number, kv: KV, bias: tf.Tensor | null): tf.Tensor2D {
  const n = norm(ctx, h, names.norm('decoder', layer, 'cross'));
  const q = projWithDelta(ctx, n, 'decoder', layer, 'cross', 'q');
  const observe = ctx.opts.hooks?.crossAttentionProbs;
  const a = attend(q, kv.kT, kv.v, bias, ctx.heads, ctx.dropout, observe ? (p) => observe(layer, p) : undefined);
  const y = proj(ctx, a, names.attn('decoder', layer, 'cross', 'o'));
  return closeSublayer(ctx, h, y, 'decoder', layer, 'cross_attn');
}

/** FFN sublayer: relu (v1.0) or gated gelu_new (v1.1), dropout on the hidden layer. */
export function feedForward(ctx: Ctx, h: tf.Tensor2D, stack: Stack, layer: number): tf.Tensor2D {
  const n = norm(ctx, h, names.norm(stack, layer, 'ffn'));
  let hidden: tf.Tensor2D;
  if (ctx.model.cfg.feed_forward_proj === 'relu') {
    hidden = tf.relu(proj(ctx, n, names.ffn(stack, layer, 'wi')));
  } else {
    const gate = geluNew(proj(ctx, n, names.ffn(stack, layer, 'wi_0'))) as tf.Tensor2D;
    hidden = tf.mul(gate, proj(ctx, n, names.ffn(stack, layer, 'wi_1')));
  }
  const y = proj(ctx, drop(ctx, hidden), names.ffn(stack, layer, 'wo'));
  return closeSublayer(ctx, h, y, stack, layer, 'ffn');
}

/** Final RMSNorm of a stack, then dropout. */
export function finalNorm(ctx: Ctx, h: tf.Tensor2D, stack: Stack): tf.Tensor2D {
  return drop(ctx, norm(ctx, h, names.finalNorm(stack)));
}

/** Logits [N, V] from final decoder states [N, D]: tied head with the d_model^-0.5 rescale (v1.0) or lm_head (v1.1). */
export function lmHead(ctx: Ctx, h: tf.Tensor2D): tf.Tensor2D {
  const { model, opts } = ctx;
  if (model.cfg.tie_word_embeddings) {
    const scaled = tf.mul(h, model.cfg.d_model ** -0.5) as tf.Tensor2D;
    return linearTransposed(scaled, model.p(names.shared) as unknown as tf.Tensor2D, {
      naive: opts.naive,
      cache: transposeCache(model),
    });
  }
  return proj(ctx, h, names.lmHead);
}
