/**
 * Loading a task's train/dev/test sentences: find the dataset (registry, demo or the user's own
 * files), read its split files from the cache (`<cache_dir>/<key>/…`), carve dev from train where
 * there is none, and cut the low-resource subsets (splits.ts). Missing files are a user error that
 * says how to get them.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { HyperloaderError } from '../errors.js';
import type { Config, TaskConfig } from '../config/schema.js';
import { resolveCacheDir } from '../config/paths.js';
import { readSeqio, readSentences } from './readers/index.js';
import { datasetForTask } from './registry.js';
import { carveDev, lowResourceSubset } from './splits.js';
import { asOneTokenEntities } from './per-token.js';
import type { DatasetEntry, Sentence, SplitName } from './types.js';

export const SPLITS: readonly SplitName[] = ['train', 'dev', 'test'];

export interface TaskSplits {
  entry: DatasetEntry;
  train: Sentence[];
  dev: Sentence[];
  /** Empty only for a custom task without a test file. */
  test: Sentence[];
  /** The file (or seq.in/seq.out folder) each split was read from; dev is absent when carved. */
  sources: Partial<Record<SplitName, string>>;
  devCarved: boolean;
  /** The low-resource fraction applied to train and dev (1 = all). */
  fraction: number;
}

export interface LoadOptions {
  /** The cache folder holding `<key>/…` (absolute, or relative to the working directory). */
  cacheDir: string;
  /** data.split_seed (default 42). */
  splitSeed?: number;
  /** Low-resource fraction p of train and dev (default 1). */
  fraction?: number;
  /**
   * The task's metric (data.tasks[].metric): `accuracy` reads per-token tags as they are and
   * carries them as one-token entities (per-token.ts). Default f1.
   */
  metric?: 'f1' | 'accuracy';
}

/** The dataset's folder inside the cache, relative to it: `entry.dir`, else its key. */
export function cacheFolderOf(entry: DatasetEntry): string {
  return entry.dir ?? entry.key;
}

/** Where a dataset's files live: its local folder (demo, custom) or `<cacheDir>/<dir or key>`. */
export function datasetDir(entry: DatasetEntry, cacheDir: string): string {
  return entry.local_dir ?? join(cacheDir, cacheFolderOf(entry));
}

/** The paths a split may be read from, in order of preference (the split's own file, then alternates). */
export function splitCandidates(entry: DatasetEntry, split: SplitName, cacheDir: string): string[] {
  const own = entry.splits[split];
  if (own === undefined) return [];
  const dir = datasetDir(entry, cacheDir);
  return [own, ...(entry.alternates?.[split] ?? [])].map((p) => (isAbsolute(p) ? p : join(dir, p)));
}

/** Whether a split path is present: a file, or for seqio a folder holding seq.in. */
function present(entry: DatasetEntry, path: string): boolean {
  try {
    if (entry.format === 'seqio') return existsSync(join(path, 'seq.in')) && existsSync(join(path, 'seq.out'));
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Reads one split from `path` (a file, or a seq.in/seq.out[/label] folder for seqio). */
export async function readSplitAt(entry: DatasetEntry, path: string): Promise<Sentence[]> {
  if (entry.format === 'seqio') {
    const labelPath = join(path, 'label');
    return readSeqio({
      seqIn: { input: await readFile(join(path, 'seq.in')), file: join(path, 'seq.in') },
      seqOut: { input: await readFile(join(path, 'seq.out')), file: join(path, 'seq.out') },
      label: existsSync(labelPath) ? { input: await readFile(labelPath), file: labelPath } : undefined,
    }, entry.reader_options?.tags === 'as-is');
  }
  return readSentences(entry.format, await readFile(path), path, entry.reader_options);
}

export interface AvailableSplits {
  /** The splits found, as read from their files (no carving, no subsets). */
  read: Partial<Record<SplitName, { sentences: Sentence[]; source: string }>>;
  /** Splits the dataset has but the cache lacks. */
  missing: SplitName[];
}

/** Reads every split of a dataset that is present; reports the missing ones instead of failing. */
export async function readAvailableSplits(entry: DatasetEntry, cacheDir: string, only: readonly SplitName[] = SPLITS): Promise<AvailableSplits> {
  const out: AvailableSplits = { read: {}, missing: [] };
  for (const split of only) {
    const candidates = splitCandidates(entry, split, cacheDir);
    if (candidates.length === 0) continue;
    const path = candidates.find((p) => present(entry, p));
    if (path === undefined) out.missing.push(split);
    else out.read[split] = { sentences: await readSplitAt(entry, path), source: path };
  }
  return out;
}

/**
 * The splits a run uses: dev carved from train when the dataset has none, then floor(p × n) of
 * train and dev. `raw` holds the splits as read.
 */
export function assembleSplits(
  entry: DatasetEntry,
  raw: Partial<Record<SplitName, Sentence[]>>,
  splitSeed = 42,
  fraction = 1,
): { train: Sentence[]; dev: Sentence[]; test: Sentence[]; devCarved: boolean } {
  let train = raw.train ?? [];
  let dev = raw.dev;
  const devCarved = entry.splits.dev === undefined;
  if (dev === undefined) ({ train, dev } = carveDev(train, splitSeed, entry.key));
  if (fraction < 1) {
    train = lowResourceSubset(train, fraction, splitSeed, entry.key, 'train');
    dev = lowResourceSubset(dev, fraction, splitSeed, entry.key, 'dev');
  }
  return { train, dev, test: raw.test ?? [], devCarved };
}

/** Loads a dataset's splits; any missing split file is an error naming the files and how to get them. */
export async function loadDatasetSplits(dataset: DatasetEntry, options: LoadOptions): Promise<TaskSplits> {
  const fraction = options.fraction ?? 1;
  const perToken = options.metric === 'accuracy';
  const entry: DatasetEntry = perToken ? { ...dataset, reader_options: { ...dataset.reader_options, tags: 'as-is' } } : dataset;
  const avail = await readAvailableSplits(entry, options.cacheDir);
  if (avail.missing.length > 0) throw missingFilesError(entry, options.cacheDir, avail.missing);
  const raw: Partial<Record<SplitName, Sentence[]>> = {};
  const sources: Partial<Record<SplitName, string>> = {};
  for (const s of SPLITS) {
    const r = avail.read[s];
    if (r) {
      raw[s] = perToken ? r.sentences.map((x) => ({ ...x, tags: asOneTokenEntities(x.tags) })) : r.sentences;
      sources[s] = r.source;
    }
  }
  if (!raw.train || raw.train.length === 0) {
    throw new HyperloaderError(`dataset ${entry.key}: the train split ${sources.train ?? ''} holds no sentences; check the file`);
  }
  return { entry: dataset, ...assembleSplits(entry, raw, options.splitSeed, fraction), sources, fraction };
}

/**
 * The train/dev/test sentences of one task of a config (by name or the task object itself), read
 * from `data.cache_dir` (or the task's own files), with data.split_seed and the task's (or
 * data's) low-resource fraction.
 */
export async function loadTaskSplits(config: Pick<Config, 'data'>, task: TaskConfig | string): Promise<TaskSplits> {
  const tasks = config.data.tasks;
  const index = typeof task === 'string' ? tasks.findIndex((t) => t.name === task) : tasks.indexOf(task);
  const t = typeof task === 'string' ? tasks[index] : task;
  if (t === undefined) {
    throw new HyperloaderError(`no task named ${JSON.stringify(task)} in data.tasks (tasks: ${tasks.map((x) => x.name).join(', ')})`);
  }
  const cacheDir = resolveCacheDir(config as Config);
  const entry = datasetForTask(t, index >= 0 ? index : undefined, undefined, undefined, cacheDir);
  return loadDatasetSplits(entry, {
    cacheDir,
    splitSeed: config.data.split_seed,
    fraction: t.fraction ?? config.data.fraction,
    metric: t.metric,
  });
}

/** The error for split files absent from the cache: what is missing, and how to get it. */
export function missingFilesError(entry: DatasetEntry, cacheDir: string, missing: readonly SplitName[]): HyperloaderError {
  const lines = missing.map((s) => `  ${s}: ${splitCandidates(entry, s, cacheDir).join(' or ')}`);
  if (entry.origin === 'user') {
    return new HyperloaderError(
      `dataset ${entry.key}: split file(s) missing from the cache ${cacheDir}:\n${lines.join('\n')}\n` +
        `It was registered with \`hyperloader data add\`; register it again (\`hyperloader data add ${entry.key} --force --train … --test …\`), or remove its entry from ${join(cacheDir, 'hyperloader-datasets.json')}`,
    );
  }
  if (entry.local_dir !== undefined && entry.files.length === 0) {
    const hint = entry.citation.startsWith('Synthetic')
      ? 'the bundled demo data is incomplete; restore datasets/demo/ from the repository (or regenerate it with the script in scripts/)'
      : 'check the paths in the task\'s custom block (relative paths resolve against the working directory)';
    return new HyperloaderError(`dataset ${entry.key}: split file(s) not found:\n${lines.join('\n')}\n${hint}`);
  }
  const dir = datasetDir(entry, cacheDir);
  const byHand = entry.files.map((f) => {
    const src = [...f.urls, ...(f.official_url ? [`official: ${f.official_url}`] : [])].join('\n      ');
    const members = f.extract?.length ? ` (extract ${f.extract.map((m) => `${m.member} → ${join(dir, m.path)}`).join(', ')})` : '';
    return `  ${join(dir, f.path)}${members}\n      ${src}`;
  });
  return new HyperloaderError(
    `dataset ${entry.key}: split file(s) missing from the cache ${cacheDir}:\n${lines.join('\n')}\n` +
      `Run \`hyperloader download ${entry.key}\` (with --cache-dir ${cacheDir} if that is not your default), ` +
      `or put the files there by hand (\`hyperloader download ${entry.key} --from DIR\` verifies and imports them):\n${byHand.join('\n')}`,
  );
}
