/** Where hyperloader keeps things on disk when a config does not say. */
import { resolve, join } from 'node:path';

/** HYPERLOADER_HOME when set, else the working directory. */
export function hyperloaderHome(): string {
  const h = process.env.HYPERLOADER_HOME;
  return h && h.trim() !== '' ? resolve(h) : process.cwd();
}

/** The default download cache (data.cache_dir's default, `datasets`, under hyperloaderHome()). */
export function defaultCacheDir(): string {
  return join(hyperloaderHome(), 'datasets');
}
