/** The few tensor ops the generated modules need, beyond what the T5 model file provides. */
import * as tf from '@tensorflow/tfjs';

/** gelu with the tanh approximation ("gelu_new"), as the authors' adapters use: the model's own. */
export { geluNew as geluTanh } from '../model/ops.js';

/** Standard LayerNorm over the last axis (mean and biased variance), with given γ and β. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
  });
}
