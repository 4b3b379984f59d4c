/** Loading and saving Hugging Face T5 checkpoints: errors name the tensor and the file; round trips are exact. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadT5Checkpoint, saveT5Checkpoint } from '../../src/model/checkpoint.js';
import { readSafetensors, writeSafetensors } from '../../src/model/safetensors.js';
import { T5Model } from '../../src/model/t5-model.js';
import { LEGACY_CROSS_BIAS } from '../../src/model/params.js';
import { encode, decode } from '../../src/model/forward.js';
import { HyperloaderError } from '../../src/errors.js';
import { fixturesDir } from '../helpers/paths.js';
import { maxAbsDiff, tinyConfig, useTestBackend } from './t5-helpers.js';

const RELU = join(fixturesDir, 't5-tiny-relu');
const tmpDirs: string[] = [];

before(async () => {
  await useTestBackend();
});

process.on('exit', () => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'hl-t5-ckpt-'));
  tmpDirs.push(d);
  return d;
}

/** A copy of the relu fixture with its tensors edited. */
async function editedCheckpoint(edit: (t: Map<string, { shape: number[]; data: Float32Array }>) => void): Promise<string> {
  const dir = tmp();
  copyFileSync(join(RELU, 'config.json'), join(dir, 'config.json'));
  const raw = await readSafetensors(join(RELU, 'model.safetensors'));
  const tensors = new Map([...raw].map(([n, t]) => [n, { shape: t.shape, data: t.data as Float32Array }]));
  edit(tensors);
  await writeSafetensors(join(dir, 'model.safetensors'), Object.fromEntries(tensors));
  return dir;
}

async function rejects(p: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof HyperloaderError, `not a HyperloaderError: ${String(e)}`);
    for (const re of patterns) assert.match(e.message, re);
    return true;
  });
}

const escaped = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

test('a missing tensor is an error naming the tensor and the file', async () => {
  const name = 'decoder.block.1.layer.1.EncDecAttention.k.weight';
  const dir = await editedCheckpoint((t) => t.delete(name));
  await rejects(loadT5Checkpoint(dir), escaped(join(dir, 'model.safetensors')), escaped(`"${name}"`), /missing tensor/);
});

test('a tensor of the wrong shape is an error naming the tensor, the file and both shapes', async () => {
  const name = 'encoder.block.0.layer.1.DenseReluDense.wi.weight';
  const dir = await editedCheckpoint((t) => t.set(name, { shape: [32, 64], data: new Float32Array(32 * 64) }));
  await rejects(loadT5Checkpoint(dir), escaped(join(dir, 'model.safetensors')), escaped(`"${name}"`), /\[32, 64\].*\[64, 32\]/);
});

test('unexpected tensors are an error unless the caller accepts them', async () => {
  const dir = await editedCheckpoint((t) => t.set('encoder.adapter.weight', { shape: [2], data: new Float32Array(2) }));
  await rejects(loadT5Checkpoint(dir), /unexpected tensor "encoder\.adapter\.weight"/, escaped(join(dir, 'model.safetensors')));
  const model = await loadT5Checkpoint(dir, { ignoreExtra: (n) => n.includes('adapter') });
  model.dispose();
});

test('missing files are clear errors (config.json; model.safetensors, with a hint for pytorch_model.bin)', async () => {
  const empty = tmp();
  await rejects(loadT5Checkpoint(empty), escaped(join(empty, 'config.json')), /config\.json and model\.safetensors/);
  copyFileSync(join(RELU, 'config.json'), join(empty, 'config.json'));
  await rejects(loadT5Checkpoint(empty), escaped(join(empty, 'model.safetensors')), /not found/);
  writeFileSync(join(empty, 'pytorch_model.bin'), 'x');
  await rejects(loadT5Checkpoint(empty), /pytorch_model\.bin/, /safe_serialization=True/);
  writeFileSync(join(empty, 'config.json'), '{ not json');
  await rejects(loadT5Checkpoint(empty), /config\.json is not valid JSON/);
});

test('a truncated model.safetensors fails before any model is built', async () => {
  const dir = await editedCheckpoint(() => {});
  const file = join(dir, 'model.safetensors');
  truncateSync(file, statSync(file).size - 1000);
  await rejects(loadT5Checkpoint(dir), escaped(file));
});

test('only one tied copy of the embedding (encoder.embed_tokens) is enough', async () => {
  const dir = await editedCheckpoint((t) => {
    t.delete('shared.weight');
    t.delete('decoder.embed_tokens.weight');
    t.delete('lm_head.weight');
  });
  const a = await loadT5Checkpoint(dir);
  const b = await loadT5Checkpoint(RELU);
  try {
    assert.equal(maxAbsDiff(a.p('shared.weight'), b.p('shared.weight')), 0);
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('save → load round trip is exact (weights and outputs), in HF layout', async () => {
  const cfg = tinyConfig({ feed_forward_proj: 'gated-gelu', tie_word_embeddings: false });
  const model = T5Model.random(cfg, 21);
  const dir = tmp();
  await saveT5Checkpoint(dir, model);
  const back = await loadT5Checkpoint(dir);
  const ids = tf.tensor2d([[4, 5, 6, 1]], [1, 4], 'int32');
  const mask = tf.ones([1, 4], 'int32') as tf.Tensor2D;
  try {
    for (const [name, v] of model.params) assert.equal(maxAbsDiff(back.p(name), v), 0, name);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.feed_forward_proj, 'gated-gelu');
    assert.equal(config.model_type, 't5');
    // HF stores nn.Linear weights [out, in]: wi_0 maps d_model 16 → d_ff 24.
    const file = await readSafetensors(join(dir, 'model.safetensors'));
    assert.deepEqual(file.get('encoder.block.0.layer.1.DenseReluDense.wi_0.weight')?.shape, [24, 16]);
    assert.deepEqual(file.get('lm_head.weight')?.shape, [64, 16]);
    const l1 = tf.tidy(() => decode(model, ids, encode(model, ids, mask), mask));
    const l2 = tf.tidy(() => decode(back, ids, encode(back, ids, mask), mask));
    assert.equal(maxAbsDiff(l1, l2), 0);
    tf.dispose([l1, l2]);
  } finally {
    tf.dispose([ids, mask]);
    model.dispose();
    back.dispose();
  }
});

test('legacy cross-attention bias: auto-detected from the checkpoint, can be forced off, "on" needs the tensor', async () => {
  const dir = await editedCheckpoint((t) => t.set(LEGACY_CROSS_BIAS, { shape: [8, 4], data: new Float32Array(32).map((_, i) => (i % 7) - 3) }));
  const auto = await loadT5Checkpoint(dir);
  assert.equal(auto.legacyCrossBias, true);
  assert.ok(auto.params.has(LEGACY_CROSS_BIAS));
  auto.legacyCrossBias = false; // switchable at run time
  assert.equal(auto.legacyCrossBias, false);
  auto.dispose();
  const off = await loadT5Checkpoint(dir, { legacyCrossBias: 'off' });
  assert.equal(off.legacyCrossBias, false);
  assert.ok(!off.params.has(LEGACY_CROSS_BIAS));
  assert.throws(() => {
    off.legacyCrossBias = true;
  }, /no decoder\.block\.0\.layer\.1\.EncDecAttention\.relative_attention_bias\.weight/);
  off.dispose();
  const plain = await loadT5Checkpoint(RELU);
  assert.equal(plain.legacyCrossBias, false);
  plain.dispose();
  await rejects(loadT5Checkpoint(RELU, { legacyCrossBias: 'on' }), /legacy_cross_attention_bias is "on"/, escaped(LEGACY_CROSS_BIAS));
});
