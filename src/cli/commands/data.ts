/** `hyperloader data stats|check|list [names…]`: what is in the dataset cache and what it holds. */
import type { Argv, CommandModule } from 'yargs';
import { resolveCacheDir } from '../../config/paths.js';
import { HyperloaderError } from '../../errors.js';
import { datasetForTask, getDataset, listDatasets } from '../../data/registry.js';
import { checkCache } from '../../data/registry-check.js';
import { datasetStats, formatStats } from '../../data/stats.js';
import type { DatasetEntry } from '../../data/types.js';
import { defaultCacheDir } from '../../runtime/paths.js';
import { toSource, toTarget } from '../../data/sentinel.js';
import type { StatsOptions } from '../../data/stats.js';
import { DEFAULT_T5_TOKENIZER_PATH, loadTokenizer } from '../../tokenizer/index.js';
import { loadConfigFromArgs, withConfigOption, type GlobalArgs } from '../common.js';
import { resolve } from 'node:path';
import { addDataset, ADD_FORMATS, type AddFormat } from '../../data/add.js';
import type { TagScheme } from '../../data/types.js';

const ACTIONS = ['stats', 'check', 'list', 'add'] as const;
const SCHEME_CHOICES = ['auto', 'iob1', 'iob2', 'bioes'] as const;

export interface Args extends GlobalArgs {
  action: (typeof ACTIONS)[number];
  names?: string[];
  json?: boolean;
  'cache-dir'?: string;
  config?: string;
  'split-seed'?: number;
  fraction?: number;
  tokenizer?: string;
  train?: string;
  dev?: string;
  test?: string;
  format?: AddFormat;
  scheme?: string;
  force?: boolean;
}

/** `data add NAME --train F [--dev F] --test F`: register the user's corpus in the cache (data/add.ts). */
async function add(args: Args): Promise<void> {
  const names = args.names ?? [];
  if (names.length !== 1) {
    throw new HyperloaderError(`data add takes one name (the dataset name configs will use), got ${names.length === 0 ? 'none' : names.join(' ')}; e.g. hyperloader data add my_ner --train train.txt --test test.txt`, { exitCode: 2 });
  }
  for (const flag of ['train', 'test'] as const) {
    if (args[flag] === undefined) throw new HyperloaderError(`data add: --${flag} FILE is required (--dev is optional: without it dev is carved from train)`, { exitCode: 2 });
  }
  let cacheDir = args['cache-dir'] !== undefined ? resolve(args['cache-dir']) : undefined;
  if (cacheDir === undefined && args.config) cacheDir = resolveCacheDir((await loadConfigFromArgs(args as Args & { config: string })).config);
  const scheme = (args.scheme ?? 'auto').toUpperCase();
  const result = await addDataset({
    name: names[0]!,
    cacheDir: cacheDir ?? defaultCacheDir(),
    train: args.train!,
    dev: args.dev,
    test: args.test!,
    format: args.format,
    scheme: (scheme === 'AUTO' ? 'auto' : scheme) as TagScheme,
    force: args.force,
  });
  process.stdout.write(args.json ? `${JSON.stringify({ name: result.name, dir: result.dir, ...result.record, repaired: result.repairs }, null, 2)}\n` : `${result.report.join('\n')}\n`);
}

/** Exact Sentinel+Tag token counts with a tokenizer (`--tokenizer` alone: the vendored T5 one). */
async function tokenCounter(path: string): Promise<StatsOptions['countTokens']> {
  const tok = await loadTokenizer(path === '' || path === 't5' ? DEFAULT_T5_TOKENIZER_PATH : resolve(path));
  return (s) => ({ source: tok.encode(toSource(s.tokens)).length, target: tok.encode(toTarget(s.tags)).length });
}

interface Selection {
  entries: DatasetEntry[];
  cacheDir: string;
  splitSeed: number;
  /** Per dataset key: the low-resource fraction (from the config's tasks). */
  fractions: Map<string, number>;
  named: boolean;
}

async function select(args: Args): Promise<Selection> {
  const names = args.names ?? [];
  let cacheDir = args['cache-dir'] !== undefined ? resolve(args['cache-dir']) : undefined;
  let splitSeed = args['split-seed'] ?? 42;
  const fractions = new Map<string, number>();
  if (args.config) {
    const { config } = await loadConfigFromArgs(args as Args & { config: string });
    cacheDir ??= resolveCacheDir(config);
    splitSeed = args['split-seed'] ?? config.data.split_seed;
    if (names.length === 0) {
      const dir = cacheDir;
      const entries = config.data.tasks.map((t, i) => {
        const e = datasetForTask(t, i, undefined, undefined, dir);
        fractions.set(e.key, args.fraction ?? t.fraction ?? config.data.fraction);
        return e;
      });
      return { entries, cacheDir, splitSeed, fractions, named: true };
    }
  }
  cacheDir ??= defaultCacheDir();
  const dir = cacheDir;
  const entries = names.length > 0 ? names.map((n) => getDataset(n, undefined, undefined, dir)) : listDatasets(undefined, dir);
  if (args.fraction !== undefined) for (const e of entries) fractions.set(e.key, args.fraction);
  return { entries, cacheDir, splitSeed, fractions, named: names.length > 0 };
}

export const command: CommandModule<object, Args> = {
  command: 'data <action> [names..]',
  describe: 'Dataset statistics (stats), cache verification against the registry checksums (check), the registry (list)',
  builder: (y) =>
    withConfigOption(y, false)
      .positional('action', { choices: ACTIONS, describe: 'stats | check | list | add' })
      .positional('names', { type: 'string', array: true, describe: 'registry keys or aliases (default: the config\'s tasks, else every dataset); for add, the new dataset\'s name' })
      .option('train', { type: 'string', describe: 'add: the train file (or seq.in/seq.out folder)' })
      .option('dev', { type: 'string', describe: 'add: the dev file; without it dev is carved from train (ceil(n/10), seeded by data.split_seed)' })
      .option('test', { type: 'string', describe: 'add: the test file' })
      .option('format', { choices: ADD_FORMATS, describe: 'add: file layout (auto detects column order, tab/space, CRLF, byte-order mark, -DOCSTART-)', default: 'auto' })
      .option('scheme', { type: 'string', choices: SCHEME_CHOICES as unknown as string[], coerce: (v: string) => v.toLowerCase(), describe: 'add: tagging scheme of the files (auto detects); converted to IOB2', default: 'auto' })
      .option('force', { type: 'boolean', describe: 'add: replace a corpus already registered under this name' })
      .option('json', { type: 'boolean', describe: 'print JSON' })
      .option('cache-dir', { type: 'string', describe: 'dataset cache folder holding <key>/… (default: data.cache_dir, else $HYPERLOADER_HOME/datasets, else ./datasets)' })
      .option('split-seed', { type: 'number', describe: 'seed for the carved dev splits and subsets (default: data.split_seed, else 42)' })
      .option('fraction', { type: 'number', describe: 'low-resource fraction p: stats of floor(p·n) of train and dev' })
      .option('tokenizer', { type: 'string', describe: 'count Sentinel+Tag tokens exactly with this tokenizer.json (alone: the bundled T5 tokenizer); default a 2n+2 lower bound' })
      .example('$0 data stats', 'every dataset in ./datasets')
      .example('$0 data stats atis mit_movie --json', 'two datasets, as JSON')
      .example('$0 data check --cache-dir ../shared/datasets', 'verify the files against the registry sha256')
      .example('$0 data add my_ner --train train.txt --dev dev.txt --test test.txt', 'register your own corpus; configs then say `dataset: my_ner`') as unknown as Argv<Args>,
  handler: async (args) => {
    if (args.fraction !== undefined && !(args.fraction > 0 && args.fraction <= 1)) {
      throw new HyperloaderError(`--fraction must be in (0, 1], got ${args.fraction}`, { exitCode: 2 });
    }
    if (args.action === 'add') return add(args);
    const sel = await select(args);
    const print = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
    if (args.action === 'list') {
      const rows = sel.entries.map((e) => ({
        key: e.key,
        aliases: e.aliases ?? [],
        title: e.title,
        format: e.format,
        splits: e.splits,
        split_rule: e.split_rule,
        licence: e.licence,
        citation: e.citation,
        homepage: e.homepage,
        local: e.local_dir !== undefined,
      }));
      print(args.json ? JSON.stringify(rows, null, 2) : rows.map((r) => `${r.key.padEnd(18)} ${r.format.padEnd(6)} ${r.title}${r.aliases.length ? `  (also: ${r.aliases.join(', ')})` : ''}`).join('\n'));
      return;
    }
    if (args.action === 'check') {
      const rows = await checkCache(sel.entries.filter((e) => e.local_dir === undefined), sel.cacheDir);
      // A dataset with none of its files is simply not downloaded (a failure only when named); one
      // with some of them is incomplete, and that is a failure.
      const present = new Set(rows.filter((r) => r.status !== 'missing').map((r) => r.dataset));
      const absent = [...new Set(rows.map((r) => r.dataset))].filter((d) => !present.has(d));
      const bad = rows.filter((r) => r.status === 'mismatch' || (r.status === 'missing' && (sel.named || present.has(r.dataset))));
      if (args.json) print(JSON.stringify({ cache_dir: sel.cacheDir, files: rows, failed: bad.map((r) => r.path), not_downloaded: absent }, null, 2));
      else {
        print(`cache: ${sel.cacheDir}`);
        for (const r of rows) print(`  ${r.status.padEnd(10)} ${r.path}  ${r.detail}`);
        const notDownloaded = !sel.named && absent.length > 0 ? `; not downloaded: ${absent.join(', ')}` : '';
        const datasets = [...new Set(bad.map((r) => r.dataset))];
        print(
          bad.length === 0
            ? `every file present verifies${notDownloaded}`
            : `${bad.length} file(s) missing or failed (${bad.filter((r) => r.status === 'missing').length} missing); ` +
                `run \`hyperloader download ${datasets.join(' ')}\` to fetch them${notDownloaded}`,
        );
      }
      if (bad.length > 0) process.exitCode = 1;
      return;
    }
    const countTokens = args.tokenizer !== undefined ? await tokenCounter(args.tokenizer) : undefined;
    const all = [];
    for (const e of sel.entries) {
      all.push(await datasetStats(e, sel.cacheDir, { splitSeed: sel.splitSeed, fraction: sel.fractions.get(e.key) ?? 1, countTokens }));
    }
    print(args.json ? JSON.stringify({ cache_dir: sel.cacheDir, datasets: all }, null, 2) : `cache: ${sel.cacheDir}\n\n${formatStats(all)}`);
    // A split file that holds no sentence is a broken download or the wrong file: say which.
    const empty = all.flatMap((d) => Object.entries(d.splits).filter(([, st]) => st && st.sentences === 0).map(([split, st]) => `${d.key} ${split} (${st!.source})`));
    if (empty.length > 0) {
      process.stderr.write(`hyperloader: empty split(s), no sentence read: ${empty.join(', ')}. Download them again (\`hyperloader download …\`) or check the file.\n`);
      process.exitCode = 1;
    }
    if (sel.named && all.some((d) => d.missing.length > 0)) process.exitCode = 1;
  },
};
