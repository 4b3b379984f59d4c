/**
 * Batched greedy decoding. The cached path runs the encoder once, projects every layer's
 * cross-attention keys/values once, and then costs one decoder position per step: self-attention
 * keys/values are appended to a per-layer cache and the relative bias is computed for the current
 * position only. The uncached path recomputes the whole prefix each step (reference and benchmark).
 *
 * Output convention (transformers' generate): every row starts with decoder_start_token_id, a row
 * that has produced EOS continues with pad (0), and decoding stops when all rows have produced EOS
 * or after maxNewTokens steps, so rows are 1 + steps long.
 */
import * as tf from '@tensorflow/tfjs';
import { crossAttention, crossKV, feedForward, finalNorm, lmHead, makeCtx, selfAttention, type KV } from './blocks.js';
import { crossBias, decode, encode, type ForwardOptions } from './forward.js';
import type { T5Hooks } from './hooks.js';
import { embeddingLookup } from './ops.js';
import { names } from './params.js';
import { positionBias } from './position-bias.js';
import type { T5Model } from './t5-model.js';

export interface GenerateOptions {
  /** Decoding steps at most (new tokens after decoder_start). */
  maxNewTokens: number;
  hooks?: T5Hooks;
  /** Plain tfjs calls instead of the fast paths (benchmarks). */
  naive?: boolean;
}

/** Greedy decoding with a key/value cache. inputIds/attentionMask [B, S] → token rows (see file comment). */
export async function greedyGenerate(
  model: T5Model,
  inputIds: tf.Tensor2D,
  attentionMask: tf.Tensor2D,
  opts: GenerateOptions,
): Promise<number[][]> {
  const { cfg } = model;
  const b = inputIds.shape[0];
  const fwd: ForwardOptions = { hooks: opts.hooks, naive: opts.naive };
  const ctx = makeCtx(model, fwd, b);
  // Everything the steps reuse: encoder output projected to each layer's cross keys/values, and the cross mask.
  const fixed = tf.tidy(() => {
    const enc = encode(model, inputIds, attentionMask, fwd);
    const enc2d = tf.reshape(enc, [-1, cfg.d_model]) as tf.Tensor2D;
    const cross: KV[] = [];
    for (let i = 0; i < cfg.num_decoder_layers; i++) cross.push(crossKV(ctx, enc2d, i));
    return { cross, mask: tf.cast(attentionMask, 'float32') as tf.Tensor2D };
  });
  let past: KV[] | null = null;
  const rows = Array.from({ length: b }, () => [cfg.decoder_start_token_id]);
  const done = new Array<boolean>(b).fill(false);
  let current: Int32Array<ArrayBuffer> = new Int32Array(b).fill(cfg.decoder_start_token_id);
  try {
    for (let t = 0; t < opts.maxNewTokens; t++) {
      const prev: KV[] | null = past;
      const step = tf.tidy(() => {
        const ids = tf.tensor1d(current, 'int32');
        let h = embeddingLookup(model.p(names.shared) as unknown as tf.Tensor2D, ids, fwd);
        const selfBias = positionBias(
          model.p(names.relBias('decoder')) as unknown as tf.Tensor2D,
          t,
          1,
          t + 1,
          false,
          cfg.relative_attention_max_distance,
          fwd,
        );
        const xBias = crossBias(model, fixed.mask, t, 1, fwd);
        const kv: KV[] = [];
        for (let i = 0; i < cfg.num_decoder_layers; i++) {
          const sa = selfAttention(ctx, h, 'decoder', i, selfBias, prev?.[i]);
          kv.push(sa.kv);
          h = crossAttention(ctx, sa.h, i, fixed.cross[i]!, xBias);
          h = feedForward(ctx, h, 'decoder', i);
        }
        const next = tf.argMax(lmHead(ctx, finalNorm(ctx, h, 'decoder')), -1);
        return { kv, next };
      });
      past = step.kv;
      if (prev) for (const p of prev) tf.dispose([p.kT, p.v]);
      const next = await step.next.data();
      step.next.dispose();
      current = appendGreedyStep(next, rows, done, cfg.eos_token_id, cfg.pad_token_id);
      if (done.every(Boolean)) break;
    }
  } finally {
    if (past) for (const p of past) tf.dispose([p.kT, p.v]);
    for (const c of fixed.cross) tf.dispose([c.kT, c.v]);
    fixed.mask.dispose();
  }
  return rows;
}

/** Greedy decoding that re-runs the full decoder over the prefix at every step (no cache). */
export async function greedyGenerateUncached(
  model: T5Model,
  inputIds: tf.Tensor2D,
  attentionMask: tf.Tensor2D,
  opts: GenerateOptions,
): Promise<number[][]> {
  const { cfg } = model;
  const b = inputIds.shape[0];
  const fwd: ForwardOptions = { hooks: opts.hooks, naive: opts.naive };
  const enc = encode(model, inputIds, attentionMask, fwd);
  const rows = Array.from({ length: b }, () => [cfg.decoder_start_token_id]);
  const done = new Array<boolean>(b).fill(false);
  try {
    for (let t = 0; t < opts.maxNewTokens; t++) {
      const next = tf.tidy(() => {
        const prefix = tf.tensor2d(rows.flat(), [b, t + 1], 'int32');
        const logits = decode(model, prefix, enc, attentionMask, fwd);
        const last = tf.squeeze(tf.slice(logits, [0, t, 0], [b, 1, cfg.vocab_size]), [1]);
        return tf.argMax(last, -1);
      });
      const ids = await next.data();
      next.dispose();
      appendGreedyStep(ids, rows, done, cfg.eos_token_id, cfg.pad_token_id);
      if (done.every(Boolean)) break;
    }
  } finally {
    enc.dispose();
  }
  return rows;
}

/**
 * Appends one greedy step to the rows: a row that already produced EOS gets pad instead of its
 * argmax. Marks rows that produce EOS as done; returns the tokens fed to the next step.
 */
export function appendGreedyStep(next: ArrayLike<number>, rows: number[][], done: boolean[], eos: number, pad: number): Int32Array<ArrayBuffer> {
  const fed = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const tok = done[r] ? pad : next[r]!;
    rows[r]!.push(tok);
    fed[r] = tok;
    if (tok === eos) done[r] = true;
  }
  return fed;
}
