/**
 * Many files at once (datasets, a model): each one downloaded or imported, failures collected
 * rather than thrown, and one error at the end that tells the user how to place every missing
 * file by hand.
 */
import { join } from 'node:path';
import { HyperloaderError } from '../errors.js';
import type { DatasetEntry, RemoteFile } from './types.js';
import { downloadFile, DownloadFailure, type DownloadOptions, type DownloadResult, type FileStatus } from './download.js';
import { importFile, ImportIndex } from './download-import.js';
import { safeJoin } from './download-fs.js';

export interface DownloadJob {
  /** Dataset key or model id: shown to the user, and matched against folders by `--from`. */
  group: string;
  /** The group's cache folder; `file.path` is inside it. */
  targetDir: string;
  file: RemoteFile;
  checksumSource?: 'registry' | 'hub';
  revision?: string;
}

export interface JobOutcome {
  job: DownloadJob;
  target: string;
  status: FileStatus | 'failed';
  result?: DownloadResult;
  error?: HyperloaderError;
}

export interface BatchOptions extends DownloadOptions {
  /** Import from this local folder instead of the network. */
  from?: string;
}

/**
 * The jobs for one registry entry: its files into `<cacheDir>/<dir or key>/`. Bundled datasets and
 * corpora registered with `data add` (already in the cache) have none.
 */
export function datasetJobs(entry: DatasetEntry & { local_dir?: string }, cacheDir: string): DownloadJob[] {
  if (entry.local_dir || entry.origin === 'user') return [];
  const targetDir = join(cacheDir, entry.dir ?? entry.key);
  return entry.files.map((file) => ({ group: entry.key, targetDir, file, checksumSource: 'registry' }));
}

/** Runs the jobs one after another; a user-caused failure of one file does not stop the others. */
export async function runJobs(jobs: DownloadJob[], opts: BatchOptions): Promise<JobOutcome[]> {
  const index = opts.from !== undefined ? await ImportIndex.scan(opts.from) : undefined;
  const unreachable = opts.unreachable ?? new Map<string, string>();
  const outcomes: JobOutcome[] = [];
  for (const job of jobs) {
    let target = join(job.targetDir, job.file.path);
    try {
      target = safeJoin(job.targetDir, job.file.path, `${job.group}: file ${job.file.path}`);
      const o = { ...opts, unreachable, checksumSource: job.checksumSource, revision: job.revision };
      const result = index ? await importFile(job.file, job.targetDir, job.group, index, o) : await downloadFile(job.file, job.targetDir, o);
      outcomes.push({ job, target, status: result.status, result });
    } catch (err) {
      const e = asUserError(err, target);
      if (!e) throw err;
      outcomes.push({ job, target, status: 'failed', error: e });
    }
  }
  return outcomes;
}

/** File-system errors a user fixes (permissions, a full disk) become HyperloaderErrors; anything else is a bug. */
function asUserError(err: unknown, target: string): HyperloaderError | undefined {
  if (err instanceof HyperloaderError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code && ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EISDIR', 'ENOTDIR', 'EEXIST'].includes(code)) {
    return new HyperloaderError(`cannot write ${target} (${(err as Error).message}); check that the cache folder is writable and has free space`, { cause: err });
  }
  return undefined;
}

export interface Summary {
  verified: number;
  downloaded: number;
  imported: number;
  failed: number;
}

export function summarize(outcomes: JobOutcome[]): Summary {
  const s: Summary = { verified: 0, downloaded: 0, imported: 0, failed: 0 };
  for (const o of outcomes) s[o.status]++;
  return s;
}

/** One error for every file that failed, or undefined when none did. */
export function failureError(outcomes: JobOutcome[], hint: { command?: string; from?: string } = {}): HyperloaderError | undefined {
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length === 0) return undefined;
  const blocks = failed.map((o) => {
    const e = o.error!;
    if (e instanceof DownloadFailure) return `[${o.job.group}] ${e.message}`;
    return `[${o.job.group}] ${o.job.file.path}\n  target: ${o.target}\n  ${e.message}`;
  });
  const command = hint.command ?? 'hyperloader download';
  const how = hint.from
    ? `Put each file (by the name shown) under ${hint.from}, ideally as ${hint.from}/<dataset>/<path>, and run again.`
    : `To add them by hand: fetch each from one of the URLs above and place it at its target path (it is verified on the next run), ` +
      `or put the files in one folder and run \`${command} --from <folder>\`.`;
  return new HyperloaderError(
    `${failed.length} of ${outcomes.length} file(s) could not be obtained; nothing unverified was left at their target paths.\n\n` +
      `${blocks.join('\n\n')}\n\n${how}`,
  );
}
