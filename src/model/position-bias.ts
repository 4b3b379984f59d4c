/**
 * T5's relative position bias: the key–query offset is bucketed (exact for small offsets,
 * logarithmic up to max_distance), each bucket looks up one scalar per head in a learned table,
 * and the result is added to the attention scores. Block 0 of each stack owns the table and the
 * later blocks reuse it (SPEC §1).
 */
import * as tf from '@tensorflow/tfjs';
import { embeddingLookup } from './ops.js';
import type { OpOptions } from './linear.js';

/**
 * transformers' `_relative_position_bucket` for one offset (key position − query position).
 * The logarithmic branch is evaluated in float32 (Math.fround at each step) as PyTorch does, so
 * offsets on a bucket boundary land in the same bucket.
 */
export function relativePositionBucket(
  relativePosition: number,
  bidirectional: boolean,
  numBuckets: number,
  maxDistance: number,
): number {
  let buckets = 0;
  let n = numBuckets;
  let rp: number;
  if (bidirectional) {
    n = Math.floor(n / 2);
    if (relativePosition > 0) buckets += n;
    rp = Math.abs(relativePosition);
  } else {
    rp = -Math.min(relativePosition, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (rp < maxExact) return buckets + rp;
  const f = Math.fround;
  const scaled = f(
    f(f(Math.log(f(rp / maxExact))) / f(Math.log(maxDistance / maxExact))) * (n - maxExact),
  );
  return buckets + Math.min(maxExact + Math.trunc(scaled), n - 1);
}

/** Bucket ids for query positions [qStart, qStart+qLen) against keys [0, kLen), row-major [qLen·kLen]. */
export function bucketGrid(
  qStart: number,
  qLen: number,
  kLen: number,
  bidirectional: boolean,
  numBuckets: number,
  maxDistance: number,
): Int32Array {
  const out = new Int32Array(qLen * kLen);
  const memo = new Map<number, number>();
  for (let i = 0; i < qLen; i++) {
    for (let j = 0; j < kLen; j++) {
      const rel = j - (qStart + i);
      let b = memo.get(rel);
      if (b === undefined) {
        b = relativePositionBucket(rel, bidirectional, numBuckets, maxDistance);
        memo.set(rel, b);
      }
      out[i * kLen + j] = b;
    }
  }
  return out;
}

/**
 * The bias [1, heads, qLen, kLen] from a table [numBuckets, heads]; differentiable in the table
 * (its gradient runs on wasm too, see embeddingLookup).
 */
export function positionBias(
  table: tf.Tensor2D,
  qStart: number,
  qLen: number,
  kLen: number,
  bidirectional: boolean,
  maxDistance: number,
  opts: OpOptions = {},
): tf.Tensor4D {
  const [numBuckets, heads] = table.shape;
  return tf.tidy(() => {
    const ids = tf.tensor1d(bucketGrid(qStart, qLen, kLen, bidirectional, numBuckets, maxDistance), 'int32');
    const rows = embeddingLookup(table, ids, opts); // [qLen·kLen, heads]
    return tf.reshape(tf.transpose(rows), [1, heads, qLen, kLen]) as tf.Tensor4D;
  });
}

/** A large negative score for masked keys (transformers adds finfo.min; after softmax both give 0). */
export const MASKED = -1e9;

/** Additive padding mask [B, 1, 1, S] from a 0/1 attention mask [B, S]. */
export function paddingMask(attentionMask: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, s] = attentionMask.shape;
    const m = tf.cast(attentionMask, 'float32');
    return tf.reshape(tf.mul(tf.sub(1, m), MASKED), [b, 1, 1, s]) as tf.Tensor4D;
  });
}

/** Additive causal mask [1, 1, T, T]: query i sees keys j ≤ i. */
export function causalMask(t: number): tf.Tensor4D {
  const data = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) data[i * t + j] = MASKED;
  return tf.tensor4d(data, [1, 1, t, t]);
}
