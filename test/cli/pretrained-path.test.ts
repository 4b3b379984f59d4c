/**
 * The pretrained path as a user runs it, offline: a Hugging-Face-hub-shaped repository (a tiny HF
 * T5 from ../shared/fixtures plus a word-level tokenizer.json) served on 127.0.0.1 through
 * HF_ENDPOINT, then the real executable in a fresh working folder with its own HYPERLOADER_HOME:
 * `download --model <id>` → `train` on `model.checkpoint: <id>` (frozen backbone, HyperLoader) →
 * `eval --run` → `predict` → `export`. Checks that the backbone stays untouched, that a checkpoint
 * holds only the PEFT parameters and the T5 layer-norm scales (SPEC §1 "Trained"), and that every
 * file a run promises is there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binPath, sharedDir } from '../helpers/paths.js';
import { startServer, scratch } from '../data/download-server.js';
import { readSafetensors, readSafetensorsHeader } from '../../src/model/safetensors.js';
import { isT5LayerNorm } from '../../src/peft/model.js';
import { buildWordLevelTokenizer } from '../../src/tokenizer/word-level.js';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const { tmp, track } = scratch('hl-pretrained-');

const fixture = join(sharedDir, 'fixtures', 't5-tiny-relu');
const skip = existsSync(join(fixture, 'model.safetensors'))
  ? false
  : `shared fixture not found at ${fixture} (only present in the hyperloader workplace); skipping`;

/** A namespaced id, so the cache's nested <cache>/models/<org>/<name>/ layout is exercised too. */
const MODEL_ID = 'hl-test/t5-tiny-relu';
const TASK = 'flights';

/** ATIS-like sentences whose 20 words and 5 sBIO target tokens (O, I, fromloc, toloc, day) fill the 25 free ids of a 128-id vocabulary. */
const SENTENCES: [string, string][] = [
  ['show me flights from boston to denver', 'O O O O B-fromloc O B-toloc'],
  ['list fares from atlanta to new york on monday', 'O O O B-fromloc O B-toloc I-toloc O B-day'],
  ['what is the cheapest flight from denver to boston', 'O O O O O O B-fromloc O B-toloc'],
  ['show me a flight to atlanta on monday', 'O O O O O B-toloc O B-day'],
  ['flights from new york to denver', 'O O B-fromloc I-fromloc O B-toloc'],
  ['list the flights from boston on monday', 'O O O O B-fromloc O B-day'],
  ['what is the cheapest flight to atlanta', 'O O O O O O B-toloc'],
  ['show me fares from denver to new york', 'O O O O B-fromloc O B-toloc I-toloc'],
];
const SPLITS = { train: SENTENCES, dev: SENTENCES.slice(0, 3), test: SENTENCES.slice(5) };

/** Runs the CLI without blocking this process's event loop (the hub server lives here). */
function cli(args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [binPath, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

test('pretrained path offline: download --model from a local hub → train (frozen backbone) → eval → predict → export', { skip }, async () => {
  const fxConfig = await readFile(join(fixture, 'config.json'));
  const fxWeights = await readFile(join(fixture, 'model.safetensors'));
  const vocabSize: number = JSON.parse(fxConfig.toString('utf8')).vocab_size;

  // The tokenizer: the sentences' words and their sBIO target tokens, exactly filling the model's
  // vocabulary, so the 100 sentinels are the model's top ids (<extra_id_0> = vocab_size - 1).
  const targetTokens = ['O', 'I', ...new Set(SENTENCES.flatMap(([, t]) => t.split(' ').filter((x) => x.startsWith('B-')).map((x) => x.slice(2))))];
  const tok = buildWordLevelTokenizer(SENTENCES.map(([w]) => w.split(' ')), { keep: targetTokens });
  assert.equal(tok.vocabSize, vocabSize, `the word-level tokenizer (${tok.vocabSize} ids) should fill the fixture's vocab_size ${vocabSize}`);
  assert.deepEqual(tok.encode('<extra_id_0> <extra_id_99>', { addEos: false }), [vocabSize - 1, vocabSize - 100]);
  const tokenizerJson = new TextEncoder().encode(JSON.stringify(tok.toJson()));

  // The hub: LFS weights answer HEAD with a redirect carrying X-Linked-Etag (their sha256), like
  // huggingface.co; config.json and tokenizer.json are plain files; spiece.model is a 404.
  const base = `/${MODEL_ID}/resolve/main`;
  const hub = track(
    await startServer(
      {
        [`${base}/config.json`]: { body: fxConfig, headers: { etag: '"0123456789abcdef0123456789abcdef01234567"' } },
        [`${base}/model.safetensors`]: {
          body: fxWeights,
          head: { status: 302, headers: { location: 'http://cdn.invalid/w', 'x-linked-etag': `"${sha256(fxWeights)}"`, 'x-linked-size': String(fxWeights.length) } },
        },
        [`${base}/tokenizer.json`]: { body: tokenizerJson },
      },
      180_000,
    ),
  );

  const work = await tmp(); // the user's working folder
  const home = await tmp(); // HYPERLOADER_HOME: the cache is <home>/datasets (data.cache_dir's default)
  const env = { HF_ENDPOINT: hub.base, HYPERLOADER_HOME: home };
  const run = (args: string[]) => cli(args, { cwd: work, env });

  // --- download --model ---
  const dl = await run(['download', '--model', MODEL_ID, '--retries', '0', '--timeout', '5']);
  assert.equal(dl.status, 0, dl.stderr);
  assert.match(dl.stdout, /summary: 0 verified, 3 downloaded, 0 failed/);
  const modelDir = join(home, 'datasets', 'models', 'hl-test', 't5-tiny-relu');
  const weightsFile = join(modelDir, 'model.safetensors');
  assert.equal(sha256(await readFile(weightsFile)), sha256(fxWeights));
  assert.equal(await readFile(join(modelDir, 'tokenizer.json'), 'utf8'), new TextDecoder().decode(tokenizerJson));
  assert.ok(!existsSync(join(modelDir, 'spiece.model')), 'the optional spiece.model is a 404 on this hub');
  assert.equal(hub.gets(`${base}/model.safetensors`).length, 1, 'the weights were fetched once');
  await hub.close(); // from here on everything runs offline
  const weightsSha = sha256(await readFile(weightsFile));
  const backbone = (await readSafetensorsHeader(weightsFile)).tensors;
  for (const n of ['shared.weight', 'encoder.block.0.layer.0.SelfAttention.q.weight']) assert.ok(backbone.has(n), `the fixture has ${n}`);

  // --- the data and the config ---
  const dataDir = join(work, 'data');
  for (const [split, rows] of Object.entries(SPLITS)) {
    await mkdir(join(dataDir, split), { recursive: true });
    await writeFile(join(dataDir, split, 'seq.in'), rows.map((r) => r[0]).join('\n') + '\n');
    await writeFile(join(dataDir, split, 'seq.out'), rows.map((r) => r[1]).join('\n') + '\n');
  }
  await writeFile(
    join(work, 'pretrained.yaml'),
    `experiment: { seed: 3, backend: wasm }
model:
  checkpoint: ${MODEL_ID}
peft:
  variant: hyperloader
  adapter: { reduction_factor: 8 }
data:
  tasks:
    - { name: ${TASK}, custom: { format: seqio, train: data/train, dev: data/dev, test: data/test } }
training: { steps: 6, batch_size: 4, lr: 1.0e-2, warmup_steps: 1, checkpoint_every: 3, log_every: 2 }
eval: { splits: [dev, test], batch_size: 8, max_decode_length: 24 }
`,
  );

  // --- train ---
  const tr = await run(['train', '--config', 'pretrained.yaml', '--quiet']);
  assert.equal(tr.status, 0, tr.stderr);
  const runDir = join(work, 'runs', 'pretrained');
  const runJson = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8'));
  assert.equal(runJson.status, 'finished');
  assert.equal(runJson.step, 6);
  const resolved = await readFile(join(runDir, 'config.yaml'), 'utf8');
  assert.match(resolved, new RegExp(`checkpoint: ${MODEL_ID}`));
  assert.match(resolved, /train_backbone: false/);

  // (a) The frozen backbone: the downloaded file is untouched, and no checkpoint stores a backbone weight.
  assert.equal(sha256(await readFile(weightsFile)), weightsSha, 'training left the downloaded weights bit-identical');
  const paramsFile = join(runDir, 'checkpoints', 'last', 'params.safetensors');
  const params = (await readSafetensorsHeader(paramsFile)).tensors;
  for (const n of ['shared.weight', 'encoder.block.0.layer.0.SelfAttention.q.weight', 'decoder.block.1.layer.2.DenseReluDense.wo.weight']) {
    assert.ok(backbone.has(n) && !params.has(n), `${n} is a frozen backbone weight; the checkpoint must not hold it`);
  }
  const moments = (await readSafetensorsHeader(join(runDir, 'checkpoints', 'last', 'optimizer.safetensors'))).tensors;

  // (b) Trained: the PEFT parameters plus every T5 layer-norm scale, nothing else of the backbone.
  const inBackbone = [...params.keys()].filter((n) => backbone.has(n));
  const layerNorms = [...backbone.keys()].filter(isT5LayerNorm);
  assert.ok(layerNorms.length > 0);
  assert.deepEqual(inBackbone.sort(), layerNorms.sort(), 'the only backbone tensors in the checkpoint are its layer-norm scales');
  for (const n of layerNorms) assert.deepEqual(params.get(n)!.shape, backbone.get(n)!.shape, n);
  const peft = [...params.keys()].filter((n) => !backbone.has(n));
  assert.ok(peft.length > 0, 'the PEFT parameters are in the checkpoint');
  // The PEFT parameters under the authors' names: one hypernetwork per stack and the task embeddings.
  for (const n of peft) assert.match(n, /^((encoder|decoder)\.adapter_layers_hyper_net|task_embedding_controller)\./, `${n}: neither a PEFT parameter nor a backbone tensor`);
  assert.ok(peft.includes(`task_embedding_controller.task_to_embeddings.${TASK}`), 'the task embedding of the task');
  assert.deepEqual([...moments.keys()].sort(), [...params.keys()].flatMap((n) => [`m/${n}`, `v/${n}`]).sort(), 'AdamW moments exactly for the trained tensors');
  const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const trained = [...params.values()].reduce((s, e) => s + numel(e.shape), 0);
  assert.equal(runJson.trainable_parameters, trained, 'run.json counts what the checkpoint holds');
  // The layer-norm scales were trained (the checkpoint holds new values), the rest of the backbone only read.
  const lnNow = await readSafetensors(paramsFile, { names: layerNorms });
  const lnBefore = await readSafetensors(weightsFile, { names: layerNorms });
  assert.ok(layerNorms.some((n) => lnNow.get(n)!.data.some((x, i) => x !== lnBefore.get(n)!.data[i])), 'training changed the layer-norm scales');
  const pj = await run(['params', '--config', 'pretrained.yaml', '--json']);
  assert.equal(pj.status, 0, pj.stderr);
  assert.equal(JSON.parse(pj.stdout).trainable, trained, 'the checkpoint holds exactly what `params` counts as trainable');

  // --- eval ---
  const ev = await run(['eval', '--run', runDir, '--quiet']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, new RegExp(`dev average F1 \\d\\.\\d{4} \\(${TASK} \\d\\.\\d{4}\\)`));
  const results = JSON.parse(await readFile(join(runDir, 'results.json'), 'utf8'));
  assert.equal(results.checkpoint, 'last');
  assert.equal(results.step, 6);
  assert.deepEqual(results.splits.map((s: { split: string }) => s.split), ['dev', 'test']);
  for (const [split, rows] of [['dev', SPLITS.dev], ['test', SPLITS.test]] as const) {
    const pred = await readFile(join(runDir, 'predictions', `${TASK}.${split}.txt`), 'utf8');
    const lines = pred.split('\n').filter((l) => l.trim() !== '');
    assert.deepEqual(lines.map((l) => l.split(/\s+/)[0]), rows.flatMap((r) => r[0].split(' ')), `${split}: one line per word`);
    assert.deepEqual(lines.map((l) => l.split(/\s+/)[1]), rows.flatMap((r) => r[1].split(' ')), `${split}: the gold column`);
  }

  // --- predict ---
  const sentences = ['show me flights from boston to denver', 'list fares to new york on monday'];
  const pr = await run(['predict', '--run', runDir, '--task', TASK, '--json', sentences[0]]);
  assert.equal(pr.status, 0, pr.stderr);
  const obj = JSON.parse(pr.stdout.trim());
  assert.deepEqual(obj.tokens, sentences[0].split(' '));
  assert.equal(obj.tags.length, obj.tokens.length);
  for (const t of obj.tags) assert.match(t, /^(O|[BI]-(fromloc|toloc|day))$/);
  await writeFile(join(work, 'input.txt'), sentences.join('\n') + '\n');
  const pf = await run(['predict', '--run', runDir, '--task', TASK, '--input', 'input.txt']);
  assert.equal(pf.status, 0, pf.stderr);
  const words = pf.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t')[0]);
  assert.deepEqual(words, sentences.flatMap((s) => s.split(' ')));

  // --- export ---
  const ex = await run(['export', '--run', runDir, '--task', TASK]);
  assert.equal(ex.status, 0, ex.stderr);
  assert.doesNotMatch(ex.stdout, /also trained the backbone/);
  const outDir = join(runDir, 'export', TASK);
  const adapterConfig = JSON.parse(await readFile(join(outDir, 'adapter_config.json'), 'utf8'));
  assert.equal(adapterConfig.peft_type, 'LORA');
  assert.equal(adapterConfig.base_model_name_or_path, MODEL_ID);
  const lora = (await readSafetensorsHeader(join(outDir, 'adapter_model.safetensors'))).tensors;
  // Every LoRA target of the export is a weight of the downloaded backbone.
  for (const n of lora.keys()) {
    const m = /^base_model\.model\.(.+)\.lora_[AB]\.weight$/.exec(n);
    assert.ok(m && backbone.has(`${m[1]}.weight`), `${n}: targets a backbone weight`);
  }
  const plain = (await readSafetensorsHeader(join(outDir, 'adapters.safetensors'))).tensors;
  for (const n of layerNorms) assert.ok(plain.has(n), `the export carries the trained ${n}`);

  // (c) Every file the run promises.
  for (const f of [
    'config.yaml',
    'run.json',
    'log.jsonl',
    'metrics.jsonl',
    'checkpoints/last/params.safetensors',
    'checkpoints/last/optimizer.safetensors',
    'checkpoints/last/state.json',
    'results.json',
    'results.md',
    'results.csv',
    `predictions/${TASK}.dev.txt`,
    `predictions/${TASK}.test.txt`,
    `export/${TASK}/adapter_config.json`,
    `export/${TASK}/adapter_model.safetensors`,
    `export/${TASK}/adapters.safetensors`,
  ]) {
    assert.ok(existsSync(join(runDir, f)), `${f} exists in the run directory`);
  }
  const metrics = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(metrics.some((m) => m.step === 6 && Number.isFinite(m.loss)), 'metrics.jsonl logged the last step with a finite loss');

  // The backbone is still the one downloaded, after eval, predict and export too.
  assert.equal(sha256(await readFile(weightsFile)), sha256(fxWeights));
});
