/** The elementwise and lookup ops of T5: embedding lookup, RMSNorm, gelu_new, seeded dropout. */
import * as tf from '@tensorflow/tfjs';
import { isRecording, type OpOptions } from './linear.js';
import { DROPOUT_MASK_KERNEL, fillDropoutMask } from '../runtime/dropout-mask.js';

/**
 * Rows of `table` [rows, dim] at `ids` (int32, 1-D). tf.gather has no gradient on wasm (its
 * gradient needs UnsortedSegmentSum, which wasm lacks), so the gradient here is a scatterND,
 * which sums the rows of repeated ids and runs on every backend. The naive path is the one-hot
 * matmul a straightforward port falls back to.
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D, opts: OpOptions = {}): tf.Tensor2D {
  if (opts.naive) {
    return tf.tidy(() => tf.matMul(tf.oneHot(ids, table.shape[0]).toFloat(), table));
  }
  if (!isRecording()) return tf.gather(table, ids);
  const f = tf.customGrad((t, save) => {
    (save as tf.GradSaveFunc)([ids]);
    return {
      value: tf.gather(t as tf.Tensor2D, ids),
      gradFunc: (dy, saved) => {
        const [sid] = saved as [tf.Tensor1D];
        return tf.tidy(() => tf.scatterND(tf.reshape(sid, [-1, 1]), dy as tf.Tensor2D, table.shape));
      },
    };
  });
  return f(table) as tf.Tensor2D;
}

/**
 * T5LayerNorm: x·r·w with r = rsqrt(mean(x²) + eps) over the last axis; no mean subtraction, no
 * bias. The written-out gradient keeps only x and r [N, 1] for the backward pass (autodiff through
 * the composed ops would keep several [N, D] intermediates and their gradients per norm):
 *   dx = r·(dy⊙w) − x·r³·mean(dy⊙w⊙x),   dw = Σ_rows dy⊙x·r.
 */
export function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D, eps: number, opts: OpOptions = {}): tf.Tensor2D {
  if (opts.naive || !isRecording()) {
    return tf.tidy(() => {
      const variance = tf.mean(tf.square(x), -1, true);
      return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight) as tf.Tensor2D;
    });
  }
  return fastRmsNorm(eps)(x, weight) as tf.Tensor2D;
}

const fastRmsNorm = (eps: number) =>
  tf.customGrad((xi, wi, save) => {
    const x = xi as tf.Tensor2D;
    const w = wi as tf.Tensor1D;
    const r = tf.tidy(() => tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps)));
    (save as tf.GradSaveFunc)([x, r, w]);
    return {
      value: tf.tidy(() => tf.mul(tf.mul(x, r), w)),
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [sx, sr, sw] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          const g = dy as tf.Tensor2D;
          const gw = tf.mul(g, sw);
          const m = tf.mean(tf.mul(gw, sx), -1, true);
          const dx = tf.sub(tf.mul(gw, sr), tf.mul(sx, tf.mul(tf.pow(sr, 3), m)));
          const dw = tf.sum(tf.mul(g, tf.mul(sx, sr)), 0);
          return [dx, dw];
        }),
    };
  });

/** gelu with the tanh approximation (transformers' "gelu_new", used by T5 v1.1's gated FFN). */
export function geluNew(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(tf.square(x), x))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/**
 * Seeded dropout masks. Each call to `apply` draws the next mask of a reproducible stream (the
 * same seed gives the same masks in the same order), generated in JS with a small counter-based
 * hash because tf.randomUniform's seeded generator is several times slower for large tensors.
 */
export class DropoutStream {
  private counter = 0;

  constructor(
    readonly rate: number,
    readonly seed: number,
  ) {}

  apply<T extends tf.Tensor>(x: T): T {
    if (this.rate === 0) return x;
    return tf.tidy(() => tf.mul(x, this.mask(x.shape))) as T;
  }

  private mask(shape: number[]): tf.Tensor {
    const counter = ++this.counter;
    // On wasm a kernel writes the mask straight into the heap (no JavaScript array to allocate,
    // copy in and collect per call); the values are the same everywhere.
    if (tf.getKernel(DROPOUT_MASK_KERNEL, tf.getBackend())) {
      return tf.engine().runKernel(DROPOUT_MASK_KERNEL, {}, { shape, rate: this.rate, seed: this.seed, counter }) as tf.Tensor;
    }
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    fillDropoutMask(data, this.rate, this.seed, counter);
    return tf.tensor(data, shape, 'float32');
  }
}
