/**
 * File-system helpers the downloader relies on for its one promise: a file at its final path is
 * complete and verified. Everything is written under a temporary name, fsynced, then renamed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { HyperloaderError } from '../errors.js';
import { ensureParent, fsyncDir, fsyncFile } from '../runtime/fs.js';

export { ensureParent, fsyncFile, sha256File, writeFileAtomic } from '../runtime/fs.js';

/** The suffix of a file being downloaded or imported; it never counts as a verified file. */
export const PART_SUFFIX = '.part';


/** Feeds a file's current bytes into a running hash (used when resuming a `.part`). */
export async function hashInto(hash: ReturnType<typeof createHash>, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** Size of a file, or undefined when it does not exist. */
export async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** `<dir>/<rel>`, refusing a path that would land outside `dir` (a bad registry entry or zip member). */
export function safeJoin(dir: string, rel: string, what: string): string {
  const root = resolve(dir);
  const p = resolve(root, rel);
  const r = relative(root, p);
  if (isAbsolute(rel) || r === '' || r.startsWith('..') || isAbsolute(r)) {
    throw new HyperloaderError(`${what}: path "${rel}" would be written outside ${root}; it must be a relative path inside that folder`);
  }
  return p;
}

/** Moves a verified temporary file to its final name: fsync, rename, fsync the folder. */
export async function commitFile(tmp: string, final: string): Promise<void> {
  await fsyncFile(tmp);
  await ensureParent(final);
  await rename(tmp, final);
  await fsyncDir(dirname(final));
}

export async function removeIfExists(path: string): Promise<void> {
  await rm(path, { force: true });
}
