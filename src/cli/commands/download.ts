/**
 * `hyperloader download [names..] [--all] [--model ID] [--from DIR]`: fetch datasets and T5
 * checkpoints into the cache, verified by sha256; a summary at the end, and one error listing
 * every file that could not be obtained with its URLs and target path.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { HyperloaderError } from '../../errors.js';
import { loadConfig } from '../../config/load.js';
import { resolveCacheDir } from '../../config/paths.js';
import { defaultCacheDir } from '../../runtime/paths.js';
import { createLogger, levelFromFlags } from '../../runtime/logger.js';
import { getDataset, listDatasets } from '../../data/registry.js';
import type { DatasetEntry } from '../../data/types.js';
import { DownloadLock } from '../../data/download-lock.js';
import { datasetJobs, failureError, runJobs, summarize, type DownloadJob, type JobOutcome } from '../../data/download-batch.js';
import { createProgressReporter, formatBytes } from '../../data/download-progress.js';
import { modelCacheDir, modelJobs } from '../../data/hub.js';
import type { GlobalArgs } from '../common.js';

export interface DownloadArgs extends GlobalArgs {
  names?: string[];
  all?: boolean;
  /** One id, or several when --model is repeated (not greedy, so dataset names may follow it). */
  model?: string | string[];
  revision: string;
  cacheDir?: string;
  config?: string;
  from?: string;
  timeout: number;
  retries: number;
  rehash?: boolean;
  list?: boolean;
}

export const command: CommandModule<object, DownloadArgs> = {
  command: 'download [names..]',
  describe: 'Download datasets and T5 checkpoints into the cache, verified by sha256',
  builder: (y: Argv) =>
    y
      .positional('names', { type: 'string', array: true, describe: 'dataset keys (see --list)' })
      .option('all', { type: 'boolean', describe: 'every dataset in the registry' })
      .option('model', { type: 'string', describe: 'a Hugging Face model id (t5-base) to fetch into <cache>/models/<id>/ (repeatable)' })
      .option('revision', { type: 'string', default: 'main', describe: 'hub revision (branch, tag or commit) for --model' })
      .option('cache-dir', { type: 'string', describe: 'cache folder (default: data.cache_dir of --config, else $HYPERLOADER_HOME/datasets, else ./datasets)' })
      .option('config', { alias: 'c', type: 'string', describe: 'take the cache folder from this config' })
      .option('from', { type: 'string', describe: 'import the files from this local folder instead of the network (matched by name, verified)' })
      .option('timeout', { type: 'number', default: 30, describe: 'seconds without data before an attempt is abandoned' })
      .option('retries', { type: 'number', default: 3, describe: 'retries per URL (exponential backoff from 1 s)' })
      .option('rehash', { type: 'boolean', describe: 're-hash cached files even when the lock file says they are unchanged' })
      .option('list', { type: 'boolean', describe: 'list the datasets the registry knows, then exit' })
      .example('$0 download atis snips', 'two datasets into ./datasets')
      .example('$0 download --all --model t5-base', 'every dataset and the t5-base checkpoint')
      .example('$0 download mtop --from ~/Downloads', 'files fetched by hand, verified and copied into the cache')
      .example('HF_ENDPOINT=https://hf-mirror.com $0 download --model t5-base', 'a hub mirror') as unknown as Argv<DownloadArgs>,
  handler: async (argv: ArgumentsCamelCase<DownloadArgs>) => {
    await download(argv);
  },
};

async function cacheDirFor(argv: DownloadArgs): Promise<string> {
  if (argv.cacheDir) return resolve(argv.cacheDir);
  if (argv.config) return resolveCacheDir((await loadConfig(argv.config, argv.set ?? [])).config);
  return defaultCacheDir();
}

async function download(argv: DownloadArgs): Promise<void> {
  if (argv.list) {
    for (const d of listDatasets()) process.stdout.write(`${d.key.padEnd(18)} ${d.title}\n`);
    return;
  }
  const names = argv.names ?? [];
  const models = argv.model === undefined ? [] : [argv.model].flat();
  if (!argv.all && names.length === 0 && models.length === 0) {
    throw new HyperloaderError('name the datasets to download (see `hyperloader download --list`), or pass --all or --model t5-base', { exitCode: 2 });
  }
  for (const [flag, v] of [['--timeout', argv.timeout], ['--retries', argv.retries]] as const) {
    if (!Number.isFinite(v) || v < 0 || (flag === '--timeout' && v === 0)) {
      throw new HyperloaderError(`${flag} ${v}: expected a ${flag === '--timeout' ? 'positive' : 'non-negative'} number`, { exitCode: 2 });
    }
  }
  const datasets: DatasetEntry[] = argv.all ? listDatasets() : dedupe(names.map((n) => getDataset(n)));
  const cacheDir = await cacheDirFor(argv);
  await mkdir(cacheDir, { recursive: true });
  const from = argv.from === undefined ? undefined : resolve(argv.from);

  const logger = createLogger({ level: levelFromFlags(argv) });
  const reporter = createProgressReporter({ root: cacheDir, log: logger, tty: argv.quiet ? false : undefined });
  const log = reporter.log;
  const lock = await DownloadLock.open(cacheDir);
  const unreachable = new Map<string, string>();
  const timeoutMs = argv.timeout * 1000;

  log.info(`cache: ${cacheDir}${from ? ` (importing from ${from})` : ''}`);
  const jobs: DownloadJob[] = [];
  for (const d of datasets) {
    const own = datasetJobs(d, cacheDir);
    if (own.length === 0) log.debug(`${d.key}: bundled with hyperloader, nothing to download`);
    else log.info(`${d.key}: ${d.title}. ${d.licence}`);
    jobs.push(...own);
  }
  for (const id of models) {
    log.info(`${id}@${argv.revision} → ${modelCacheDir(cacheDir, id)}`);
    jobs.push(...(await modelJobs(id, argv.revision, cacheDir, { lock, timeoutMs, log, rehash: argv.rehash, unreachable, offline: from !== undefined })));
  }

  let outcomes: JobOutcome[];
  try {
    outcomes = await runJobs(jobs, {
      timeoutMs,
      retries: Math.floor(argv.retries),
      backoffMs: 1000,
      lock,
      log,
      onProgress: (e) => reporter.onProgress(e),
      rehash: argv.rehash,
      unreachable,
      from,
    });
  } finally {
    reporter.stop();
  }
  printSummary(outcomes, cacheDir);
  const command = `hyperloader download ${[...names, ...models.map((m) => `--model ${m}`)].join(' ') || '--all'}`;
  const err = failureError(outcomes, { command, from });
  if (err) throw err;
}

function dedupe(entries: DatasetEntry[]): DatasetEntry[] {
  return [...new Map(entries.map((e) => [e.key, e])).values()];
}

/** Per dataset/model counts, then the totals, on stdout (the listing of failures follows on stderr). */
function printSummary(outcomes: JobOutcome[], cacheDir: string): void {
  const groups = new Map<string, JobOutcome[]>();
  for (const o of outcomes) groups.set(o.job.group, [...(groups.get(o.job.group) ?? []), o]);
  for (const [group, list] of groups) {
    const s = summarize(list);
    const bytes = list.reduce((n, o) => n + (o.status === 'downloaded' || o.status === 'imported' ? (o.result?.size ?? 0) : 0), 0);
    const parts = Object.entries(s)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`);
    process.stdout.write(`${group}: ${parts.join(', ')}${bytes > 0 ? ` (${formatBytes(bytes)} fetched)` : ''}\n`);
  }
  const t = summarize(outcomes);
  process.stdout.write(
    `summary: ${t.verified} verified, ${t.downloaded} downloaded${t.imported ? `, ${t.imported} imported` : ''}, ${t.failed} failed (cache: ${cacheDir})\n`,
  );
}
