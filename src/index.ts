/**
 * The library API (README, "Library"): what a program needs to do what a command does. Helpers the
 * commands use internally (CLI formatting, wasm thread registration, schema introspection) are not
 * part of it; import them from their modules in a test.
 */
export { HyperloaderError } from './errors.js';
export * from './config/schema.js';
export { loadConfig, resolveConfigObject, configToYaml, defaultExperimentName, type LoadedConfig } from './config/load.js';
export { resolveConfigPath, resolveCacheDir, resolveRunDir } from './config/paths.js';
export { initBackend, type BackendChoice, type BackendResult } from './runtime/backend.js';
export { backendReport, type BackendReport } from './runtime/report.js';
export { createLogger, type Logger, type LogLevel, type LoggerOptions } from './runtime/logger.js';
export { progress, formatDuration, type Progress, type ProgressOptions } from './runtime/progress.js';
export { hyperloaderHome, defaultCacheDir } from './runtime/paths.js';

// The T5 backbone and the tokenizer.
export * from './model/index.js';
export * from './tokenizer/index.js';

// HyperLoader: plans, parameters, the hypernetwork, the injector, baselines, interop.
export { resolvePeftPlan, POSITIONS, STACKS, type PeftPlan, type Position } from './peft/config.js';
export { peftParamSpecs, type ParamSpec as PeftParamSpec } from './peft/specs.js';
export { generateModules } from './peft/hypernetwork.js';
export { staticModules } from './peft/static.js';
export { hooksFor, applyAdapter, loraDelta } from './peft/inject.js';
export { PeftModel } from './peft/model.js';
export type { Modules, AdapterWeights, LoraWeights } from './peft/modules.js';
export { peftParamsFromAuthor } from './peft/author.js';
export { exportPeftAdapter } from './peft/export.js';
export { parameterTable } from './peft/params-table.js';

// Data: registry, readers, splits, Sentinel+Tag, sampling, downloads.
export type { Sentence, DatasetEntry, RemoteFile, SplitName } from './data/types.js';
export { REGISTRY, listDatasets, findDataset, getDataset } from './data/registry.js';
export { loadTaskSplits, loadDatasetSplits } from './data/load.js';
export { readSentences } from './data/readers/index.js';
export { bioToSbio, sbioToBio, toSource, toTarget, fromTargetText, alignToGold } from './data/sentinel.js';
export { makeTagCodec, tagCodec, type TagCodec } from './data/sentinel-codec.js';
export { TaskSampler, temperatureProbabilities } from './data/sampler.js';
export { Rng } from './data/rng.js';
export { downloadFile } from './data/download.js';
export { addDataset, ADD_FORMATS } from './data/add.js';
export { readUserRegistry } from './data/user-registry.js';
export { readColumns, parseColumns } from './data/readers/columns.js';
export { detectScheme, toIob2 } from './data/readers/scheme.js';
export { BIO_TASKS } from './data/registry-bio.js';
export { asOneTokenEntities, fromOneTokenEntities } from './data/per-token.js';

// Evaluation: seqeval port, the decode-and-score pipeline, tables.
export { scoreSentences, scoreMode, microF1, microPrf } from './eval/seqeval.js';
export { evaluateTask, evaluateTasks } from './eval/evaluate.js';
export { accuracyScoreOf } from './eval/accuracy.js';
export { writePredictions } from './eval/predictions.js';
export { writeResults, readResults, type Results, type TaskScore, type SplitResults } from './eval/report.js';
export { PAPER_RESULTS, paperRowFor } from './eval/paper.js';

// Training and the experiment runner.
export { trainSteps, type StepReport } from './train/loop.js';
export { AdamW, clipByGlobalNorm } from './train/optimizer.js';
export { learningRate } from './train/schedule.js';
export { collate, IGNORE_INDEX, type Batch, type Example } from './data/collate.js';
export { train, type TrainOptions } from './train/run.js';
export { prepareRun, evaluateCheckpoint, type LoadedRun } from './train/prepare.js';
export { readRunInfo, type RunInfo } from './train/run-folder.js';
export { evaluateSplit, type EvalTarget } from './eval/split.js';
export { ablate, planAblation } from './train/ablate.js';
// Grids (ablate, sweep): the folder layout, the local and Slurm launchers, status and comparison.
export { ablationGrid } from './train/ablate.js';
export { prepareGrid, runGridLocally, readGrid, sweepPoints, type GridFile, type GridRun } from './train/grid.js';
export { readGridFile, gridPoints, type GridSpec } from './train/grid-file.js';
export { launchGridOnSlurm, sbatchScript, slurmOptions } from './train/slurm.js';
export { gridStatus, collectGrid, type RunStatus } from './train/grid-status.js';
export { PREEMPTED, REQUEUE_EXIT_CODE } from './train/run.js';
export { tagSentences, type Tagged } from './eval/tag.js';

// Reports: report.html of a run or an ablation, and the error analysis they show.
export { writeRunReport, writeAblationReport, runReportHtml, ablationReportHtml } from './report/index.js';
export { confusionTable, type Confusion } from './eval/confusion.js';
export { worstSentences, type SentenceError } from './eval/worst-sentences.js';
