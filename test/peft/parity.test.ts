/**
 * End-to-end parity with the paper authors' own HyperLoader code (transformers 3.5 T5 with their
 * hypernetwork), on the tiny fixtures: encoder states, logits, loss and greedy ids for every task
 * and case — with the legacy cross-attention bias as their code runs, and with it switched off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fixturesDir, fixtureDirsFromEnv } from '../helpers/paths.js';
import { t5ConfigFromJson } from '../../src/model/config.js';
import { t5ModelFromTensors } from '../../src/model/checkpoint.js';
import { encode, decode } from '../../src/model/forward.js';
import { seq2seqLoss } from '../../src/model/loss.js';
import { greedyGenerate } from '../../src/model/generate.js';
import { PeftModel } from '../../src/peft/model.js';
import { loadHlFixture, maxAbsDiff, type JsonTensor } from './fixture.js';

const dirs = fixtureDirsFromEnv('HYPERLOADER_HL_FIXTURES', [join(fixturesDir, 'hyperloader-tiny'), join(fixturesDir, 'hyperloader-tiny-rf8')]);
const isPeftName = (n: string) => n.includes('.adapter_layers_hyper_net.') || n.startsWith('task_embedding_controller.');
const int2d = (t: JsonTensor) => tf.tensor2d(t.data, t.shape as [number, number], 'int32');

for (const dir of dirs) {
  test(`HyperLoader parity with the authors' code: ${dir}`, async () => {
    await tf.setBackend('cpu');
    const fx = await loadHlFixture(dir);
    const cfg = t5ConfigFromJson(fx.config, join(dir, 'config.json'));
    const tensors = new Map([...fx.state].map(([n, t]) => [n, { shape: t.shape, dtype: 'F32', data: t.data }]));
    const t5 = t5ModelFromTensors(cfg, tensors, join(dir, 'model.safetensors'), { ignoreExtra: isPeftName });
    assert.equal(t5.legacyCrossBias, true, 'the fixture carries the legacy cross-attention bias');
    const model = new PeftModel(t5, fx.plan, { values: fx.peft });
    const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')).cases;
    assert.ok(Array.isArray(cases) && cases.length > 0, `${dir}/cases.json holds no cases`);
    let compared = 0;
    for (const c of cases) {
      compared++;
      const inputIds = int2d(c.input_ids);
      const mask = int2d(c.attention_mask);
      const decIn = int2d(c.decoder_input_ids);
      const labels = int2d(c.labels);
      const run = (legacy: boolean) => {
        t5.legacyCrossBias = legacy;
        return tf.tidy(() => {
          const hooks = model.hooks(model.modules(c.task));
          const enc = encode(t5, inputIds, mask, { hooks });
          const logits = decode(t5, decIn, enc, mask, { hooks });
          const loss = seq2seqLoss(logits, labels, { labelSmoothing: 0, reduction: 'mean' });
          return { enc: enc.dataSync(), logits: logits.dataSync(), loss: loss.dataSync()[0] };
        });
      };
      const on = run(true);
      const dEnc = maxAbsDiff(on.enc, c.expected.encoder_last_hidden_state.data);
      const dLogits = maxAbsDiff(on.logits, c.expected.logits.data);
      assert.ok(dEnc < 1e-4, `${c.name}: encoder states max |Δ| = ${dEnc}`);
      assert.ok(dLogits < 1e-4, `${c.name}: logits max |Δ| = ${dLogits}`);
      const rel = Math.abs(on.loss - c.expected.loss) / Math.abs(c.expected.loss);
      assert.ok(rel < 1e-5, `${c.name}: loss ${on.loss} vs ${c.expected.loss} (rel ${rel})`);

      const frozen = model.frozenModules(c.task);
      const ids = await greedyGenerate(t5, inputIds, mask, { maxNewTokens: 10, hooks: frozen.hooks });
      frozen.release();
      const expectedIds = c.expected.greedy_ids as JsonTensor;
      const width = expectedIds.shape[1];
      const flat = ids.flatMap((row) => [...row, ...new Array(Math.max(0, width - row.length)).fill(0)].slice(0, width));
      assert.deepEqual(flat, expectedIds.data, `${c.name}: greedy ids`);

      const off = run(false);
      const dOff = maxAbsDiff(off.logits, c.expected_zero_cross_attention_bias.logits.data);
      assert.ok(dOff < 1e-4, `${c.name} (cross bias off): logits max |Δ| = ${dOff}`);
      const relOff = Math.abs(off.loss - c.expected_zero_cross_attention_bias.loss) / Math.abs(c.expected_zero_cross_attention_bias.loss);
      assert.ok(relOff < 1e-5, `${c.name} (cross bias off): loss rel ${relOff}`);
      tf.dispose([inputIds, mask, decIn, labels]);
    }
    assert.equal(compared, cases.length);
    model.dispose();
    t5.dispose();
  });
}
