/**
 * Writing files so that a reader (or a crash) never sees half of one: a temporary name, fsync,
 * rename, fsync of the folder. Run directories, checkpoints, tables and downloads all use these.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

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

/** Writes bytes to `path` atomically (temporary name, fsync, rename). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await ensureParent(path);
  const tmp = `${path}.${process.pid}.tmp`;
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

