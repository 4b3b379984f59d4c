/**
 * The experiment runner around the training loop: it owns the run directory (config.yaml,
 * run.json, log.jsonl, metrics.jsonl, checkpoints/, predictions/, results.*), logs, saves
 * checkpoints every N steps and on interrupt, evaluates on dev periodically (keeping the best
 * checkpoint), and evaluates the selected checkpoint at the end. The loop itself (./loop.ts) only
 * yields steps.
 *
 * A run directory is never overwritten: `resume` continues one exactly (same parameters,
 * optimizer moments, sampler state and dropout masks), anything else is refused (./run-folder.ts).
 * Loading a run's pieces and evaluating a checkpoint live in ./prepare.ts, one split's evaluation
 * in ../eval/split.ts.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import { HyperloaderError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { configToYaml } from '../config/load.js';
import { resolveRunDir } from '../config/paths.js';
import { progress } from '../runtime/progress.js';
import { packageVersion } from '../runtime/paths.js';
import { assertWritableDir, writeFileAtomic } from '../runtime/fs.js';
import type { Results } from '../eval/report.js';
import { evaluateSplit } from '../eval/split.js';
import { describeTruncation, samplerFor, toExamples, truncationOf } from './features.js';
import { trainSteps, type StepReport } from './loop.js';
import { adamWFor } from './optimizer.js';
import { acquireRunLock, type RunLock } from './lock.js';
import type { Example } from '../data/collate.js';
import { backendMemoryLimit, formatGiB, isWasmAbort, measureStepMemory, planMicroBatches, wasmHeapBytes, WASM_HEAP_LIMIT, worstCaseExample } from './memory.js';
import { evaluateCheckpoint, prepareRun, type LoadedRun } from './prepare.js';
import { checkRunFolder, readRunInfo, refuseExisting, removeUnfinishedWrites, truncateMetrics, type RunInfo } from './run-folder.js';
import { hasCheckpoint, initialCheckpointState, loadCheckpoint, removeUnfinishedCheckpoints, saveCheckpoint, strayCheckpointFiles, writeJsonAtomic, type CheckpointLabel, type CheckpointState } from './checkpoint.js';

export interface TrainOptions {
  config: Config;
  /** A logger to stderr, and (with a path) also to a JSON-lines file. */
  makeLogger: (logFile?: string) => Logger;
  /** Continue the run in the existing directory. */
  resume?: boolean;
  /** Aborting stops after the current step, saves a checkpoint and throws an "interrupted" error (exit 130; REQUEUE_EXIT_CODE when the reason is PREEMPTED). */
  signal?: AbortSignal;
  /** Draw progress bars (a TTY) or periodic log lines. */
  tty?: boolean;
  /** Decoded dev sentences per task to log at each periodic dev evaluation (default DEFAULT_SAMPLES). */
  samples?: number;
}

/**
 * The abort reason that means "preempted": Slurm's USR1 before a time limit or preemption. The run
 * checkpoints after its current step and exits with REQUEUE_EXIT_CODE, which a grid's batch script
 * answers with `scontrol requeue` (the requeued task continues with --resume).
 */
export const PREEMPTED = 'preempted';
/** Exit status of a run stopped by PREEMPTED with its checkpoint saved (EX_TEMPFAIL: try again). */
export const REQUEUE_EXIT_CODE = 75;

/** Dev sentences per task shown in the log at each periodic dev evaluation. */
export const DEFAULT_SAMPLES = 3;

export interface TrainResult {
  runDir: string;
  results: Results | null;
  info: RunInfo;
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { config } = opts;
  let logger = opts.makeLogger();
  const runDir = resolveRunDir(config);
  const name = config.experiment.name!;
  const exists = checkRunFolder(runDir, config, Boolean(opts.resume));
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
  // A process killed before (even before config.yaml was written) may have left temporary files.
  await removeUnfinishedWrites(runDir);
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

  let state: CheckpointState = initialCheckpointState(sampler.state(), run.backbone);
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
      seconds_per_step: info.step > 0 ? info.train_seconds / info.step : null,
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
          if (opts.signal.reason === PREEMPTED) {
            throw new HyperloaderError(`preempted at step ${r.step} (SIGUSR1); checkpoint saved. Exiting with ${REQUEUE_EXIT_CODE} so the job is requeued; it continues with --resume.`, { exitCode: REQUEUE_EXIT_CODE });
          }
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
    // The process's resident memory after the step: a leak shows as a rising line.
    rss_bytes: process.memoryUsage.rss(),
  };
}

