/**
 * Where relative paths in a config point. The rule: relative to the working directory (so the
 * configs in configs/ work when run from the repository root, like `runs_dir: runs`), except
 * data.cache_dir, which is relative to HYPERLOADER_HOME when that is set (it defaults to the
 * working directory too).
 */
import { isAbsolute, resolve } from 'node:path';
import { hyperloaderHome } from '../runtime/paths.js';
import type { Config } from './schema.js';

/** A path written in a config (model.checkpoint, model.tokenizer, custom dataset files, …), made absolute. */
export function resolveConfigPath(_config: Config, p: string): string {
  return isAbsolute(p) ? p : resolve(process.cwd(), p);
}

/** The download cache for datasets and checkpoints. */
export function resolveCacheDir(config: Config): string {
  const p = config.data.cache_dir;
  return isAbsolute(p) ? p : resolve(hyperloaderHome(), p);
}

/** The run directory: runs_dir/name. */
export function resolveRunDir(config: Config): string {
  const name = config.experiment.name;
  if (name === undefined) {
    throw new Error('experiment.name is unset: configs loaded with loadConfig get a default; pass { name } to resolveConfigObject');
  }
  return resolve(resolveConfigPath(config, config.experiment.runs_dir), name);
}
