/**
 * Extension points for parameter-efficient modules (src/peft): they change what a T5 block
 * computes without copying the model code. Both hooks see 2-D activations [N, ·], N = batch ×
 * positions (one position per row in cached decoding).
 */
import type * as tf from '@tensorflow/tfjs';
import type { Stack } from './params.js';

export interface ProjectionSite {
  stack: Stack;
  layer: number;
  attention: 'self' | 'cross';
  proj: 'q' | 'v';
}

export interface SublayerSite {
  stack: Stack;
  layer: number;
  sublayer: 'self_attn' | 'cross_attn' | 'ffn';
}

export interface T5Hooks {
  /**
   * A term added to a q or v projection output (LoRA). x is the projection's input, flattened 2-D
   * [N, d_model]; return [N, n_heads·d_kv] or null. For cross-attention v, x is the encoder output.
   */
  projectionDelta?(site: ProjectionSite, x: tf.Tensor2D): tf.Tensor2D | null;
  /** Wraps a sublayer output (2-D [N, d_model]) before dropout and the residual add (adapters). */
  sublayerOutput?(site: SublayerSite, y: tf.Tensor2D): tf.Tensor2D;
  /**
   * Sees the decoder's cross-attention probabilities [B, heads, target, source] of a layer (an
   * observer for diagnostics, e.g. scripts/alignment.ts; the tensor is disposed after the call, so
   * read it synchronously).
   */
  crossAttentionProbs?(layer: number, probs: tf.Tensor4D): void;
}
