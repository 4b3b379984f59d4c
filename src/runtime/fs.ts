/**
 * Writing files so that a reader (or a crash) never sees half of one: a temporary name, fsync,
 * rename, fsync of the folder. Run directories, checkpoints, tables and downloads all use these.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HyperloaderError } from '../errors.js';

export async function ensureParent(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
}

/** Flushes a file to disk (so a crash after the rename cannot leave a truncated "verified" file). */
export async function fsyncFile(path: string): Promise<void> {
  const h = await open(path, 'r+');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Best effort: persists the rename itself. Directories cannot be opened for sync on every platform. */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* not supported here (e.g. Windows); the file itself is already synced */
  }
}

/** The temporary name writeFileAtomic writes `path` under before renaming it: `<path>.<pid>.tmp`. */
export function atomicTempPath(path: string, pid = process.pid): string {
  return `${path}.${pid}.tmp`;
}

/** A file name atomicTempPath made: [whole, the target's name, the writer's pid]. */
export const ATOMIC_TEMP_NAME = /^(.+)\.(\d+)\.tmp$/;

/** Writes bytes to `path` atomically (temporary name, fsync, rename). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await ensureParent(path);
  const tmp = atomicTempPath(path);
  const h = await open(tmp, 'w');
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}


const FS_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a parent path is a file, not a folder',
  EDQUOT: 'disk quota exceeded',
};

/** A file-system error the user can fix (permissions, read-only mount, full disk), as a one-line error naming the path; else undefined. */
export function fileSystemError(e: unknown, path: string, doing: string): HyperloaderError | undefined {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (!code || !(code in FS_ERRORS)) return undefined;
  return new HyperloaderError(`cannot ${doing} ${path}: ${FS_ERRORS[code]} (${code}). Choose a writable location or free space, then run this again.`, {
    exitCode: 1,
    cause: e,
  });
}

/**
 * Makes sure `dir` exists and a file can be written there, before any long work whose results
 * would go there; a file-system problem becomes a user error naming the folder.
 */
export async function assertWritableDir(dir: string, doing = 'write into'): Promise<void> {
  const probe = join(dir, `.write-test-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    const h = await open(probe, 'w');
    await h.close();
    await rm(probe, { force: true });
  } catch (e) {
    throw fileSystemError(e, dir, doing) ?? e;
  }
}

/** sha256 (hex) of a whole file, streamed so a 900 MB checkpoint never sits in memory. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
