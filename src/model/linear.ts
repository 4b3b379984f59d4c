/**
 * Matrix products with custom gradients: frozen weights (non-trainable tf.Variables) get no weight
 * gradient at all, and their transpose is cached across steps (see TransposeCache), so the
 * backward pass of a frozen layer is one plain product. The other gradient products pass
 * transposeA/transposeB: on wasm, src/runtime/wasm-kernels.ts runs them on its SIMD kernel
 * (tfjs-backend-wasm alone ran them as a scalar loop, 10–40× slower, hence the explicit transposes
 * these functions used to make); tfjs-node takes the flags natively.
 */
import * as tf from '@tensorflow/tfjs';

/** Options every hot-path op takes: `naive` selects plain tfjs calls (for benchmarks and cross-checks). */
export interface OpOptions {
  naive?: boolean;
}

/**
 * Transposes of frozen weights, kept across steps. A cached entry is only reused while the
 * variable still holds the same data (tf.Variable.assign swaps the dataId), so an assign can never
 * leave a stale transpose behind.
 */
export class TransposeCache {
  private readonly entries = new Map<tf.Tensor, { dataId: object; t: tf.Tensor2D }>();

  get(w: tf.Tensor2D): tf.Tensor2D {
    const hit = this.entries.get(w);
    if (hit && hit.dataId === w.dataId) return hit.t;
    hit?.t.dispose();
    const t = tf.keep(tf.tidy(() => tf.transpose(w)));
    this.entries.set(w, { dataId: w.dataId, t });
    return t;
  }

  /** Number of cached tensors (for memory accounting in tests). */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const e of this.entries.values()) e.t.dispose();
    this.entries.clear();
  }
}

function isFrozen(w: tf.Tensor): boolean {
  return w instanceof tf.Variable && !w.trainable;
}

/**
 * Whether tfjs is recording a gradient tape right now. Outside tf.grad/variableGrads the custom
 * gradients buy nothing and cost a scope per op, so the ops take the plain forward path. Reads
 * engine state that tfjs does not document; if that ever disappears, the answer is "recording",
 * which is always correct, only slower.
 */
export function isRecording(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: unknown } }).state;
  return typeof state?.gradientDepth === 'number' ? state.gradientDepth > 0 : true;
}

/** a·b for 2-D tensors, both differentiable, with a transpose-free backward. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D, opts: OpOptions = {}): tf.Tensor2D {
  if (opts.naive || !isRecording()) return tf.matMul(a, b);
  return fastMatMul(a, b) as tf.Tensor2D;
}

const fastMatMul = tf.customGrad((a, b, save) => {
  const A = a as tf.Tensor2D;
  const B = b as tf.Tensor2D;
  (save as tf.GradSaveFunc)([A, B]);
  return {
    value: tf.matMul(A, B),
    gradFunc: (dy, saved) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      // dA = dy·Bᵀ, dB = Aᵀ·dy.
      return [tf.matMul(g, sb, false, true), tf.matMul(sa, g, true, false)];
    },
  };
});

/**
 * x·W for a parameter W stored `[in, out]`. A frozen W (a non-trainable tf.Variable) only passes
 * the gradient on to x, using the cached Wᵀ when a cache is given.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, opts: OpOptions & { cache?: TransposeCache } = {}): tf.Tensor2D {
  if (opts.naive || !isRecording()) return tf.matMul(x, w);
  if (!isFrozen(w)) return fastMatMul(x, w) as tf.Tensor2D;
  const cache = opts.cache;
  const f = tf.customGrad((xi, save) => {
    (save as tf.GradSaveFunc)([]);
    return {
      value: tf.matMul(xi as tf.Tensor2D, w),
      gradFunc: (dy) => tf.tidy(() => tf.matMul(dy as tf.Tensor2D, cache ? cache.get(w) : tf.transpose(w))),
    };
  });
  return f(x) as tf.Tensor2D;
}

/**
 * x·Eᵀ for the tied LM head, E = shared.weight `[vocab, d_model]`. Forward uses a (cached when
 * frozen) Eᵀ; backward dx = dy·E is already plain, and dE = dyᵀ·x only when E is trainable.
 */
export function linearTransposed(x: tf.Tensor2D, e: tf.Tensor2D, opts: OpOptions & { cache?: TransposeCache } = {}): tf.Tensor2D {
  if (opts.naive) return tf.matMul(x, e, false, true);
  const cache = opts.cache;
  if (!isRecording()) {
    return tf.tidy(() => tf.matMul(x, cache && isFrozen(e) ? cache.get(e) : tf.transpose(e)));
  }
  if (isFrozen(e)) {
    const f = tf.customGrad((xi, save) => {
      (save as tf.GradSaveFunc)([]);
      return {
        value: tf.tidy(() => tf.matMul(xi as tf.Tensor2D, cache ? cache.get(e) : tf.transpose(e))),
        gradFunc: (dy) => tf.matMul(dy as tf.Tensor2D, e),
      };
    });
    return f(x) as tf.Tensor2D;
  }
  return fastMatMulBT(x, e) as tf.Tensor2D;
}

const fastMatMulBT = tf.customGrad((a, b, save) => {
  const A = a as tf.Tensor2D;
  const B = b as tf.Tensor2D;
  (save as tf.GradSaveFunc)([A, B]);
  return {
    value: tf.matMul(A, tf.transpose(B)),
    gradFunc: (dy, saved) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, sb), tf.matMul(g, sa, true, false)];
    },
  };
});
