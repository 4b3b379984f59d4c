/**
 * Where model.checkpoint points, the one rule `train`, `eval`, `params` and `export` share: the
 * directory as written, else a hub id's folder in the download cache.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { resolveCacheDir, resolveConfigPath } from '../config/paths.js';
import { modelCacheDir } from '../data/hub.js';

/** A checkpoint directory is one with config.json. */
const isCheckpointDir = (p: string) => existsSync(join(p, 'config.json')) && statSync(p).isDirectory();
const looksLikeHubId = (s: string) => /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(s) && !s.includes('..');

/**
 * Where model.checkpoint points: the directory as written (relative to the working directory), else
 * for a hub id its download-cache folder `<data.cache_dir>/models/<id>` — whichever holds config.json.
 * Undefined when neither does; `looked` lists the places tried, for messages.
 */
export function locateCheckpoint(config: Config): { dir?: string; looked: string[] } {
  const ckpt = config.model.checkpoint;
  if (ckpt === undefined) return { looked: [] };
  const looked = [resolveConfigPath(config, ckpt)];
  if (looksLikeHubId(ckpt)) looked.push(modelCacheDir(resolveCacheDir(config), ckpt));
  return { dir: looked.find(isCheckpointDir), looked };
}

