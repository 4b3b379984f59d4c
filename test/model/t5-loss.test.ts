/** The label-smoothed loss against the fairseq/HyperFormer formula evaluated by hand in float64. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { seq2seqLoss } from '../../src/model/loss.js';
import { useTestBackend } from './t5-helpers.js';

before(async () => {
  await useTestBackend();
});

const LOGITS = [
  [1, 2, 3, -1],
  [0, 0, 0, 0],
  [2, -1, 0.5, 0.25],
  [-2, 4, 1, 0],
];
const LABELS = [2, -100, 0, 1];

/** fairseq label_smoothed_nll_loss: (1−ε)·nll + ε/V·Σ(−log p), pads (−100) dropped. */
function reference(eps: number, reduction: 'sum' | 'mean'): { loss: number; grad: number[][] } {
  let total = 0;
  let kept = 0;
  const grad = LOGITS.map((row) => row.map(() => 0));
  LOGITS.forEach((row, i) => {
    const y = LABELS[i]!;
    if (y === -100) return;
    kept++;
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
    const logp = row.map((x) => x - lse);
    const nll = -logp[y]!;
    const smooth = -logp.reduce((s, x) => s + x, 0);
    total += (1 - eps) * nll + (eps / row.length) * smooth;
    row.forEach((_, v) => {
      grad[i]![v] = Math.exp(logp[v]!) - ((v === y ? 1 - eps : 0) + eps / row.length);
    });
  });
  const scale = reduction === 'mean' ? 1 / kept : 1;
  return { loss: total * scale, grad: grad.map((r) => r.map((g) => g * scale)) };
}

for (const naive of [false, true]) {
  for (const eps of [0, 0.1]) {
    for (const reduction of ['sum', 'mean'] as const) {
      test(`loss and gradient: ε=${eps}, ${reduction}${naive ? ', naive' : ''}`, () => {
        const logits = tf.tensor3d([LOGITS], [1, 4, 4]);
        const labels = tf.tensor2d([LABELS], [1, 4], 'int32');
        const opts = { labelSmoothing: eps, reduction, naive };
        const want = reference(eps, reduction);
        const { value, grads } = tf.valueAndGrads((l: tf.Tensor) => seq2seqLoss(l, labels, opts))([logits]);
        try {
          assert.ok(Math.abs(value.dataSync()[0]! - want.loss) < 1e-5, `loss ${value.dataSync()[0]} vs ${want.loss}`);
          const g = grads[0]!.arraySync() as number[][][];
          g[0]!.forEach((row, i) => row.forEach((x, v) => assert.ok(Math.abs(x - want.grad[i]![v]!) < 1e-6, `grad[${i}][${v}] ${x} vs ${want.grad[i]![v]}`)));
        } finally {
          tf.dispose([logits, labels, value, ...grads]);
        }
      });
    }
  }
}

test('a batch with every label ignored gives 0, not NaN', () => {
  const l = tf.tidy(() => seq2seqLoss(tf.ones([1, 2, 5]), tf.tensor2d([[-100, -100]], [1, 2], 'int32'), { labelSmoothing: 0.1, reduction: 'mean' }).dataSync()[0]);
  assert.equal(l, 0);
});
