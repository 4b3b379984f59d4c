import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fixturesDir } from '../helpers/paths.js';
import { generateModules } from '../../src/peft/hypernetwork.js';
import { exportPeftAdapter } from '../../src/peft/export.js';
import { readSafetensors } from '../../src/model/safetensors.js';
import { loadHlFixture, maxAbsDiff } from './fixture.js';

test('export: one task as a PEFT LoRA adapter (PEFT names and [r,in]/[out,r] layouts) plus adapters', async () => {
  await tf.setBackend('cpu');
  const dir = join(fixturesDir, 'hyperloader-tiny-rf8');
  const fx = await loadHlFixture(dir);
  const generated = JSON.parse(readFileSync(join(dir, 'generated.json'), 'utf8'));
  const ref = generated.per_task.find((t: any) => t.task === 'task_b');
  const out = mkdtempSync(join(tmpdir(), 'hl-export-'));
  const mods = generateModules(fx.peft, fx.plan, 'task_b');
  await exportPeftAdapter(mods, fx.plan, { outDir: out, task: 'task_b', baseModel: 't5-tiny-relu' });

  const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
  assert.equal(cfg.peft_type, 'LORA');
  assert.equal(cfg.r, 8);
  assert.equal(cfg.lora_alpha, 8);
  assert.deepEqual(cfg.target_modules, ['q', 'v']);

  const lora = await readSafetensors(join(out, 'adapter_model.safetensors'));
  // 2 encoder layers × (q, v) + 2 decoder layers × (self q, v, cross q, v), each A and B.
  assert.equal(lora.size, (2 * 2 + 2 * 4) * 2);
  const A = lora.get('base_model.model.decoder.block.1.layer.1.EncDecAttention.v.lora_A.weight')!;
  const B = lora.get('base_model.model.decoder.block.1.layer.1.EncDecAttention.v.lora_B.weight')!;
  assert.deepEqual(A.shape, ref.stacks.decoder[1].lora_cross_v.A.shape);
  assert.ok(maxAbsDiff(A.data, ref.stacks.decoder[1].lora_cross_v.A.data) < 1e-5);
  assert.ok(maxAbsDiff(B.data, ref.stacks.decoder[1].lora_cross_v.B.data) < 1e-5);
  const q = lora.get('base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_A.weight')!;
  assert.ok(maxAbsDiff(q.data, ref.stacks.encoder[0].lora_self_q.A.data) < 1e-5);

  const adapters = await readSafetensors(join(out, 'adapters.safetensors'));
  const down = adapters.get('encoder.block.1.ffn_adapter.down.weight')!;
  assert.deepEqual(down.shape, ref.stacks.encoder[1].ff_adapter.W_down.shape);
  assert.ok(maxAbsDiff(down.data, ref.stacks.encoder[1].ff_adapter.W_down.data) < 1e-5);
  const gamma = adapters.get('decoder.block.0.self_attn_adapter.layer_norm.weight')!;
  assert.ok(maxAbsDiff(gamma.data, ref.stacks.decoder[0].self_attn_adapter.gamma.data) < 1e-5);
});
