/** The few tensor ops the generated modules need, beyond what the T5 model file provides. */
import * as tf from '@tensorflow/tfjs';

/** Standard LayerNorm over the last axis (mean and biased variance), with given γ and β. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
  });
}
