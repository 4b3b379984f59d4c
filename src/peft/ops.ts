/** The few tensor ops the generated modules need, beyond what the T5 model file provides. */
import * as tf from '@tensorflow/tfjs';
import { matMul2d } from '../model/linear.js';

/** gelu with the tanh approximation ("gelu_new"), as the authors' adapters use: the model's own. */
export { geluNew as geluTanh } from '../model/ops.js';

/** Standard LayerNorm over the last axis (mean and biased variance), with given γ and β. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
  });
}

/**
 * Plain 2-D x·W. One place to route the peft matmuls through the model's transpose-free
 * custom-gradient matmul (wasm is slow at transposed matmuls).
 */
export function matmul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMul2d(a, b);
}
