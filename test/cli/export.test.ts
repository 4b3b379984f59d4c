/** `hyperloader export` on a run trained here (the imported-run case is in import-export.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../../src/model/safetensors.js';
import { cli, tinyConfig } from '../train/run-helpers.js';

test('export after train: PEFT names and layouts for the run\'s shape, the layer norms, and a note that the backbone trained too', async () => {
  const { file, runs } = tinyConfig();
  const tr = cli(['train', '--config', file, '--quiet', '--set', 'training.steps=2', '--set', 'eval.splits=[]']);
  assert.equal(tr.status, 0, tr.stderr);
  const runDir = join(runs, 'tiny');
  const ex = cli(['export', '--run', runDir, '--task', 'demo_ner']);
  assert.equal(ex.status, 0, ex.stderr);
  assert.match(ex.stdout, /note: this run also trained the backbone/);
  const out = join(runDir, 'export', 'demo_ner');
  const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
  assert.match(cfg.base_model_name_or_path, /^random-init/);
  // tinyConfig: d_model 16, 4 heads × d_kv 4, one layer per stack, LoRA r 8; PEFT: A [r, in], B [out, r].
  const lora = await readSafetensors(join(out, 'adapter_model.safetensors'));
  assert.equal(lora.size, (2 + 4) * 2);
  assert.deepEqual(lora.get('base_model.model.decoder.block.0.layer.1.EncDecAttention.v.lora_A.weight')!.shape, [8, 16]);
  assert.deepEqual(lora.get('base_model.model.decoder.block.0.layer.1.EncDecAttention.v.lora_B.weight')!.shape, [16, 8]);
  // The adapters (bottleneck 16/4 = 4) and every T5 RMSNorm scale: 2 + 1 encoder, 3 + 1 decoder.
  const plain = await readSafetensors(join(out, 'adapters.safetensors'));
  assert.deepEqual(plain.get('encoder.block.0.ffn_adapter.down.weight')!.shape, [4, 16]);
  assert.deepEqual(plain.get('encoder.block.0.ffn_adapter.up.weight')!.shape, [16, 4]);
  assert.equal([...plain.keys()].filter((n) => /layer_norm\.weight$/.test(n) && !n.includes('adapter')).length, 7);
  // The trained scales, not the initial ones (every RMSNorm starts at 1).
  const ln = plain.get('decoder.final_layer_norm.weight')!;
  assert.ok(ln.data.some((x) => x !== 1), 'the layer norms were trained');
});
