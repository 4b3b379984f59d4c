/**
 * Every tfjs kernel that a HyperLoader training step (gradient accumulation, clipping, AdamW),
 * dev decoding (cached greedy generate) and `predict` (checkpoint load + tagging raw text)
 * dispatch must be registered by tfjs-node(-gpu) 4.22.0's `tensorflow` backend. The kernels are
 * recorded on the cpu and wasm backends (no GPU here) on a tiny random T5 over the demo data, and
 * checked against src/runtime/tfjs-node-kernels.json, which scripts/tfjs-node-kernels.mjs reads from
 * the package itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { kernelListPath, missingKernels, recordKernels, tfjsNodeKernels } from '../../src/runtime/kernels.js';
import { TFJS_VERSION } from '../../src/runtime/backend.js';
import { resolveConfigObject } from '../../src/config/load.js';
import { prepareRun, type LoadedRun } from '../../src/train/prepare.js';
import { toExamples, samplerFor } from '../../src/train/features.js';
import { trainSteps, type StepReport } from '../../src/train/loop.js';
import { adamWFor } from '../../src/train/optimizer.js';
import { initialCheckpointState, loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { evaluateTask } from '../../src/eval/evaluate.js';
import { sentencesFromText, tagSentences } from '../../src/eval/tag.js';
import { repoRoot } from '../helpers/paths.js';
import { XENT_GRAD_KERNEL, XENT_KERNEL } from '../../src/runtime/wasm-kernels.js';
import { DROPOUT_MASK_KERNEL } from '../../src/runtime/dropout-mask.js';

const registered = tfjsNodeKernels().kernels;

test('missingKernels: the used kernels a list lacks, sorted, each once', () => {
  assert.deepEqual(missingKernels(['Add', 'BatchMatMul'], ['Add', 'BatchMatMul', 'Sum']), []);
  assert.deepEqual(missingKernels(['Sum', 'Add', 'ScatterNd', 'Add', 'Cast'], ['Add', 'Sum']), ['Cast', 'ScatterNd']);
  assert.deepEqual(missingKernels([], []), []);
  assert.deepEqual(missingKernels(['Add'], []), ['Add']);
});

test('the committed tfjs-node kernel list: its provenance, and the kernel names it holds', () => {
  const list = tfjsNodeKernels();
  assert.equal(list.package, '@tensorflow/tfjs-node-gpu');
  assert.equal(list.version, TFJS_VERSION);
  assert.equal(list.backend, 'tensorflow');
  assert.match(list.generated, /^\d{4}-\d{2}-\d{2}$/);
  assert.match(list.how, /register_all_kernels/);
  assert.deepEqual(list.kernels, [...new Set(list.kernels)].sort(), 'sorted, no repeats');
  assert.ok(list.kernels.length >= 150, `${list.kernels.length} kernels`);
  // Names tfjs-node 4.22.0 has (dist/kernels/*.js) and ones it does not (no DenseBincount,
  // SearchSorted or the int bitwise kernels in its kernels/ folder).
  for (const k of ['BatchMatMul', 'ScatterNd', 'UnsortedSegmentSum', 'GatherV2', 'Step', '_FusedMatMul']) assert.ok(list.kernels.includes(k), k);
  for (const k of ['DenseBincount', 'SearchSorted', 'BitwiseAnd']) assert.ok(!list.kernels.includes(k), k);
  // A file that lists nothing is refused rather than read as "nothing is registered".
  const dir = mkdtempSync(join(tmpdir(), 'hl-kernels-'));
  try {
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ ...list, kernels: [] }));
    assert.throws(() => tfjsNodeKernels(empty), /lists no kernels; run npm run kernels:update/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(JSON.parse(readFileSync(kernelListPath(), 'utf8')).kernels.length, list.kernels.length);
});

test('recordKernels: the kernels an op dispatches, not the ones a kernel runs inside; the engine is restored', async () => {
  await tf.setBackend('cpu');
  const { result, kernels } = await recordKernels(() =>
    tf.tidy(() => {
      const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
      return tf.sum(tf.matMul(a, tf.add(a, 1))).arraySync();
    }),
  );
  // [[1,2],[3,4]]·[[2,3],[4,5]] = [[10,13],[22,29]], summed 74.
  assert.equal(result, 74);
  assert.deepEqual([...kernels].sort(), ['Add', 'BatchMatMul', 'Sum']);
  assert.equal(Object.hasOwn(tf.engine(), 'runKernel'), false, 'the wrapper is gone');
  // A gradient records the backward kernels too: d/dx Σ x² = 2x is Multiply (and the ones of the forward).
  const g = await recordKernels(() => tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2])).arraySync()));
  assert.deepEqual(g.result, [2, 4]);
  assert.ok(g.kernels.has('Square') && g.kernels.has('Sum') && g.kernels.has('Multiply'), [...g.kernels].join(' '));
  // A kernel whose implementation dispatches another kernel (as some of tfjs-node's do, e.g. Step
  // runs IsNan, Greater and Select): only the outer one is ours.
  tf.registerKernel({ kernelName: 'HlTestOuter', backendName: 'cpu', kernelFunc: ({ inputs }) => tf.add(inputs.x as tf.Tensor, 1) as unknown as tf.TensorInfo });
  try {
    const nested = await recordKernels(() =>
      tf.tidy(() => (tf.engine().runKernel('HlTestOuter', { x: tf.tensor1d([1, 2]) }, {}) as tf.Tensor).arraySync()),
    );
    assert.deepEqual(nested.result, [2, 3]);
    assert.deepEqual([...nested.kernels], ['HlTestOuter']);
  } finally {
    tf.unregisterKernel('HlTestOuter', 'cpu');
  }
  // It restores the engine when fn throws, too.
  await assert.rejects(recordKernels(() => {
    throw new Error('boom');
  }), /boom/);
  assert.equal(Object.hasOwn(tf.engine(), 'runKernel'), false);
});

/**
 * The paper's setting in miniature: HyperLoader (generated adapters + LoRA, layer norms trained)
 * on a frozen relu T5 with the legacy cross-attention bias (as t5-base), dropout on, gradient
 * accumulation over 2 micro-batches, clip_norm small enough that clipping always applies.
 */
function tinyPaperConfig(runsDir: string, over: { feed_forward_proj?: 'relu' | 'gated-gelu'; train_backbone?: boolean } = {}) {
  return resolveConfigObject(
    {
      experiment: { name: 'kernels', seed: 3, runs_dir: runsDir, backend: 'cpu' },
      model: {
        random_init: { vocab_size: 532, d_model: 16, d_kv: 4, d_ff: 32, num_layers: 2, num_heads: 4, relative_attention_num_buckets: 8, dropout_rate: 0.1, feed_forward_proj: over.feed_forward_proj ?? 'relu' },
        tokenizer: join(repoRoot, 'datasets/demo/tokenizer.json'),
        legacy_cross_attention_bias: 'on',
        train_backbone: over.train_backbone ?? false,
      },
      peft: { variant: 'hyperloader', adapter: { reduction_factor: 4 }, lora: { rank: 2, alpha: 2 } },
      data: { cache_dir: join(repoRoot, 'datasets'), fraction: 0.02, tasks: [{ name: 'demo_slots' }, { name: 'demo_ner' }] },
      training: { steps: 2, batch_size: 4, grad_accumulation: 2, lr: 1e-3, warmup_steps: 1, clip_norm: 1e-3, label_smoothing: 0.1, loss_reduction: 'sum' },
      eval: { batch_size: 4, max_decode_length: 6 },
    },
    { source: 'kernel-coverage test' },
  );
}

interface Flows {
  train: Set<string>;
  dev: Set<string>;
  predict: Set<string>;
}

/** Runs (a) two training steps, (b) dev decoding of one task, (c) predict, recording each one's kernels. */
async function recordFlows(backend: 'cpu' | 'wasm', over: Parameters<typeof tinyPaperConfig>[1] = {}): Promise<Flows> {
  const dir = mkdtempSync(join(tmpdir(), 'hl-kernel-coverage-'));
  const config = tinyPaperConfig(join(dir, 'runs'), over);
  config.experiment.backend = backend;
  const logger = pino({ level: 'silent' });
  const run: LoadedRun = await prepareRun(config, logger);
  assert.equal(tf.getBackend(), backend);
  const { model, tokenizer, codec } = run;
  const opts = { maxSourceLength: config.data.max_source_length, maxTargetLength: config.data.max_target_length, codec };
  const examples = Object.fromEntries(run.tasks.map((t) => [t.name, toExamples(t.splits.train, tokenizer, opts)]));
  const optimizer = adamWFor(model.trainableVariables(), config.training);
  try {
    // (a) the training loop: sampler → micro-batches → stepGradients → clipByGlobalNorm → AdamW.
    const train = await recordKernels(() => {
      const reports: StepReport[] = [];
      for (const r of trainSteps({
        model,
        optimizer,
        sampler: samplerFor(examples, config.training, config.experiment.seed),
        examples,
        training: config.training,
        seed: config.experiment.seed,
        padId: tokenizer.padId,
        decoderStartId: model.t5.cfg.decoder_start_token_id,
        microBatches: 2,
      })) reports.push(r);
      return reports;
    });
    assert.equal(train.result.length, 2);
    for (const r of train.result) assert.ok(r.gradNorm > config.training.clip_norm, `step ${r.step}: norm ${r.gradNorm} must exceed clip_norm so the clipping path runs`);

    // (b) dev decoding: the evaluation a run does at eval_every and at the end.
    const task = run.tasks[0]!;
    const dev = await recordKernels(() =>
      evaluateTask({
        model,
        tokenizer,
        codec,
        task: task.name,
        sentences: task.splits.dev.slice(0, 6),
        batchSize: config.eval.batch_size,
        maxDecodeLength: config.eval.max_decode_length,
        maxSourceLength: config.data.max_source_length,
        maxTargetLength: config.data.max_target_length,
        mode: 'default',
      }),
    );
    assert.equal(dev.result.rows.length, Math.min(6, task.splits.dev.length));

    // (c) predict: the checkpoint loaded into the model, then raw text tagged (windows, batches, decoding).
    const runDir = join(dir, 'runs', 'kernels');
    const state = initialCheckpointState(samplerFor(examples, config.training, 1).state(), run.backbone, optimizer.step);
    await saveCheckpoint(runDir, 'last', model, optimizer, state);
    const predict = await recordKernels(async () => {
      await loadCheckpoint(runDir, 'last', model, null, run.backbone);
      return tagSentences(run, 'demo_ner', sentencesFromText('flights from boston to denver\nthe delegation met in geneva on monday'), { batchSize: 4 });
    });
    assert.deepEqual(predict.result.map((t) => t.tags.length), [5, 7]);
    return { train: train.kernels, dev: dev.kernels, predict: predict.kernels };
  } finally {
    optimizer.dispose();
    model.dispose();
    model.t5.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The assertions every recorded flow must pass against the committed list. */
/**
 * Kernels src/runtime/wasm-kernels.ts adds to the wasm backend only. src/model/loss.ts and
 * ops.ts (dropout) take them only where the active backend registers them, so the tensorflow
 * backend runs the cpu path's ops.
 */
const WASM_ONLY = new Set([XENT_KERNEL, XENT_GRAD_KERNEL, DROPOUT_MASK_KERNEL]);

function checkFlows(flows: Flows, label: string, opts: { embeddingTrained: boolean }): void {
  for (const [flow, all] of Object.entries(flows) as [keyof Flows, Set<string>][]) {
    const used = new Set([...all].filter((k) => !WASM_ONLY.has(k)));
    assert.deepEqual(missingKernels(used, registered), [], `${label} ${flow} dispatches kernels tfjs-node's tensorflow backend does not register`);
    // The check has teeth: drop any one used kernel from the list and it is reported, alone.
    for (const k of used) assert.deepEqual(missingKernels(used, registered.filter((r) => r !== k)), [k], `${label} ${flow} without ${k}`);
  }
  // What each flow must contain, or the recording missed the real work: the model's matMuls and
  // decoding's argMax; training's clipping and AdamW (Sqrt), RMSNorm's written-out gradient (Pow),
  // and, when the embedding trains, its custom gather gradient (ScatterNd, not UnsortedSegmentSum).
  for (const k of ['BatchMatMul', 'GatherV2', 'Sqrt', 'Rsqrt', 'Pow', 'Transpose']) assert.ok(flows.train.has(k), `${label} train: ${k} (${[...flows.train].join(' ')})`);
  assert.equal(flows.train.has('ScatterNd'), opts.embeddingTrained, `${label} train: ScatterNd iff the embedding trains`);
  assert.ok(!flows.train.has('UnsortedSegmentSum'), `${label} train: tf.gather's own gradient is not used`);
  for (const flow of ['dev', 'predict'] as const) for (const k of ['BatchMatMul', 'GatherV2', 'ArgMax']) assert.ok(flows[flow].has(k), `${label} ${flow}: ${k}`);
  assert.ok(!flows.dev.has('ScatterNd'), 'no gradient while decoding');
}

const seen: Partial<Record<'cpu' | 'wasm', Flows>> = {};

test('kernel coverage on the cpu backend: a HyperLoader step with accumulation and clipping, dev decoding and predict use only kernels tfjs-node registers', async () => {
  const flows = await recordFlows('cpu');
  checkFlows(flows, 'cpu', { embeddingTrained: false });
  seen.cpu = flows;
});

test('kernel coverage on the wasm backend, and the same kernels as on cpu: no wasm-only path', async () => {
  const flows = await recordFlows('wasm');
  checkFlows(flows, 'wasm', { embeddingTrained: false });
  // The backend-specific paths: on wasm the training loss, its gradient and the dropout masks are
  // the WASM_ONLY kernels. Otherwise both backends dispatch the same kernels (no other registerKernel, no
  // branch on the backend's name in src/model, src/peft, src/train or src/eval): decoding the
  // same set, training a subset of cpu's (the loss's elementwise ops are inside the two kernels).
  for (const k of WASM_ONLY) assert.ok(flows.train.has(k), `wasm train: ${k}`);
  if (seen.cpu) {
    for (const k of WASM_ONLY) assert.ok(!seen.cpu.train.has(k), `cpu train: no ${k}`);
    const extra = [...flows.train].filter((k) => !WASM_ONLY.has(k) && !seen.cpu!.train.has(k));
    assert.deepEqual(extra, [], 'wasm train kernels that cpu train does not dispatch');
    for (const flow of ['dev', 'predict'] as const) assert.deepEqual([...flows[flow]].sort(), [...seen.cpu[flow]].sort(), flow);
  }
});

test('kernel coverage, T5 v1.1 shape (gated-gelu) with the whole backbone trained', async () => {
  checkFlows(await recordFlows('cpu', { feed_forward_proj: 'gated-gelu', train_backbone: true }), 'cpu gated-gelu', { embeddingTrained: true });
});
