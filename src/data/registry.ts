/**
 * The dataset registry: which datasets hyperloader knows, where their files come from, how to read
 * and split them. Entries live in registry-data.ts (the paper's seven plus CoNLL-2003 and WNUT-17),
 * registry-bio.ts (four biomedical corpora), registry-demo.ts (the bundled synthetic demo tasks)
 * and, per cache, user-registry.ts (corpora registered with `hyperloader data add`); users' files
 * can also come in through a config task's `custom` block (customEntry).
 */
import { basename, resolve } from 'node:path';
import { HyperloaderError } from '../errors.js';
import { closest } from '../config/suggest.js';
import type { TaskConfig } from '../config/schema.js';
import { demoEntries, DEMO_DIR } from './registry-demo.js';
import { REGISTRY } from './registry-data.js';
import { userEntries } from './user-registry.js';
import type { DatasetEntry } from './types.js';

export { PAPER_TASKS, REGISTRY } from './registry-data.js';
export { BIO_TASKS } from './registry-bio.js';
export { DEMO_DIR } from './registry-demo.js';

/**
 * Every registered dataset: the downloadable ones, the demo tasks found on disk, then the corpora
 * registered with `data add` in `cacheDir` (none when no cache is given).
 */
export function listDatasets(demoDir: string = DEMO_DIR, cacheDir?: string): DatasetEntry[] {
  return [...REGISTRY, ...demoEntries(demoDir), ...(cacheDir !== undefined ? userEntries(cacheDir) : [])];
}

/** The entry for a key or alias (SPEC §6 names such as movieTrivia; case-insensitive), or undefined. */
export function findDataset(name: string, demoDir: string = DEMO_DIR, cacheDir?: string): DatasetEntry | undefined {
  const want = name.toLowerCase();
  for (const e of listDatasets(demoDir, cacheDir)) {
    if (e.key.toLowerCase() === want || e.aliases?.some((a) => a.toLowerCase() === want)) return e;
  }
  return undefined;
}

/** Like findDataset, but an unknown name is a user error listing what is known. */
export function getDataset(name: string, demoDir: string = DEMO_DIR, where = 'dataset name', cacheDir?: string): DatasetEntry {
  const e = findDataset(name, demoDir, cacheDir);
  if (e) return e;
  const all = listDatasets(demoDir, cacheDir);
  const known = all.map((d) => (d.aliases?.length ? `${d.key} (${d.aliases.join(', ')})` : d.key));
  const near = closest(name, all.flatMap((d) => [d.key, ...(d.aliases ?? [])]));
  const cache = cacheDir !== undefined ? ` (corpora registered with \`data add\` in ${cacheDir} included)` : '';
  throw new HyperloaderError(
    `unknown ${where} ${JSON.stringify(name)}${near ? `; did you mean "${near}"?` : '.'} Known datasets${cache}: ${known.join(', ')}. ` +
      'For your own files, register them with `hyperloader data add NAME --train F --dev F --test F`, or give the task a `custom` block (format, train, dev, test).',
    { exitCode: 2 },
  );
}

/**
 * A registry-shaped entry for a config task's own files. Relative paths resolve against `baseDir`
 * (the working directory by default). A missing dev split is carved from train like the MIT sets'.
 */
export function customEntry(task: TaskConfig, baseDir: string = process.cwd()): DatasetEntry {
  const c = task.custom;
  if (!c) throw new HyperloaderError(`task ${JSON.stringify(task.name)} has no custom block`);
  const splits: DatasetEntry['splits'] = { train: resolve(baseDir, c.train) };
  if (c.dev) splits.dev = resolve(baseDir, c.dev);
  if (c.test) splits.test = resolve(baseDir, c.test);
  return {
    key: task.name,
    title: `${task.name} (your files: ${basename(c.train)}…)`,
    licence: 'your own data',
    citation: '',
    files: [],
    format: c.format,
    splits,
    split_rule: c.dev ? 'train/dev/test as given' : 'dev carved from train (ceil(n/10), seeded by data.split_seed)',
    reader_options: { token_column: c.token_column, tag_column: c.tag_column, scheme: c.scheme },
    // Absolute split paths: the files live wherever the user keeps them.
    local_dir: resolve(baseDir),
  };
}

/**
 * The dataset a config task uses: its custom files, or the registry entry named by `dataset`
 * (default: the task name), looking among the corpora registered in `cacheDir` too.
 */
export function datasetForTask(task: TaskConfig, index?: number, demoDir: string = DEMO_DIR, baseDir?: string, cacheDir?: string): DatasetEntry {
  if (task.custom) {
    if (task.dataset) {
      throw new HyperloaderError(`data.tasks[${index ?? '?'}] (${task.name}) sets both dataset and custom; keep one`);
    }
    return customEntry(task, baseDir);
  }
  return getDataset(task.dataset ?? task.name, demoDir, `data.tasks[${index ?? '?'}].${task.dataset ? 'dataset' : 'name'}`, cacheDir);
}

