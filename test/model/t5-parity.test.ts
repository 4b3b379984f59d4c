/**
 * Parity with Hugging Face transformers' T5 (PyTorch) on the tiny fixtures: encoder states and
 * logits within 1e-4, loss within 1e-5 relative, greedy ids identical (cached and uncached).
 * Any directory of the same layout can be checked via HYPERLOADER_T5_FIXTURES.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadT5Checkpoint } from '../../src/model/checkpoint.js';
import { encode, decode } from '../../src/model/forward.js';
import { seq2seqLoss } from '../../src/model/loss.js';
import { greedyGenerate, greedyGenerateUncached } from '../../src/model/generate.js';
import { maxAbsDiff, readCases, rowsOf, t5FixtureDirs, toTensor, useTestBackend } from './t5-helpers.js';

before(async () => {
  await useTestBackend();
});

for (const dir of t5FixtureDirs()) {
  test(`T5 parity with transformers: ${basename(dir)}`, async (t) => {
    const model = await loadT5Checkpoint(dir);
    try {
      for (const c of readCases(dir)) {
        await t.test(c.name, async () => {
          const [ids, mask, dec, labels] = [c.input_ids, c.attention_mask, c.decoder_input_ids, c.labels].map(toTensor) as tf.Tensor2D[];
          const enc = encode(model, ids!, mask!);
          const logits = decode(model, dec!, enc, mask!);
          const loss = seq2seqLoss(logits, labels!, { labelSmoothing: 0, reduction: 'mean' });
          try {
            const dEnc = maxAbsDiff(enc, c.expected.encoder_last_hidden_state);
            const dLogits = maxAbsDiff(logits, c.expected.logits);
            assert.ok(dEnc <= 1e-4, `encoder_last_hidden_state max |Δ| = ${dEnc}`);
            assert.ok(dLogits <= 1e-4, `logits max |Δ| = ${dLogits}`);
            const l = loss.dataSync()[0]!;
            const rel = Math.abs(l - c.expected.loss) / Math.abs(c.expected.loss);
            assert.ok(rel <= 1e-5, `loss ${l} vs ${c.expected.loss} (relative ${rel})`);
            const want = rowsOf(c.expected.greedy_ids);
            // The fixtures' convention: generate(max_new_tokens=10).
            assert.deepEqual(await greedyGenerate(model, ids!, mask!, { maxNewTokens: 10 }), want, 'cached greedy ids');
            assert.deepEqual(await greedyGenerateUncached(model, ids!, mask!, { maxNewTokens: 10 }), want, 'uncached greedy ids');
          } finally {
            tf.dispose([ids!, mask!, dec!, labels!, enc, logits, loss]);
          }
        });
      }
    } finally {
      model.dispose();
    }
  });
}
