/**
 * Multi-head attention on 2-D activations. T5 does not scale scores by 1/sqrt(d_kv) (the scale
 * is folded into the init). Keys are kept as [B, H, d_kv, S] so every score product is a plain
 * (non-transposed) batched matMul; the incremental decoder appends to that layout directly.
 */
import * as tf from '@tensorflow/tfjs';
import type { DropoutStream } from './ops.js';

export interface HeadShape {
  batch: number;
  heads: number;
  dKv: number;
}

/** [B·S, H·dk] → keys transposed for the score product: [B, H, dk, S]. */
export function keysT(k2d: tf.Tensor2D, s: HeadShape): tf.Tensor4D {
  const len = k2d.shape[0] / s.batch;
  return tf.transpose(tf.reshape(k2d, [s.batch, len, s.heads, s.dKv]), [0, 2, 3, 1]);
}

/** [B·S, H·dk] → [B, H, S, dk]. */
export function splitHeads(x2d: tf.Tensor2D, s: HeadShape): tf.Tensor4D {
  const len = x2d.shape[0] / s.batch;
  return tf.transpose(tf.reshape(x2d, [s.batch, len, s.heads, s.dKv]), [0, 2, 1, 3]);
}

/**
 * softmax(q·kᵀ + bias)·v for every head. q2d [B·Sq, H·dk]; kT [B, H, dk, Sk]; v [B, H, Sk, dk];
 * bias broadcastable to [B, H, Sq, Sk] (position bias plus masks) or null. Returns [B·Sq, H·dk].
 */
export function attend(
  q2d: tf.Tensor2D,
  kT: tf.Tensor4D,
  v: tf.Tensor4D,
  bias: tf.Tensor | null,
  s: HeadShape,
  dropout: DropoutStream | null,
  onProbs?: (probs: tf.Tensor4D) => void,
): tf.Tensor2D {
  return tf.tidy(() => {
    const sq = q2d.shape[0] / s.batch;
    const q = splitHeads(q2d, s);
    // Batched matMul has one (slow) wasm kernel whatever the transpose flags, so there is no
    // naive/fast split here; the layout just avoids an extra transpose per step when decoding.
    let scores: tf.Tensor = tf.matMul(q, kT);
    if (bias) scores = tf.add(scores, bias);
    let probs = tf.softmax(scores);
    onProbs?.(probs as tf.Tensor4D);
    if (dropout) probs = dropout.apply(probs);
    const ctx = tf.matMul(probs, v); // [B, H, Sq, dk]
    return tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [s.batch * sq, s.heads * s.dKv]) as tf.Tensor2D;
  });
}
