/** Where tests find things. Compiled to dist/test/helpers/, so the repository root is three levels up. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
/** The workplace's shared folder (datasets, fixtures); absent outside this workplace. */
export const sharedDir = process.env.HYPERLOADER_SHARED ?? resolve(repoRoot, '..', 'shared');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
export const binPath = join(repoRoot, 'bin', 'hyperloader.js');

/** The shared datasets folder, or a reason to skip (for `test(name, { skip }, fn)`). */
export function sharedDatasets(): { dir: string; skip: false } | { dir: string; skip: string } {
  const dir = join(sharedDir, 'datasets');
  return existsSync(join(dir, 'MANIFEST.json'))
    ? { dir, skip: false }
    : { dir, skip: `shared datasets not found at ${dir} (only present in the hyperloader workplace); skipping` };
}

/**
 * Comma-separated directories from an environment variable, else the defaults. Set but naming no
 * directory, or a directory that does not exist, is an error: a check asked for must never
 * silently register zero tests.
 */
export function fixtureDirsFromEnv(variable: string, defaults: string[]): string[] {
  const v = process.env[variable];
  if (v === undefined) return defaults;
  const dirs = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (dirs.length === 0) throw new Error(`${variable} is set but names no fixture directory (${JSON.stringify(v)}); unset it to use the bundled fixtures`);
  const missing = dirs.filter((d) => !existsSync(d));
  if (missing.length > 0) throw new Error(`${variable}: no such fixture directory: ${missing.join(', ')}`);
  return dirs;
}
