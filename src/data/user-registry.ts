/**
 * Corpora registered with `hyperloader data add`: each lives in the cache as `<cache>/<name>/`
 * (train.tsv, dev.tsv when given, test.tsv: token<TAB>tag, IOB2, what the converter wrote), and
 * `<cache>/hyperloader-datasets.json` records where each came from, the sha256 of the source and
 * of the stored file, what was detected and repaired. The registry lookups (registry.ts) read this
 * file, so a config names a registered corpus (`dataset: NAME`) like a built-in one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HyperloaderError } from '../errors.js';
import { writeFileAtomic } from '../runtime/fs.js';
import type { DatasetEntry, SplitName } from './types.js';

export const USER_REGISTRY_FILE = 'hyperloader-datasets.json';

export interface UserFileRecord {
  /** The stored file inside `<cache>/<name>/`. */
  path: string;
  sha256: string;
  bytes: number;
  sentences: number;
  /** The file the user gave, as an absolute path, and its own checksum. */
  source: string;
  source_sha256: string;
  source_bytes: number;
}

export interface UserDatasetRecord {
  /** ISO time of `data add`. */
  added: string;
  /** The --format and --scheme given. */
  format: string;
  scheme_option: string;
  /** What the files turned out to be (per split), and the scheme converted from, in words. */
  layout: Partial<Record<SplitName, string>>;
  scheme: string;
  scheme_reason: string;
  /** Tags changed that the scheme does not explain (I- after O in IOB2 …); listed in repairs.txt. */
  repairs: number;
  files: Partial<Record<SplitName, UserFileRecord>>;
  /** IOB2 tags over all splits, sorted. */
  labels: string[];
}

export interface UserRegistry {
  version: 1;
  datasets: Record<string, UserDatasetRecord>;
}

export function userRegistryPath(cacheDir: string): string {
  return join(cacheDir, USER_REGISTRY_FILE);
}

/** The registry file of a cache (empty when there is none). A file that is not ours is an error naming it. */
export function readUserRegistry(cacheDir: string): UserRegistry {
  const p = userRegistryPath(cacheDir);
  if (!existsSync(p)) return { version: 1, datasets: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(p, 'utf8'));
  } catch (err) {
    throw new HyperloaderError(`${p}: not valid JSON (${(err as Error).message}); restore it from a backup, or delete it and register your corpora again with \`hyperloader data add\``);
  }
  const reg = parsed as Partial<UserRegistry>;
  if (reg?.version !== 1 || typeof reg.datasets !== 'object' || reg.datasets === null) {
    throw new HyperloaderError(`${p}: not a hyperloader dataset registry (expected {"version": 1, "datasets": {…}}); delete it and register your corpora again with \`hyperloader data add\``);
  }
  return reg as UserRegistry;
}

export async function writeUserRegistry(cacheDir: string, reg: UserRegistry): Promise<void> {
  const sorted: UserRegistry = { version: 1, datasets: Object.fromEntries(Object.entries(reg.datasets).sort(([a], [b]) => (a < b ? -1 : 1))) };
  await writeFileAtomic(userRegistryPath(cacheDir), JSON.stringify(sorted, null, 2) + '\n');
}

/** A registry entry for a registered corpus: stored files are verified by `data check` like downloads. */
export function userEntry(name: string, rec: UserDatasetRecord): DatasetEntry {
  const splits: DatasetEntry['splits'] = {};
  for (const [split, f] of Object.entries(rec.files) as [SplitName, UserFileRecord][]) splits[split] = f.path;
  const sources = Object.entries(rec.files).map(([s, f]) => `${s}: ${f!.source} (sha256 ${f!.source_sha256.slice(0, 12)}…)`);
  return {
    key: name,
    title: `${name} (your corpus, added ${rec.added.slice(0, 10)} with data add)`,
    licence: 'your own data',
    citation: '',
    files: Object.values(rec.files).map((f) => ({ path: f!.path, urls: [], sha256: f!.sha256, size: f!.bytes })),
    format: 'conll',
    reader_options: { token_column: 0, tag_column: 1, scheme: 'IOB2' },
    splits,
    split_rule: splits.dev ? 'train/dev/test as given to data add' : 'no dev file given: dev = ceil(n/10) sentences carved from train, seeded by data.split_seed (as for the MIT corpora)',
    origin: 'user',
    notes: [
      ...Object.entries(rec.layout).map(([s, l]) => `${s} file: ${l}`),
      `scheme ${rec.scheme} (${rec.scheme_reason}), converted to IOB2${rec.repairs > 0 ? `; ${rec.repairs} tag(s) repaired (see repairs.txt)` : ''}`,
      ...sources.map((s) => `source ${s}`),
    ],
  };
}

/** Every corpus registered in this cache. */
export function userEntries(cacheDir: string): DatasetEntry[] {
  return Object.entries(readUserRegistry(cacheDir).datasets).map(([name, rec]) => userEntry(name, rec));
}
