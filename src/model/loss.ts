/**
 * The seq2seq training loss: token cross-entropy over labels ≠ -100, with label smoothing as in
 * HyperFormer's (= fairseq's) `label_smoothed_nll_loss`, which the paper's code uses:
 *   loss_i = (1 − ε)·(−log p(y_i)) + (ε / V)·Σ_v (−log p(v))
 * summed over the kept tokens (the paper, SPEC §7) or averaged over them (`mean`). With ε = 0 and
 * `mean` this is transformers' CrossEntropyLoss(ignore_index=-100).
 *
 * The gradient is written out (softmax − target distribution) instead of differentiating through
 * log-softmax and a gather, so the backward pass is a few elementwise ops on one [N, V] tensor.
 */
import * as tf from '@tensorflow/tfjs';
import type { OpOptions } from './linear.js';
import { IGNORE_INDEX } from '../data/collate.js';
import { XENT_GRAD_KERNEL, XENT_KERNEL } from '../runtime/wasm-kernels.js';


export interface LossOptions extends OpOptions {
  labelSmoothing: number;
  reduction: 'sum' | 'mean';
}

/** logits [B, T, V] (or [N, V]); labels [B, T] (or [N]) int32 with -100 for ignored positions → scalar. */
export function seq2seqLoss(logits: tf.Tensor, labels: tf.Tensor, opts: LossOptions): tf.Scalar {
  const eps = opts.labelSmoothing;
  if (!(eps >= 0 && eps < 1)) throw new Error(`seq2seqLoss: labelSmoothing must be in [0, 1), got ${eps}`);
  const v = logits.shape[logits.shape.length - 1]!;
  return tf.tidy(() => {
    const logits2d = tf.reshape(logits, [-1, v]) as tf.Tensor2D;
    const flat = tf.reshape(tf.cast(labels, 'int32'), [-1]) as tf.Tensor1D;
    if (flat.shape[0] !== logits2d.shape[0]) {
      throw new Error(`seq2seqLoss: ${flat.shape[0]} labels for ${logits2d.shape[0]} logit rows`);
    }
    const keep = tf.cast(tf.notEqual(flat, IGNORE_INDEX), 'float32') as tf.Tensor1D; // [N]
    const safe = tf.where(tf.cast(keep, 'bool'), flat, tf.zerosLike(flat)) as tf.Tensor1D; // ignored → 0
    const count = tf.maximum(tf.sum(keep), 1);
    const scale = opts.reduction === 'mean' ? tf.div(1, count) : tf.scalar(1);
    if (opts.naive) return naiveLoss(logits2d, safe, keep, scale, eps, v);
    return fusedKernelsRegistered() ? fusedLoss(logits2d, safe, keep, scale, eps) : fastLoss(logits2d, safe, keep, scale, eps, v);
  });
}

function naiveLoss(logits: tf.Tensor2D, y: tf.Tensor1D, keep: tf.Tensor1D, scale: tf.Tensor, eps: number, v: number): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(y, v)), -1));
  const smooth = tf.neg(tf.sum(logp, -1));
  const perToken = tf.add(tf.mul(nll, 1 - eps), tf.mul(smooth, eps / v));
  return tf.mul(tf.sum(tf.mul(perToken, keep)), scale) as tf.Scalar;
}

/** Whether the active backend has the fused loss kernels (wasm, see src/runtime/wasm-kernels.ts). */
function fusedKernelsRegistered(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(XENT_KERNEL, backend) !== undefined && tf.getKernel(XENT_GRAD_KERNEL, backend) !== undefined;
}

/**
 * The same loss and gradient as fastLoss in two kernels: one pass over the logits for every
 * row's (loss, logsumexp), one that writes the gradient; no [N, V] temporaries besides it.
 */
function fusedLoss(logits: tf.Tensor2D, y: tf.Tensor1D, keep: tf.Tensor1D, scale: tf.Tensor, eps: number): tf.Scalar {
  const n = logits.shape[0];
  const f = tf.customGrad((lg, save) => {
    const l = lg as tf.Tensor2D;
    const rows = tf.engine().runKernel(XENT_KERNEL, { logits: l, labels: y }, { eps }) as tf.Tensor2D; // [N, 2]
    const [perToken, lse] = tf.split(rows, 2, 1).map((t) => tf.reshape(t, [n]));
    const weight = tf.mul(keep, scale); // [N]
    // Everything the gradient reads is saved: tensors of the enclosing tidy are gone by then.
    (save as tf.GradSaveFunc)([l, y, lse!, weight]);
    return {
      value: tf.sum(tf.mul(perToken!, weight)) as tf.Scalar,
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [sl, sy, slse, sw] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
          const s = tf.mul(sw, dy);
          return tf.engine().runKernel(XENT_GRAD_KERNEL, { logits: sl, labels: sy, lse: slse, scale: s }, { eps }) as tf.Tensor2D;
        }),
    };
  });
  return f(logits) as tf.Scalar;
}

function fastLoss(logits: tf.Tensor2D, y: tf.Tensor1D, keep: tf.Tensor1D, scale: tf.Tensor, eps: number, v: number): tf.Scalar {
  const n = logits.shape[0];
  const f = tf.customGrad((lg, save) => {
    const l = lg as tf.Tensor2D;
    const shifted = tf.sub(l, tf.max(l, -1, true));
    const e = tf.exp(shifted); // kept for the backward pass: softmax = e / s
    const s = tf.sum(e, -1, true); // [N, 1]
    const lse = tf.reshape(tf.log(s), [n]);
    // −log p(y) = lse − shifted[y] (a forward-only gather), Σ_v −log p(v) = V·lse − Σ shifted.
    const flatIndex = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(v, 'int32')), y);
    const nll = tf.sub(lse, tf.gather(tf.reshape(shifted, [-1]), flatIndex));
    const smooth = tf.sub(tf.mul(lse, v), tf.sum(shifted, -1));
    const perToken = tf.add(tf.mul(nll, 1 - eps), tf.mul(smooth, eps / v));
    const weight = tf.mul(keep, scale); // [N]
    (save as tf.GradSaveFunc)([e, s, weight, y]);
    return {
      value: tf.sum(tf.mul(perToken, weight)) as tf.Scalar,
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [se, ss, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
          // d/dlogits = weight·(softmax − ((1−ε)·onehot + ε/V)), times the upstream scalar.
          // (oneHot's onValue/dtype arguments are ignored by the wasm kernel: scale after the cast.)
          const target = tf.add(tf.mul(tf.cast(tf.oneHot(sy, v), 'float32'), 1 - eps), eps / v);
          const g = tf.sub(tf.div(se, ss), target);
          return tf.mul(g, tf.reshape(tf.mul(sw, dy), [-1, 1]));
        }),
    };
  });
  return f(logits) as tf.Scalar;
}
