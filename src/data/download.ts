/**
 * The verified downloader: one RemoteFile into `<targetDir>/<path>`.
 *
 * Promise: a file at its final path is complete and verified. Bytes go to `<path>.part` (resumed
 * with HTTP Range after an interruption), are checked against the expected sha256 and size, then
 * fsynced and renamed. URLs are tried in order (official, then mirrors), each with retries and
 * exponential backoff; a stall of `timeoutMs` without a byte aborts an attempt. When every URL
 * fails, a DownloadFailure lists what was tried and the exact path to place the file by hand.
 */
import { dirname, join, normalize } from 'node:path';
import { HyperloaderError } from '../errors.js';
import type { RemoteFile } from './types.js';
import type { DownloadLock } from './download-lock.js';
import { commitFile, ensureParent, PART_SUFFIX, removeIfExists, safeJoin, sizeOf } from './download-fs.js';
import { AttemptError, fetchToPart, formatMs, type AttemptResult, type FetchLike } from './download-http.js';
import {
  checkExisting,
  expectationFor,
  gitBlobSha1File,
  mismatchText,
  rejectExisting,
  rememberVerified,
  silentLog,
  type DownloadLog,
  type Expectation,
} from './download-verify.js';
import { extractMembers, membersAllVerified, type ExtractResult } from './download-zip.js';

export type { DownloadLog } from './download-verify.js';

/** Optional registry fields (added alongside the registry) that the downloader uses when present. */

export interface ProgressEvent {
  /** Absolute final path of the file. */
  target: string;
  url: string;
  phase: 'start' | 'data' | 'end';
  received: number;
  total?: number;
  /** On 'end': whether this attempt produced the verified file. */
  ok?: boolean;
}

export interface DownloadOptions {
  /** Defaults to Node's global fetch. */
  fetchImpl?: FetchLike;
  /** An attempt is aborted when no byte arrives for this long. */
  timeoutMs: number;
  /** Further attempts per URL after the first (for timeouts, dropped connections, 5xx, 429). */
  retries: number;
  /** Wait before the first retry; doubled for each further one. */
  backoffMs: number;
  onProgress?: (e: ProgressEvent) => void;
  /** The cache's lock file: records checksums of files published without one, caches verifications. */
  lock?: DownloadLock;
  log?: DownloadLog;
  /** Hash files already in the cache even when the lock says they are unchanged. */
  rehash?: boolean;
  /** Hosts found unreachable in this run (offline): later files skip them instead of waiting again. */
  unreachable?: Map<string, string>;
  /** Where the expected sha256 came from when the file carries one (messages only). */
  checksumSource?: 'registry' | 'hub';
  /** Hugging Face revision, stored with the lock entry. */
  revision?: string;
  sleep?: (ms: number) => Promise<void>;
}

export type FileStatus = 'verified' | 'downloaded' | 'imported';

export interface DownloadResult {
  target: string;
  status: FileStatus;
  /** Unknown only for an archive skipped because all its members were already verified. */
  sha256?: string;
  size?: number;
  /** The URL (or imported path) the bytes came from. */
  source?: string;
  /** True when this run recorded the file's sha256 in the lock file (no checksum was published). */
  recorded: boolean;
  extracted: ExtractResult[];
}

export interface AttemptRecord {
  url: string;
  tries: number;
  error: string;
}

/** A file that could not be obtained: what was tried and where it should go. */
export class DownloadFailure extends HyperloaderError {
  constructor(
    readonly target: string,
    readonly file: RemoteFile,
    readonly attempts: AttemptRecord[],
  ) {
    super(formatFailure(target, file, attempts));
    this.name = 'DownloadFailure';
  }
}

export function formatFailure(target: string, file: RemoteFile, attempts: AttemptRecord[]): string {
  const lines = [`could not obtain ${file.path}`, `  target: ${target}`];
  if (file.sha256) lines.push(`  sha256: ${file.sha256}${file.size !== undefined ? ` (${file.size} bytes)` : ''}`);
  if (attempts.length === 0) lines.push('  tried:  (no URL is known for this file)');
  attempts.forEach((a, i) => {
    const tries = a.tries > 1 ? ` (${a.tries} tries)` : '';
    lines.push(`  ${i === 0 ? 'tried: ' : '       '} ${a.url} — ${a.error}${tries}`);
  });
  if (file.official_url && !file.urls.includes(file.official_url)) lines.push(`  official source: ${file.official_url}`);
  if (file.extract?.length) {
    // The archive's members may be placed by hand instead of the archive.
    const rel = normalize(file.path);
    const root = target.endsWith(rel) ? target.slice(0, target.length - rel.length) : dirname(target);
    lines.push('  or its members, extracted:');
    for (const m of file.extract) lines.push(`    ${m.member} → ${join(root, m.path)}${m.sha256 ? ` (sha256 ${m.sha256})` : ''}`);
  }
  return lines.join('\n');
}

/** What an acquirer (network or local import) hands back once the verified file sits at `target`. */
export interface Acquired {
  sha256: string;
  size: number;
  source: string;
  status: 'downloaded' | 'imported';
}
export type Acquire = (file: RemoteFile, target: string, exp: Expectation) => Promise<Acquired>;

/** Downloads one file (skipping it when the cached copy verifies), then extracts its zip members. */
export async function downloadFile(file: RemoteFile, targetDir: string, opts: DownloadOptions): Promise<DownloadResult> {
  return ensureFile(file, targetDir, opts, (f, target, exp) => fetchVerified(f, target, exp, opts));
}

/**
 * The shared skeleton of download and import: skip what verifies, set aside what does not,
 * acquire the rest, remember it in the lock, extract archives.
 */
export async function ensureFile(
  file: RemoteFile,
  targetDir: string,
  opts: Pick<DownloadOptions, 'lock' | 'log' | 'rehash' | 'checksumSource' | 'revision'>,
  acquire: Acquire,
): Promise<DownloadResult> {
  const log = opts.log ?? silentLog;
  const target = safeJoin(targetDir, file.path, `file ${file.path}`);
  const zopts = { lock: opts.lock, log, rehash: opts.rehash };

  // An archive whose members are all verified is not needed again (it may even have been deleted).
  if (file.extract?.length && (await membersAllVerified(file.extract, targetDir, { ...zopts, acceptUnrecorded: (await sizeOf(target)) === undefined }))) {
    const extracted = await extractMembers(target, file.extract, targetDir, zopts);
    return { target, status: 'verified', recorded: false, extracted };
  }

  const exp = expectationFor(file, target, opts.lock, opts.checksumSource);
  const existing = await checkExisting(target, exp, opts.lock, opts.rehash);
  let result: DownloadResult;
  if (existing.state === 'ok') {
    let recorded = false;
    if (existing.hashed) {
      recorded = await rememberVerified(opts.lock, target, existing.sha256, exp, 'a file already in the cache', log, opts.revision);
    }
    log.debug(`${target}: already verified`);
    result = { target, status: 'verified', sha256: existing.sha256, size: existing.size, recorded, extracted: [] };
  } else {
    if (existing.state === 'mismatch') await rejectExisting(target, existing.reason, log);
    const got = await acquire(file, target, exp);
    const recorded = await rememberVerified(opts.lock, target, got.sha256, exp, got.source, log, opts.revision);
    result = { target, status: got.status, sha256: got.sha256, size: got.size, source: got.source, recorded, extracted: [] };
  }
  if (file.extract?.length) result.extracted = await extractMembers(target, file.extract, targetDir, zopts);
  return result;
}

/**
 * Checks a finished `.part` against the expectation; returns why it is wrong, or undefined.
 * With no sha256 known, a git blob sha1 (when the registry has one) still guards the first download.
 */
export async function verifyPart(part: string, got: { sha256: string; size: number }, exp: Expectation, lockPath?: string): Promise<string | undefined> {
  if (exp.size !== undefined && got.size !== exp.size) return `size mismatch: expected ${exp.size} bytes, got ${got.size}`;
  if (exp.sha256) return got.sha256 === exp.sha256 ? undefined : mismatchText(exp, got.sha256, lockPath);
  if (exp.gitBlobSha1) {
    const blob = await gitBlobSha1File(part, got.size);
    if (blob !== exp.gitBlobSha1) return `git blob sha1 mismatch: expected ${exp.gitBlobSha1}, got ${blob}`;
  }
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const MAX_WAIT_MS = 60_000;

async function fetchVerified(file: RemoteFile, target: string, exp: Expectation, opts: DownloadOptions): Promise<Acquired> {
  const log = opts.log ?? silentLog;
  const fetchImpl = opts.fetchImpl ?? ((url: string, init?: RequestInit) => fetch(url, init));
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const part = target + PART_SUFFIX;
  await ensureParent(part);
  const attempts: AttemptRecord[] = [];

  for (const url of file.urls) {
    const host = hostOf(url);
    const down = opts.unreachable?.get(host);
    if (down !== undefined) {
      attempts.push({ url, tries: 0, error: `skipped: ${host} was unreachable earlier in this run (${down})` });
      continue;
    }
    const rec: AttemptRecord = { url, tries: 0, error: '' };
    attempts.push(rec);
    for (let i = 0; i <= opts.retries; i++) {
      const progress = (phase: ProgressEvent['phase'], received: number, total?: number, ok?: boolean) =>
        opts.onProgress?.({ target, url, phase, received, total, ok });
      rec.tries++;
      progress('start', 0, exp.size);
      let r: AttemptResult;
      try {
        r = await fetchToPart(url, part, {
          fetchImpl,
          timeoutMs: opts.timeoutMs,
          expectedSize: exp.size,
          onData: (received, total) => progress('data', received, total ?? exp.size),
        });
      } catch (err) {
        progress('end', 0, undefined, false);
        if (!(err instanceof AttemptError)) throw err;
        rec.error = err.message;
        const last = !err.retryable || i === opts.retries;
        if (err.extra.corrupt) await removeIfExists(part); // the content was wrong, not merely cut short
        if (last) {
          if (err.extra.hostDown) opts.unreachable?.set(host, err.message);
          break;
        }
        const wait = Math.min(MAX_WAIT_MS, Math.max(opts.backoffMs * 2 ** i, err.extra.retryAfterMs ?? 0));
        log.warn(`${file.path}: ${err.message} from ${url}; retry ${i + 1} of ${opts.retries} in ${formatMs(wait)}`);
        await sleep(wait);
        continue;
      }
      const bad = await verifyPart(part, r, exp, opts.lock?.path);
      if (bad) {
        // Never keep bytes that failed verification: nothing that looks complete is left behind.
        await removeIfExists(part);
        progress('end', r.size, r.size, false);
        rec.error = `${bad} (the download was deleted)`;
        log.warn(`${file.path}: ${bad} from ${url}`);
        // A resumed file may have been spoiled by its old prefix: one fresh try of this URL.
        if (r.resumedFrom > 0 && i < opts.retries) continue;
        break;
      }
      await commitFile(part, target);
      progress('end', r.size, r.size, true);
      if (r.resumedFrom > 0) log.info(`${file.path}: resumed at byte ${r.resumedFrom} and verified`);
      return { sha256: r.sha256, size: r.size, source: url, status: 'downloaded' };
    }
  }
  throw new DownloadFailure(target, file, attempts);
}
