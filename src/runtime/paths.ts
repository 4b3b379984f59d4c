/** Where hyperloader keeps things on disk when a config does not say. */
import { dirname, join, resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** HYPERLOADER_HOME when set, else the working directory. */
export function hyperloaderHome(): string {
  const h = process.env.HYPERLOADER_HOME;
  return h && h.trim() !== '' ? resolve(h) : process.cwd();
}

/** The default download cache (data.cache_dir's default, `datasets`, under hyperloaderHome()). */
export function defaultCacheDir(): string {
  return join(hyperloaderHome(), 'datasets');
}

/** The hyperloader package's root directory (where package.json is), found from this file. */
export function packageRoot(): string {
  // dist/src/runtime/paths.js → three levels up; src/runtime/paths.ts under ts-node-like runners → two.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** The version in package.json. */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
