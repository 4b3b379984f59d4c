/**
 * The experiment runner around the training loop: it owns the run directory (config.yaml,
 * run.json, log.jsonl, metrics.jsonl, checkpoints/, predictions/, results.*), logs, saves
 * checkpoints every N steps and on interrupt, evaluates on dev periodically (keeping the best
 * checkpoint), and evaluates the selected checkpoint at the end. The loop itself (./loop.ts) only
 * yields steps.
 *
 * A run directory is never overwritten: `resume` continues one exactly (same parameters,
 * optimizer moments, sampler state and dropout masks), anything else is refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import { HyperloaderError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { parse as parseYaml } from 'yaml';
import { configToYaml } from '../config/load.js';
import { resolveRunDir } from '../config/paths.js';
import { initBackend } from '../runtime/backend.js';
import { progress } from '../runtime/progress.js';
import { packageVersion } from '../runtime/paths.js';
import { assertWritableDir, writeFileAtomic } from '../runtime/fs.js';
import type { PeftModel } from '../peft/model.js';
import { paperRowFor } from '../eval/paper.js';
import { writeResults, type Results, type SplitResults } from '../eval/report.js';
import { evaluateTasks } from '../eval/evaluate.js';
import { sampleLine, writePredictions } from '../eval/predictions.js';
import type { TagCodec } from '../data/sentinel-codec.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { describeTruncation, samplerFor, toExamples, truncationOf } from './features.js';
import { trainSteps, type StepReport } from './loop.js';
import { adamWFor } from './optimizer.js';
import { acquireRunLock, type RunLock } from './lock.js';
import type { Example } from '../data/collate.js';
import { backendMemoryLimit, formatGiB, isWasmAbort, measureStepMemory, planMicroBatches, wasmHeapBytes, WASM_HEAP_LIMIT, worstCaseExample } from './memory.js';
import { backboneHash, buildModel, codecFor, loadRunTokenizer, loadTasks, type TaskData } from './setup.js';
import { hasCheckpoint, loadCheckpoint, removeUnfinishedCheckpoints, saveCheckpoint, strayCheckpointFiles, writeJsonAtomic, type CheckpointLabel, type CheckpointState } from './checkpoint.js';

export interface RunInfo {
  name: string;
  /** imported: made by `hyperloader import` from the authors' state dict (evaluable, not trainable further). */
  status: 'running' | 'interrupted' | 'failed' | 'finished' | 'imported';
  hyperloader_version: string;
  backend: string;
  tokenizer: string;
  created: string;
  updated: string;
  step: number;
  steps: number;
  trainable_parameters: number;
  total_parameters: number;
  train_seconds: number;
  examples_per_second: number;
  /** This process's peak resident memory and (on wasm) the wasm heap's high-water mark, in bytes. */
  memory?: { max_rss_bytes: number; wasm_heap_bytes: number | null };
  error?: string;
  /** For imported runs: the authors' file, its sha256, tasks left out, config keys changed. */
  imported_from?: unknown;
}

export interface TrainOptions {
  config: Config;
  /** A logger to stderr, and (with a path) also to a JSON-lines file. */
  makeLogger: (logFile?: string) => Logger;
  /** Continue the run in the existing directory. */
  resume?: boolean;
  /** Aborting stops after the current step, saves a checkpoint and throws an "interrupted" error. */
  signal?: AbortSignal;
  /** Draw progress bars (a TTY) or periodic log lines. */
  tty?: boolean;
  /** Decoded dev sentences per task to log at each periodic dev evaluation (default DEFAULT_SAMPLES). */
  samples?: number;
}

/** Dev sentences per task shown in the log at each periodic dev evaluation. */
export const DEFAULT_SAMPLES = 3;

export interface TrainResult {
  runDir: string;
  results: Results | null;
  info: RunInfo;
}

/** What every command that works on a run needs from it. */
export interface LoadedRun {
  config: Config;
  tokenizer: Tokenizer;
  tokenizerPath: string;
  tasks: TaskData[];
  codec: TagCodec;
  model: PeftModel;
  backbone: string;
}

export async function prepareRun(config: Config, logger: Logger): Promise<LoadedRun> {
  const backend = await initBackend(config.experiment.backend, { threads: config.experiment.threads, logger });
  logger.info({ backend: backend.name }, `backend: ${backend.name}`);
  const { tokenizer, path: tokenizerPath } = await loadRunTokenizer(config);
  const tasks = await loadTasks(config);
  for (const t of tasks) {
    logger.info({ task: t.name, train: t.splits.train.length, dev: t.splits.dev.length, test: t.splits.test.length }, `task ${t.name}: ${t.splits.train.length} train / ${t.splits.dev.length} dev / ${t.splits.test.length} test sentences`);
  }
  const codec = codecFor(tasks);
  const { model } = await buildModel(config, tasks.map((t) => t.name), tokenizer);
  const backbone = await backboneHash(config);
  return { config, tokenizer, tokenizerPath, tasks, codec, model, backbone };
}


export interface SplitOutput {
  /** Write predictions/<task>.<split>.txt here (null: write nothing). */
  runDir: string | null;
  /** Write them under predictions/step-<N>/ instead (periodic dev evaluation). */
  step?: number;
  /** Log this many decoded sentences per task beside their gold (the first ones of the split). */
  samples?: number;
}

/** Evaluates one split of every task and writes its predictions; the caller writes the tables. */
export async function evaluateSplit(run: LoadedRun, split: 'dev' | 'test', output: SplitOutput, logger: Logger, tty = false, only?: string[]): Promise<SplitResults> {
  const c = run.config;
  const tasks = run.tasks.filter((t) => !only || only.includes(t.name)).map((t) => ({ task: t.name, sentences: t.splits[split] }));
  const total = tasks.reduce((s, t) => s + t.sentences.length, 0);
  const bar = progress({ total, label: `eval ${split}`, unit: 'sentences', logger, tty });
  try {
    return await evaluateTasks({
      model: run.model,
      tokenizer: run.tokenizer,
      codec: run.codec,
      split,
      tasks,
      batchSize: c.eval.batch_size,
      maxSourceLength: c.data.max_source_length,
      maxTargetLength: c.data.max_target_length,
      maxDecodeLength: c.eval.max_decode_length,
      mode: c.eval.f1_mode,
      onProgress: (p) => bar.update(p.done, { task: p.task }),
      onTaskDone: async (task, ev) => {
        if (output.runDir) await writePredictions(output.runDir, task, split, ev.rows, output.step);
        logger.info({ split, task, f1: ev.score.f1 }, `${split} ${task}: F1 ${ev.score.f1.toFixed(4)}`);
        ev.rows.slice(0, output.samples ?? 0).forEach((row, i) => {
          logger.info({ split, task, sample: i + 1, tokens: row.tokens, gold: row.gold, pred: row.pred }, `  ${task} ${split} #${i + 1}: ${sampleLine(row)}`);
        });
        if (ev.undecodableGold > 0) {
          logger.warn(
            { split, task, undecodable_gold: ev.undecodableGold },
            `${split} ${task}: ${ev.undecodableGold} gold tag(s) cannot be written with this tokenizer (they become <unk>); ` +
              'they were scored from the dataset, but the model can never produce them. Rebuild the tokenizer with `hyperloader tokenizer build --config …`',
          );
        }
      },
    });
  } finally {
    bar.stop();
  }
}

/** run.json, or null when absent or unreadable (it is a status report, rewritten as the run goes). */
export function readRunInfo(runDir: string): RunInfo | null {
  try {
    return JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunInfo;
  } catch {
    return null;
  }
}

/** metrics.jsonl may hold steps past the checkpoint a killed run resumes from: drop them (they are redone). */
async function truncateMetrics(runDir: string, step: number): Promise<void> {
  const f = join(runDir, 'metrics.jsonl');
  if (!existsSync(f)) return;
  const kept = (await readFile(f, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => {
      try {
        return (JSON.parse(l) as { step: number }).step <= step;
      } catch {
        return false; // a line cut short by the kill
      }
    });
  await writeFileAtomic(f, kept.map((l) => l + '\n').join(''));
}

/** Dotted keys whose values differ between two configs, as `key: saved → now`. */
export function configDifferences(saved: unknown, now: unknown, prefix = ''): string[] {
  const isMap = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isMap(saved) && isMap(now)) {
    const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])];
    return keys.flatMap((k) => configDifferences(saved[k], now[k], prefix ? `${prefix}.${k}` : k));
  }
  const show = (x: unknown) => (x === undefined ? '(unset)' : JSON.stringify(x));
  return JSON.stringify(saved) === JSON.stringify(now) ? [] : [`${prefix}: ${show(saved)} → ${show(now)}`];
}

function refuseExisting(runDir: string, name: string): never {
  throw new HyperloaderError(
    `the run directory ${runDir} already exists. Continue it with \`--resume\`, or start a new run with \`--name ${name}-2\` (or --set experiment.name=…).`,
    { exitCode: 2 },
  );
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { config } = opts;
  let logger = opts.makeLogger();
  const runDir = resolveRunDir(config);
  const name = config.experiment.name!;
  const exists = existsSync(runDir) && existsSync(join(runDir, 'config.yaml'));
  if (exists && !opts.resume) refuseExisting(runDir, name);
  if (!exists && opts.resume) {
    throw new HyperloaderError(`nothing to resume: ${runDir} has no run (no config.yaml). Start it without --resume.`, { exitCode: 2 });
  }
  if (exists && readRunInfo(runDir)?.status === 'imported') {
    throw new HyperloaderError(
      `${runDir} was imported from the authors' checkpoint (\`hyperloader import\`): it has no optimizer state or sampler position and cannot be trained further. ` +
        'Evaluate it with `hyperloader eval --run`, or start a new run under another name.',
      { exitCode: 2 },
    );
  }
  if (exists) {
    const saved = readFileSync(join(runDir, 'config.yaml'), 'utf8');
    const now = configToYaml(config);
    if (saved !== now) {
      const changed = configDifferences(parseYaml(saved), parseYaml(now));
      throw new HyperloaderError(
        `--resume: the config differs from the one ${runDir} was started with (${join(runDir, 'config.yaml')}): ` +
          `${changed.slice(0, 12).join('; ')}${changed.length > 12 ? `; and ${changed.length - 12} more` : ''}. ` +
          'Resume with the same config and --set values, or start a new run under another name.',
        { exitCode: 2 },
      );
    }
  }
  // Before any work: the place the run will be written must take files (permissions, read-only
  // mounts, a full disk), or nothing is gained by loading and training.
  await assertWritableDir(exists ? runDir : dirname(runDir), exists ? 'write into the run folder' : 'create the run folder in');
  // The run directory is created only once data, tokenizer and model have loaded, so a config
  // that fails there leaves nothing behind to refuse the next attempt.
  const run = await prepareRun(config, logger);
  const { model } = run;
  const t = config.training;
  const optimizer = adamWFor(model.trainableVariables(), t);
  const examples: Record<string, ReturnType<typeof toExamples>> = {};
  // A fresh run's memory plan is made before its directory exists: a batch that cannot fit is
  // refused with nothing left behind.
  let planned: Awaited<ReturnType<typeof planMemory>> | undefined;
  try {
    for (const task of run.tasks) {
      examples[task.name] = toExamples(task.splits.train, run.tokenizer, { maxSourceLength: config.data.max_source_length, maxTargetLength: config.data.max_target_length, codec: run.codec });
      if (examples[task.name].length === 0) throw new HyperloaderError(`task ${task.name} has no training sentences`);
    }
    if (!exists) planned = await planMemory(run, examples);
  } catch (e) {
    if (isWasmAbort(e)) throw outOfMemory(e, 1, undefined, runDir, false);
    optimizer.dispose();
    model.dispose();
    model.t5.dispose();
    throw e;
  }
  await mkdir(runDir, { recursive: true });
  let lock: RunLock;
  try {
    lock = acquireRunLock(runDir, (m) => logger.warn(m));
    // Another process may have made the run while this one was loading: never start over it.
    if (!exists && existsSync(join(runDir, 'config.yaml'))) {
      lock.release();
      refuseExisting(runDir, name);
    }
  } catch (e) {
    optimizer.dispose();
    model.dispose();
    model.t5.dispose();
    throw e;
  }
  try {
    return await trainLocked({ opts, run, runDir, name, exists, optimizer, examples, planned, logger });
  } finally {
    lock.release();
  }
}

interface LockedRun {
  opts: TrainOptions;
  run: LoadedRun;
  runDir: string;
  name: string;
  exists: boolean;
  optimizer: ReturnType<typeof adamWFor>;
  examples: Record<string, Example[]>;
  planned: Awaited<ReturnType<typeof planMemory>> | undefined;
  logger: Logger;
}

/** The part of `train` that writes the run directory, under its lock. */
async function trainLocked(ctx: LockedRun): Promise<TrainResult> {
  const { opts, run, runDir, name, exists, optimizer, examples } = ctx;
  let { planned, logger } = ctx;
  const { config, model } = run;
  const t = config.training;
  if (!exists) await writeFileAtomic(join(runDir, 'config.yaml'), configToYaml(config));
  else await removeUnfinishedCheckpoints(runDir);
  logger = opts.makeLogger(join(runDir, 'log.jsonl'));
  logger.info(
    { run: runDir, backend: tf.getBackend(), tokenizer: run.tokenizerPath, tasks: Object.fromEntries(run.tasks.map((x) => [x.name, { train: x.splits.train.length, dev: x.splits.dev.length, test: x.splits.test.length }])) },
    `run ${runDir}`,
  );
  const counts = model.parameterCounts();
  logger.info(counts, `parameters: ${counts.trainable.toLocaleString('en-US')} trainable of ${counts.total.toLocaleString('en-US')}`);
  planned?.log(logger);
  logTruncation(run, logger);
  const sampler = samplerFor(examples, t, config.experiment.seed);

  let state: CheckpointState = {
    version: 1,
    step: 0,
    sampler: sampler.state(),
    backbone_hash: run.backbone,
    evals: [],
    best: null,
    since_best: 0,
    train_seconds: 0,
    examples_seen: 0,
  };
  if (exists && hasCheckpoint(runDir, 'last')) {
    state = await loadCheckpoint(runDir, 'last', model, optimizer, run.backbone);
    sampler.restore(state.sampler);
    await truncateMetrics(runDir, state.step);
    logger.info({ step: state.step }, `resumed ${runDir} at step ${state.step}`);
  } else if (exists) {
    // Never train from step 0 over weights a run already has: only a run that never finished a
    // checkpoint starts again (the steps it logged are redone).
    const found = [...strayCheckpointFiles(runDir), ...(hasCheckpoint(runDir, 'best') ? ['checkpoints/best (complete)'] : [])];
    if (found.length > 0) {
      throw new HyperloaderError(
        `cannot resume ${runDir}: it has no complete "last" checkpoint (checkpoints/last/manifest.json), but it does have ${found.join(', ')}. ` +
          `Restore the checkpoint; or, to train this run again from the start, delete ${join(runDir, 'checkpoints')} and ${join(runDir, 'metrics.jsonl')}; or start a new run under another name.`,
      );
    }
    await truncateMetrics(runDir, 0);
    logger.info(`resuming ${runDir} from the start: no checkpoint had been written before it stopped`);
  }

  const info: RunInfo = {
    name,
    status: 'running',
    hyperloader_version: packageVersion(),
    backend: tf.getBackend(),
    tokenizer: run.tokenizerPath,
    created: readRunInfo(runDir)?.created ?? new Date().toISOString(),
    updated: new Date().toISOString(),
    step: state.step,
    steps: t.steps,
    trainable_parameters: counts.trainable,
    total_parameters: counts.total,
    train_seconds: state.train_seconds,
    examples_per_second: 0,
  };
  let wasmAborted = false;
  const saveInfo = () =>
    writeJsonAtomic(join(runDir, 'run.json'), {
      ...info,
      updated: new Date().toISOString(),
      memory: { max_rss_bytes: process.resourceUsage().maxRSS * 1024, wasm_heap_bytes: wasmAborted ? null : wasmHeapBytes() },
    });
  await saveInfo();

  // Logged, so a user can tell when stopping loses nothing.
  const snapshot = async (label: CheckpointLabel) => {
    const started = performance.now();
    await saveCheckpoint(runDir, label, model, label === 'last' ? optimizer : null, { ...state, sampler: sampler.state(), step: optimizer.step });
    const seconds = (performance.now() - started) / 1000;
    logger.info({ checkpoint: label, step: optimizer.step, seconds }, `checkpoint ${label} at step ${optimizer.step} saved in ${seconds.toFixed(1)} s`);
  };

  const metrics = join(runDir, 'metrics.jsonl');
  const bar = progress({ total: t.steps, label: 'train', unit: 'steps', logger, tty: opts.tty, initial: state.step });
  let stoppedEarly = false;
  let window = { loss: 0, n: 0, examples: 0, seconds: 0 };
  try {
    if (state.step < t.steps) {
      if (state.micro_batches === undefined) {
        planned ??= await planMemory(run, examples);
        if (exists) planned.log(logger);
        state.micro_batches = planned.microBatches;
      }
      for (const r of trainSteps({
        model,
        optimizer,
        sampler,
        examples,
        training: t,
        seed: config.experiment.seed,
        padId: run.tokenizer.padId,
        decoderStartId: model.t5.cfg.decoder_start_token_id,
        microBatches: state.micro_batches,
      })) {
        state.step = r.step;
        state.train_seconds += r.seconds;
        state.examples_seen += r.examples;
        window = { loss: window.loss + r.tokenLoss, n: window.n + 1, examples: window.examples + r.examples, seconds: window.seconds + r.seconds };
        await appendFile(metrics, JSON.stringify(metricLine(r)) + '\n');
        bar.update(r.step, { loss: r.tokenLoss.toFixed(3) });
        if (r.step % t.log_every === 0 || r.step === t.steps) {
          logger.info(
            { step: r.step, loss: window.loss / window.n, lr: r.lr, examples_per_s: window.examples / window.seconds },
            `step ${r.step}/${t.steps}  loss/token ${(window.loss / window.n).toFixed(4)}  lr ${r.lr.toExponential(2)}  ${(window.examples / window.seconds).toFixed(1)} examples/s`,
          );
          window = { loss: 0, n: 0, examples: 0, seconds: 0 };
        }
        if (t.eval_every > 0 && r.step % t.eval_every === 0 && r.step < t.steps) {
          stoppedEarly = await devEvaluation(r.step);
        }
        if (r.step % t.checkpoint_every === 0 || r.step === t.steps || stoppedEarly || opts.signal?.aborted) {
          await snapshot('last');
          info.step = r.step;
          info.train_seconds = state.train_seconds;
          info.examples_per_second = state.examples_seen / Math.max(1e-9, state.train_seconds);
          await saveInfo();
        }
        if (opts.signal?.aborted) {
          info.status = 'interrupted';
          await saveInfo();
          throw new HyperloaderError(`interrupted at step ${r.step}; checkpoint saved. Continue with the same command plus --resume.`, { exitCode: 130 });
        }
        if (stoppedEarly) {
          logger.info(`no dev improvement in ${t.patience} evaluations: stopping at step ${r.step}`);
          break;
        }
      }
    }
    bar.stop();

    // The paper evaluates the last step; `select: best` uses the best dev checkpoint when there is one.
    if (t.select === 'best' && t.eval_every > 0 && state.best === null) await devEvaluation(state.step);
    const label: CheckpointLabel = t.select === 'best' && hasCheckpoint(runDir, 'best') ? 'best' : 'last';
    let results: Results | null = null;
    if (config.eval.splits.length > 0) results = await evaluateCheckpoint(run, runDir, label, config.eval.splits, logger, opts.tty);
    info.status = 'finished';
    info.step = state.step;
    info.train_seconds = state.train_seconds;
    info.examples_per_second = state.examples_seen / Math.max(1e-9, state.train_seconds);
    await saveInfo();
    return { runDir, results, info };
  } catch (e) {
    bar.stop();
    wasmAborted = isWasmAbort(e);
    const err = wasmAborted ? outOfMemory(e, state.step + 1, state.micro_batches, runDir, hasCheckpoint(runDir, 'last')) : e;
    if (info.status === 'running') {
      info.status = 'failed';
      info.error = (err as Error).message;
      await saveInfo();
    }
    throw err;
  } finally {
    // After a wasm abort every wasm call fails: touching the tensors would only bury the first error.
    if (!wasmAborted) {
      try {
        optimizer.dispose();
        model.dispose();
        model.t5.dispose();
      } catch (cleanup) {
        logger.debug({ err: cleanup }, 'cleanup after the run failed');
      }
    }
  }

  /** Dev F1 now; keeps the best checkpoint; true when patience has run out. */
  async function devEvaluation(step: number): Promise<boolean> {
    const dev = await evaluateSplit(run, 'dev', { runDir, step, samples: opts.samples ?? DEFAULT_SAMPLES }, logger, opts.tty);
    const f1 = Object.fromEntries(dev.tasks.map((s) => [s.task, s.f1]));
    state.evals.push({ step, split: 'dev', average_f1: dev.average.f1, f1 });
    await appendFile(metrics, JSON.stringify({ step, split: 'dev', average_f1: dev.average.f1, f1 }) + '\n');
    logger.info({ step, average_f1: dev.average.f1 }, `dev at step ${step}: average F1 ${dev.average.f1.toFixed(4)}`);
    if (state.best === null || dev.average.f1 > state.best.average_f1) {
      state.best = { step, average_f1: dev.average.f1 };
      state.since_best = 0;
      await snapshot('best');
    } else state.since_best += 1;
    return t.patience > 0 && state.since_best >= t.patience;
  }
}

/**
 * Micro-batches per step (training.grad_accumulation, `auto` resolved) from the step's measured
 * memory on the longest training example against the backend's limit (memory.ts), and the log
 * line that says so.
 */
async function planMemory(run: LoadedRun, examples: Record<string, Example[]>): Promise<{ microBatches: number; log: (logger: Logger) => void }> {
  const t = run.config.training;
  const task = Object.keys(examples)[0]!;
  const mem = await measureStepMemory(run.model, task, worstCaseExample(examples), run.tokenizer.padId, run.model.t5.cfg.decoder_start_token_id);
  const limit = backendMemoryLimit(t.memory_limit_gib);
  const plan = planMicroBatches(mem, t.batch_size, t.grad_accumulation, limit);
  const per = Math.ceil(t.batch_size / plan.microBatches);
  const log = (logger: Logger) =>
    logger.info(
      { micro_batches: plan.microBatches, peak_bytes: plan.peakBytes, fixed_bytes: mem.fixedBytes, per_example_bytes: mem.perExampleBytes, limit_bytes: limit?.bytes ?? null },
      `memory: about ${formatGiB(plan.peakBytes)} per step at its longest (${mem.sourceLength}/${mem.targetLength} tokens), ` +
        `${plan.microBatches} micro-batch${plan.microBatches === 1 ? '' : 'es'} of ${per}` +
        (limit ? `; limit ${formatGiB(limit.bytes)} (${limit.what})` : ''),
    );
  return { microBatches: plan.microBatches, log };
}

/** Every cut the format's limits make, per task and split, before training (the tail of those sentences is never seen or scored). */
function logTruncation(run: LoadedRun, logger: Logger): void {
  const opts = { maxSourceLength: run.config.data.max_source_length, maxTargetLength: run.config.data.max_target_length, codec: run.codec };
  for (const task of run.tasks) {
    for (const split of ['train', 'dev', 'test'] as const) {
      const t = truncationOf(task.splits[split], run.tokenizer, opts);
      const what = describeTruncation(t, opts);
      if (what) logger.warn({ task: task.name, split, truncation: t }, `${task.name} ${split}: ${what} (of ${t.sentences} sentences) are cut; their tails are neither trained on nor scored`);
    }
  }
}

/** A wasm abort in training, as the out-of-memory error it almost always is. */
function outOfMemory(e: unknown, step: number, microBatches: number | undefined, runDir: string, saved: boolean): HyperloaderError {
  const heap = wasmHeapBytes();
  return new HyperloaderError(
    `out of memory at step ${step}: the wasm backend aborted (${(e as Error).message.split('\n')[0]})` +
      (heap === null ? '' : ` with its heap at ${formatGiB(heap)} of ${formatGiB(WASM_HEAP_LIMIT)}`) +
      `. Set training.grad_accumulation: auto (or more than ${microBatches ?? 1}), or lower training.batch_size or data.max_target_length. ` +
      (saved ? `The last checkpoint in ${runDir}/checkpoints/last is intact: continue with --resume.` : 'No checkpoint had been written yet.'),
    { exitCode: 1, cause: e },
  );
}

function metricLine(r: StepReport) {
  return {
    step: r.step,
    task: r.task,
    loss: r.loss,
    loss_per_token: r.tokenLoss,
    lr: r.lr,
    grad_norm: r.gradNorm,
    examples: r.examples,
    tokens: r.tokens,
    examples_per_s: r.examples / r.seconds,
    seconds: r.seconds,
  };
}

/** Loads a checkpoint into the run's model and writes the F1 tables for the given splits. */
export async function evaluateCheckpoint(
  run: LoadedRun,
  runDir: string,
  label: CheckpointLabel,
  splits: readonly ('dev' | 'test')[],
  logger: Logger,
  tty?: boolean,
  only?: string[],
): Promise<Results> {
  const state = await loadCheckpoint(runDir, label, run.model, null, run.backbone);
  const out: SplitResults[] = [];
  for (const split of splits) {
    const r = await evaluateSplit(run, split, { runDir }, logger, tty, only);
    out.push(r);
    logger.info({ split, average_f1: r.average.f1 }, `${split}: average F1 ${r.average.f1.toFixed(4)} over ${r.tasks.length} tasks`);
  }
  const results: Results = {
    run: run.config.experiment.name!,
    checkpoint: label,
    step: state.step,
    mode: run.config.eval.f1_mode,
    splits: out,
    paper: paperRowFor(run.config),
  };
  await writeResults(runDir, results);
  return results;
}
