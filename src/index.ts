/** The library API: everything a command does can be called from a program or a test. */
export { HyperloaderError, NotImplementedError } from './errors.js';
export * from './config/schema.js';
export { loadConfig, resolveConfigObject, configToYaml, defaultExperimentName, type LoadedConfig } from './config/load.js';
export { resolveConfigPath, resolveCacheDir, resolveRunDir } from './config/paths.js';
export { schemaEntries, describeType, type SchemaEntry } from './config/schema-info.js';
export { initBackend, ORDER as BACKEND_ORDER, type BackendChoice, type BackendResult, type BackendAttempt, type BackendLoader, type LoaderId } from './runtime/backend.js';
export { backendReport, wasmSimdSupported, nvidiaSmi, type BackendReport } from './runtime/report.js';
export { createLogger, levelFromFlags, formatHuman, type Logger, type LogLevel, type LoggerOptions } from './runtime/logger.js';
export { progress, formatDuration, type Progress, type ProgressOptions } from './runtime/progress.js';
export { hyperloaderHome, defaultCacheDir } from './runtime/paths.js';
