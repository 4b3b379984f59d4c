/**
 * Importing a state dict saved by the paper authors' own code (the hyperloader-tiny fixtures: their
 * HyperLoader on a tiny T5): the run it creates must compute the authors' logits, and every
 * mismatch between the file and the config must be a clear error naming the tensor or the task.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fixturesDir, fixtureDirsFromEnv } from '../helpers/paths.js';
import { loadConfig } from '../../src/config/load.js';
import { HyperloaderError } from '../../src/errors.js';
import { createLogger } from '../../src/runtime/logger.js';
import { encode, decode } from '../../src/model/forward.js';
import { seq2seqLoss } from '../../src/model/loss.js';
import { readSafetensors, writeSafetensors } from '../../src/model/safetensors.js';
import { buildWordLevelTokenizer } from '../../src/tokenizer/word-level.js';
import { prepareRun } from '../../src/train/prepare.js';
import { openRun } from '../../src/train/runs.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { importAuthorRun } from '../../src/train/import-author.js';

const logger = createLogger({ level: 'silent' });
const dirs = fixtureDirsFromEnv('HYPERLOADER_HL_FIXTURES', [join(fixturesDir, 'hyperloader-tiny'), join(fixturesDir, 'hyperloader-tiny-rf8')]);

/** A few seq.in/seq.out sentences per split (the model is random: only the plumbing is tested). */
const SENTENCES = [
  ['show me flights from boston to denver', 'O O O O B-fromloc O B-toloc'],
  ['list fares to atlanta', 'O O O B-toloc'],
  ['flights from denver', 'O O B-fromloc'],
  ['show fares from boston to new york', 'O O O B-fromloc O B-toloc I-toloc'],
];

/**
 * A config for a fixture directory: its tasks as custom seqio datasets, a word-level tokenizer that
 * fits the fixture's 128-id vocabulary, and `model` as given (default: the fixture's T5 shape as
 * random_init, i.e. the backbone comes from the file).
 */
function writeImportSetup(fixture: string, opts: { model?: string; peft?: string; tasks?: string[] } = {}): { dir: string; configFile: string; runs: string } {
  const fx = JSON.parse(readFileSync(join(fixture, 'config.json'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'hl-import-'));
  const tasks: string[] = opts.tasks ?? fx.hyperloader.tasks;
  for (const task of tasks) {
    for (const split of ['train', 'dev', 'test']) {
      const d = join(dir, 'data', task, split);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'seq.in'), SENTENCES.map((s) => s[0]).join('\n') + '\n');
      writeFileSync(join(d, 'seq.out'), SENTENCES.map((s) => s[1]).join('\n') + '\n');
    }
  }
  const sbio = SENTENCES.map(([, tags]) => tags.split(' ').map((t) => (t === 'O' ? 'O' : t.startsWith('I-') ? 'I' : t.slice(2))));
  const tok = buildWordLevelTokenizer([...SENTENCES.map(([w]) => w.split(' ')), ...sbio]);
  assert.ok(tok.vocabSize <= fx.vocab_size, `tokenizer ${tok.vocabSize} ids > the fixture's ${fx.vocab_size}`);
  const tokenizer = join(dir, 'tokenizer.json');
  writeFileSync(tokenizer, JSON.stringify(tok.toJson()));
  const runs = join(dir, 'runs');
  const shape = `{ vocab_size: ${fx.vocab_size}, d_model: ${fx.d_model}, d_kv: ${fx.d_kv}, d_ff: ${fx.d_ff}, num_layers: ${fx.num_layers}, num_decoder_layers: ${fx.num_decoder_layers}, num_heads: ${fx.num_heads}, relative_attention_num_buckets: ${fx.relative_attention_num_buckets}, dropout_rate: 0.0 }`;
  const configFile = join(dir, 'authors.yaml');
  writeFileSync(
    configFile,
    `experiment: { name: authors, seed: 3, runs_dir: ${runs}, backend: cpu }
model:
${opts.model ?? `  random_init: ${shape}`}
  tokenizer: ${tokenizer}
peft:
${opts.peft ?? `  variant: hyperloader
  adapter: { reduction_factor: ${fx.hyperloader.reduction_factor} }
  lora: { rank: ${fx.hyperloader.lora_rank_r}, alpha: ${fx.hyperloader.lora_alpha} }`}
data:
  tasks:
${tasks.map((t) => `    - { name: ${t}, custom: { format: seqio, train: ${join(dir, 'data', t, 'train')}, dev: ${join(dir, 'data', t, 'dev')}, test: ${join(dir, 'data', t, 'test')} } }`).join('\n')}
eval: { splits: [dev, test], batch_size: 8, max_decode_length: 12 }
`,
  );
  return { dir, configFile, runs };
}

async function importFixture(fixture: string, configFile: string, authorsFile = join(fixture, 'model.safetensors')) {
  const { config } = await loadConfig(configFile);
  return importAuthorRun({ authorsFile, config, configSource: configFile, logger });
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const int2d = (t: { shape: number[]; data: number[] }) => tf.tensor2d(t.data, t.shape as [number, number], 'int32');

/** Loads the run as eval does and checks every fixture case's logits and loss. */
async function checkRunAgainstCases(runDir: string, fixture: string, expectedKey: 'expected' | 'expected_zero_cross_attention_bias') {
  const { config } = await openRun(runDir);
  const run = await prepareRun(config, logger);
  try {
    await loadCheckpoint(runDir, 'last', run.model, null, run.backbone);
    const cases = JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')).cases;
    assert.ok(Array.isArray(cases) && cases.length > 0, `${fixture}/cases.json holds no cases`);
    for (const c of cases) {
      const [ids, mask, decIn, labels] = [c.input_ids, c.attention_mask, c.decoder_input_ids, c.labels].map(int2d);
      const { logits, loss } = tf.tidy(() => {
        const hooks = run.model.hooks(run.model.modules(c.task));
        const enc = encode(run.model.t5, ids, mask, { hooks });
        const out = decode(run.model.t5, decIn, enc, mask, { hooks });
        return { logits: out.dataSync(), loss: seq2seqLoss(out, labels, { labelSmoothing: 0, reduction: 'mean' }).dataSync()[0] };
      });
      tf.dispose([ids, mask, decIn, labels]);
      const d = maxAbsDiff(logits, c[expectedKey].logits.data);
      assert.ok(d < 1e-4, `${fixture} ${c.name}: logits max |Δ| = ${d}`);
      const rel = Math.abs(loss - c[expectedKey].loss) / Math.abs(c[expectedKey].loss);
      assert.ok(rel < 1e-5, `${fixture} ${c.name}: loss ${loss} vs ${c[expectedKey].loss}`);
    }
  } finally {
    run.model.dispose();
    run.model.t5.dispose();
  }
}

for (const fixture of dirs) {
  test(`import (backbone from the file): the run reproduces the authors' logits — ${fixture}`, async () => {
    const { configFile, runs } = writeImportSetup(fixture);
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const r = await importFixture(fixture, configFile);
    assert.equal(tf.memory().numTensors, before, 'import frees every tensor it made');
    assert.equal(r.runDir, join(runs, 'authors'));
    for (const f of ['config.yaml', 'run.json', 'checkpoints/last/params.safetensors', 'checkpoints/last/state.json', 'backbone/config.json', 'backbone/model.safetensors']) {
      assert.ok(existsSync(join(r.runDir, f)), `${f} missing`);
    }
    assert.ok(!existsSync(join(r.runDir, 'checkpoints/last/optimizer.safetensors')), 'no optimizer moments');
    const info = JSON.parse(readFileSync(join(r.runDir, 'run.json'), 'utf8'));
    assert.equal(info.status, 'imported');
    const saved = (await openRun(r.runDir)).config;
    assert.equal(saved.model.checkpoint, join(r.runDir, 'backbone'));
    assert.equal(saved.model.random_init, undefined);

    // The checkpoint holds what the authors trained (their freezing_params): the PEFT parameters and the T5 layer norms.
    const mapping = JSON.parse(readFileSync(join(fixture, 'mapping.json'), 'utf8')).parameters as { name: string; trainable: boolean }[];
    const params = await readSafetensors(join(r.runDir, 'checkpoints/last/params.safetensors'));
    assert.deepEqual([...params.keys()].sort(), mapping.filter((p) => p.trainable).map((p) => p.name).sort());
    // The authors' own count of what they train (mapping.json, from their freezing_params).
    const counts = JSON.parse(readFileSync(join(fixture, 'mapping.json'), 'utf8')).parameter_counts_this_fixture;
    assert.equal(r.trainable, counts.trainable);
    assert.equal(r.total, counts.total_unique);

    await checkRunAgainstCases(r.runDir, fixture, 'expected');
  });
}

const tiny = join(fixturesDir, 'hyperloader-tiny');

/** A copy of a checkpoint directory, its config.json edited and (optionally) one weight changed. */
async function copyCheckpoint(from: string, edit: Record<string, unknown>, bump?: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hl-ckpt-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(from, 'config.json'), 'utf8')), ...edit }));
  if (!bump) copyFileSync(join(from, 'model.safetensors'), join(dir, 'model.safetensors'));
  else {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [n, t] of await readSafetensors(join(from, 'model.safetensors'))) out[n] = { shape: t.shape, data: Float32Array.from(t.data) };
    out[bump].data[5] += 0.01;
    await writeSafetensors(join(dir, 'model.safetensors'), out, { format: 'pt' });
  }
  return dir;
}

test('import against a pretrained checkpoint: the frozen weights are checked; the 3.x specifics need decisions', async () => {
  // The fixture's backbone is bit-identical to t5-tiny-relu, a transformers 4.x checkpoint: its
  // config says relative_attention_max_distance 20 (3.5 hard-codes 128), and it has no 3.x
  // cross-attention bias, which the authors' file carries.
  const hf = join(fixturesDir, 't5-tiny-relu');
  const as4x = writeImportSetup(tiny, { model: `  checkpoint: ${hf}` });
  await assert.rejects(importFixture(tiny, as4x.configFile), /relative_attention_max_distance .* is 20, but the authors' code .* hard-codes 128/);

  const ckpt = await copyCheckpoint(hf, { relative_attention_max_distance: 128 });
  const auto = writeImportSetup(tiny, { model: `  checkpoint: ${ckpt}` });
  await assert.rejects(importFixture(tiny, auto.configFile), (e: unknown) => {
    assert.ok(e instanceof HyperloaderError);
    assert.match(e.message, /EncDecAttention\.relative_attention_bias/);
    assert.match(e.message, /legacy_cross_attention_bias: off/);
    return true;
  });
  assert.ok(!existsSync(join(auto.runs, 'authors')), 'nothing left behind');

  const off = writeImportSetup(tiny, { model: `  checkpoint: ${ckpt}\n  legacy_cross_attention_bias: off` });
  const r = await importFixture(tiny, off.configFile);
  assert.equal(r.backboneDir, null);
  assert.ok(!existsSync(join(r.runDir, 'backbone')));
  assert.equal((await openRun(r.runDir)).config.model.checkpoint, ckpt);
  await checkRunAgainstCases(r.runDir, tiny, 'expected_zero_cross_attention_bias');

  // A checkpoint whose frozen weights differ from the file's is refused, naming the tensor.
  const changed = await copyCheckpoint(hf, { relative_attention_max_distance: 128 }, 'decoder.block.1.layer.2.DenseReluDense.wo.weight');
  const bad = writeImportSetup(tiny, { model: `  checkpoint: ${changed}\n  legacy_cross_attention_bias: off` });
  await assert.rejects(importFixture(tiny, bad.configFile), /frozen weight "decoder\.block\.1\.layer\.2\.DenseReluDense\.wo\.weight" differs/);
});

test('import refuses what does not match, naming the task, tensor or key', async () => {
  const fx = JSON.parse(readFileSync(join(tiny, 'config.json'), 'utf8'));
  const authors = join(tiny, 'model.safetensors');
  const expectError = async (setup: { configFile: string }, pattern: RegExp, file = authors) => {
    await assert.rejects(importFixture(tiny, setup.configFile, file), (e: unknown) => {
      assert.ok(e instanceof HyperloaderError, String(e));
      assert.match(e.message, pattern);
      return true;
    });
  };
  // A task the file has no embedding for: both lists are named.
  await expectError(writeImportSetup(tiny, { tasks: ['task_a', 'task_x'] }), /"task_x".*task_a, task_b, task_c/s);
  // A different backbone shape: the tensor and the config key.
  const wide = `  random_init: { vocab_size: 128, d_model: 32, d_kv: 8, d_ff: 96, num_layers: 2, num_heads: 4, relative_attention_num_buckets: 8 }`;
  await expectError(writeImportSetup(tiny, { model: wide }), /"encoder\.block\.0\.layer\.1\.DenseReluDense\.wi\.weight" has shape \[64, 32\].*model\.random_init.*\[96, 32\]/s);
  // Another bottleneck (reduction factor 8 → m = 4 where the file has m = 1): the generator tensor.
  await expectError(
    writeImportSetup(tiny, { peft: `  variant: hyperloader\n  adapter: { reduction_factor: 8 }` }),
    /down_sampler_hyper_net\.bias_generator\.0\.weight has shape \[1, 64\], expected \[4, 64\]/,
  );
  // Separate LoRA generators: the file has the shared pair only.
  await expectError(writeImportSetup(tiny, { peft: `  variant: hyperloader\n  adapter: { reduction_factor: ${fx.hyperloader.reduction_factor} }\n  lora: { separate_generators: true }` }), /missing tensor .*lora_a_hyper_net\.lora_self_q/);
  // HyperFormer++ config on a HyperLoader file: the LoRA generators are left over.
  await expectError(writeImportSetup(tiny, { peft: `  variant: adapters\n  adapter: { reduction_factor: ${fx.hyperloader.reduction_factor} }` }), /adapters_block_type\.weight has shape \[6, 64\], expected \[2, 64\]/);
  // A baseline without a hypernetwork has no counterpart in the authors' code.
  await expectError(writeImportSetup(tiny, { peft: '  variant: static' }), /peft\.variant "static"/);
  // Files: missing, and a PyTorch pickle.
  await expectError(writeImportSetup(tiny), /not found/, join(tiny, 'nope.safetensors'));
  const bin = join(mkdtempSync(join(tmpdir(), 'hl-bin-')), 'pytorch_model.bin');
  writeFileSync(bin, 'x');
  await expectError(writeImportSetup(tiny), /save_file/, bin);
  // An existing run is never overwritten.
  const once = writeImportSetup(tiny);
  await importFixture(tiny, once.configFile);
  await expectError(once, /already exists.*--name authors-2/);
});
