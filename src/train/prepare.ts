/**
 * A run's pieces from its config (backend, tokenizer, tasks, tag codec, model, backbone
 * fingerprint), as `train`, `eval`, `predict` and the scripts load them, and the evaluation of a
 * saved checkpoint into the run's F1 tables.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { initBackend } from '../runtime/backend.js';
import type { PeftModel } from '../peft/model.js';
import { paperRowFor } from '../eval/paper.js';
import { writeResults, type Results, type SplitResults } from '../eval/report.js';
import { evaluateSplit, type EvalTarget } from '../eval/split.js';
import type { TagCodec } from '../data/sentinel-codec.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { backboneHash, buildModel, codecFor, loadRunTokenizer, loadTasks, type TaskData } from './setup.js';
import { loadCheckpoint, type CheckpointLabel } from './checkpoint.js';

/** What every command that works on a run needs from it. */
export interface LoadedRun extends EvalTarget {
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
