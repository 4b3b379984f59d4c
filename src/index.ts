/** The library API: everything a command does can be called from a program or a test. */
export { HyperloaderError } from './errors.js';
export * from './config/schema.js';
export { loadConfig, resolveConfigObject, configToYaml, defaultExperimentName, type LoadedConfig } from './config/load.js';
export { resolveConfigPath, resolveCacheDir, resolveRunDir } from './config/paths.js';
export { schemaEntries, describeType, type SchemaEntry } from './config/schema-info.js';
export { initBackend, ORDER as BACKEND_ORDER, type BackendChoice, type BackendResult, type BackendAttempt, type BackendLoader, type LoaderId } from './runtime/backend.js';
export { backendReport, wasmSimdSupported, nvidiaSmi, type BackendReport } from './runtime/report.js';
export { createLogger, levelFromFlags, formatHuman, type Logger, type LogLevel, type LoggerOptions } from './runtime/logger.js';
export { progress, formatDuration, type Progress, type ProgressOptions } from './runtime/progress.js';
export { hyperloaderHome, defaultCacheDir } from './runtime/paths.js';
export { registerThreadedWasm, unregisterThreadedWasm } from './runtime/wasm-threads.js';

// The T5 backbone and the tokenizer.
export * from './model/index.js';
export * from './tokenizer/index.js';

// HyperLoader: plans, parameters, the hypernetwork, the injector, baselines, interop.
export { resolvePeftPlan, POSITIONS, STACKS, type PeftPlan, type Position } from './peft/config.js';
export { peftParamSpecs, type ParamSpec as PeftParamSpec } from './peft/specs.js';
export { generateModules } from './peft/hypernetwork.js';
export { staticModules } from './peft/static.js';
export { hooksFor, applyAdapter, loraDelta } from './peft/inject.js';
export { PeftModel, isT5LayerNorm } from './peft/model.js';
export type { Modules, AdapterWeights, LoraWeights } from './peft/modules.js';
export { peftParamsFromAuthor } from './peft/author.js';
export { exportPeftAdapter } from './peft/export.js';
export { parameterTable } from './peft/params-table.js';

// Data: registry, readers, splits, Sentinel+Tag, sampling, downloads.
export type { Sentence, DatasetEntry, RemoteFile, SplitName } from './data/types.js';
export { REGISTRY, listDatasets, findDataset, getDataset } from './data/registry.js';
export { loadTaskSplits, loadDatasetSplits } from './data/load.js';
export { readSentences } from './data/readers/index.js';
export { bioToSbio, sbioToBio, toSource, toTarget, fromTargetText, alignToGold, truncateToSentinels } from './data/sentinel.js';
export { makeTagCodec, tagCodec, type TagCodec } from './data/sentinel-codec.js';
export { TaskSampler, temperatureProbabilities } from './data/sampler.js';
export { Rng } from './data/rng.js';
export { downloadFile } from './data/download.js';

// Evaluation: seqeval port, the decode-and-score pipeline, tables.
export { scoreSentences, scoreMode, microF1, microPrf } from './eval/seqeval.js';
export { evaluateTask, evaluateTasks } from './eval/evaluate.js';
export { writePredictions } from './eval/predictions.js';
export { writeResults, readResults, type Results, type TaskScore, type SplitResults } from './eval/report.js';
export { PAPER_RESULTS, paperRowFor } from './eval/paper.js';

// Training and the experiment runner.
export { trainSteps, type StepReport } from './train/loop.js';
export { AdamW, clipByGlobalNorm } from './train/optimizer.js';
export { learningRate } from './train/schedule.js';
export { collate, IGNORE_INDEX, type Batch, type Example } from './data/collate.js';
export { train, prepareRun, evaluateCheckpoint, type TrainOptions, type RunInfo } from './train/run.js';
export { ablate, planAblation } from './train/ablate.js';
export { tagSentences } from './train/predict.js';
