/**
 * What a file must hash to, and whether the copy already in the cache does.
 *
 * The expected sha256 comes from the registry when it publishes one, else from the lock file
 * (recorded on first download). With neither, a file that is already there (placed by hand, as
 * the offline error tells users to) is accepted and its hash recorded from then on.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import type { DownloadLock, LockEntry } from './download-lock.js';
import { sha256File } from './download-fs.js';

/** What a file is checked against. */
export interface Expectation {
  sha256?: string;
  size?: number;
  /** Git blob sha1 (`git hash-object`): checked when no sha256 is known, before recording one. */
  gitBlobSha1?: string;
  /** Where `sha256` came from, for messages. */
  source: 'registry' | 'lock' | 'hub' | 'none';
  /** The lock entry that supplied `sha256`, when it came from the lock. */
  entry?: LockEntry;
}

export interface DownloadLog {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

export const silentLog: DownloadLog = { info() {}, warn() {}, debug() {} };

export function expectationFor(
  file: { sha256?: string; size?: number; git_blob_sha1?: string },
  target: string,
  lock: DownloadLock | undefined,
  source: 'registry' | 'hub' = 'registry',
): Expectation {
  const base = { size: file.size, gitBlobSha1: file.git_blob_sha1 };
  if (file.sha256) return { ...base, sha256: file.sha256.toLowerCase(), source };
  const entry = lock?.get(target);
  if (entry) return { ...base, sha256: entry.sha256, source: 'lock', entry };
  return { ...base, source: 'none' };
}

/** A sentence a user can act on when a hash is wrong. */
export function mismatchText(exp: Expectation, actual: string, lockPath?: string): string {
  let text = `sha256 mismatch: expected ${exp.sha256}, got ${actual}`;
  if (exp.source === 'lock' && exp.entry?.recorded) {
    text +=
      ` (the expected hash was recorded on ${exp.entry.recorded.at} from ${exp.entry.recorded.from}` +
      ` because no checksum is published; if the upstream file changed on purpose, delete its entry in ${lockPath ?? 'the lock file'} and run again)`;
  }
  return text;
}

export type ExistingState =
  | { state: 'absent' }
  | { state: 'ok'; sha256: string; size: number; hashed: boolean }
  | { state: 'mismatch'; reason: string };

/**
 * Checks the file at `target` against `exp`. When the lock remembers this exact file (same hash,
 * size and mtime) it is trusted without hashing, unless `rehash` is set.
 */
export async function checkExisting(target: string, exp: Expectation, lock: DownloadLock | undefined, rehash = false): Promise<ExistingState> {
  let st;
  try {
    st = await stat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw err;
  }
  if (!st.isFile()) return { state: 'mismatch', reason: `${target} is not a regular file` };
  if (exp.size !== undefined && st.size !== exp.size) {
    return { state: 'mismatch', reason: `size mismatch: expected ${exp.size} bytes, found ${st.size}` };
  }
  const entry = lock?.get(target);
  if (!rehash && exp.sha256 && entry && entry.sha256 === exp.sha256 && entry.size === st.size && entry.mtimeMs === st.mtimeMs) {
    return { state: 'ok', sha256: exp.sha256, size: st.size, hashed: false };
  }
  const actual = await sha256File(target);
  if (exp.sha256 && actual !== exp.sha256) return { state: 'mismatch', reason: mismatchText(exp, actual, lock?.path) };
  if (!exp.sha256 && exp.gitBlobSha1) {
    const blob = await gitBlobSha1File(target, st.size);
    if (blob !== exp.gitBlobSha1) return { state: 'mismatch', reason: `git blob sha1 mismatch: expected ${exp.gitBlobSha1}, got ${blob}` };
  }
  return { state: 'ok', sha256: actual, size: st.size, hashed: true };
}

/** Renames a cached file that failed verification out of the way (kept for inspection, never trusted). */
export async function rejectExisting(target: string, reason: string, log: DownloadLog): Promise<void> {
  const aside = `${target}.rejected`;
  await rename(target, aside);
  log.warn(`${target} failed verification (${reason}); moved it to ${aside} and fetching it again`);
}

/**
 * Remembers a verified file in the lock (hash, size, mtime), recording the hash as the file's
 * pinned checksum when none was known (`recordedFrom` says where the bytes came from).
 */
export async function rememberVerified(
  lock: DownloadLock | undefined,
  target: string,
  sha256: string,
  exp: Expectation,
  recordedFrom: string,
  log: DownloadLog,
  revision?: string,
): Promise<boolean> {
  if (!lock) {
    if (exp.source === 'none') log.warn(`${target}: no checksum is published and no lock file is in use; its sha256 ${sha256} was not recorded`);
    return false;
  }
  const st = await stat(target);
  const previous = lock.get(target);
  const recordNow = exp.source === 'none';
  const recorded = recordNow
    ? { from: recordedFrom, at: new Date().toISOString() }
    : previous?.sha256 === sha256
      ? previous.recorded
      : undefined;
  const entry: LockEntry = { sha256, size: st.size, mtimeMs: st.mtimeMs };
  if (recorded) entry.recorded = recorded;
  if (revision !== undefined) entry.revision = revision;
  lock.set(target, entry);
  await lock.save();
  if (recordNow) {
    log.info(`${lock.keyOf(target)}: no checksum is published; recorded sha256 ${sha256} in ${lock.path} and will verify against it from now on`);
  }
  return recordNow;
}

/** `git hash-object` of a file: sha1 over "blob <size>\0" then the bytes. */
export async function gitBlobSha1File(path: string, size: number): Promise<string> {
  const h = createHash('sha1');
  h.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}
