/**
 * `<cache_dir>/hyperloader-lock.json`: what the downloader knows about files in the cache.
 *
 * Two jobs. (1) Trust on first use: a file the registry publishes no sha256 for (e.g. mTOD's
 * English train file, hub files outside LFS) gets its hash recorded on first download, and every
 * later run verifies against it. (2) A verification cache: a file whose sha256 was confirmed is
 * remembered with its size and mtime, so a later run can skip re-hashing an unchanged file.
 * Keys are paths relative to the cache folder, with forward slashes.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { HyperloaderError } from '../errors.js';
import { writeFileAtomic } from './download-fs.js';

export const LOCK_FILE_NAME = 'hyperloader-lock.json';

export interface LockEntry {
  /** The sha256 (hex) this file verified against. */
  sha256: string;
  size: number;
  /** mtime of the verified file; with `size`, lets a later run trust it without hashing. */
  mtimeMs?: number;
  /** Present when the sha256 was recorded on first download because no checksum was published. */
  recorded?: { from: string; at: string };
  /** Hugging Face hub revision a model file came from. */
  revision?: string;
}

interface LockFileJson {
  comment?: string;
  version: 1;
  files: Record<string, LockEntry>;
}

const COMMENT =
  'Written by hyperloader download. "recorded" entries pin the sha256 of files published without a checksum, ' +
  'taken on first download; delete such an entry to accept a changed upstream file.';

export class DownloadLock {
  readonly path: string;
  private entries: Map<string, LockEntry>;
  /** Keys changed in this process; save() overlays only these onto the file as it is on disk now. */
  private dirty = new Map<string, LockEntry | null>();

  private constructor(readonly dir: string, entries: Map<string, LockEntry>) {
    this.path = join(dir, LOCK_FILE_NAME);
    this.entries = entries;
  }

  /** Opens `<dir>/hyperloader-lock.json` (an absent file is an empty lock). */
  static async open(dir: string): Promise<DownloadLock> {
    const root = resolve(dir);
    return new DownloadLock(root, await readEntries(join(root, LOCK_FILE_NAME)));
  }

  /** The lock key of an absolute path: relative to the cache folder when inside it. */
  keyOf(path: string): string {
    const r = relative(this.dir, resolve(path));
    if (r === '' || r.startsWith('..') || isAbsolute(r)) return resolve(path);
    return r.split(sep).join('/');
  }

  get(path: string): LockEntry | undefined {
    return this.entries.get(this.keyOf(path));
  }

  set(path: string, entry: LockEntry): void {
    const key = this.keyOf(path);
    this.entries.set(key, entry);
    this.dirty.set(key, entry);
  }

  delete(path: string): void {
    const key = this.keyOf(path);
    this.entries.delete(key);
    this.dirty.set(key, null);
  }

  /**
   * Writes the lock atomically. Re-reads the file first so two downloads into one cache (two
   * terminals) do not erase each other's records; this process's changes win on the same key.
   */
  async save(): Promise<void> {
    if (this.dirty.size === 0) return;
    const onDisk = await readEntries(this.path);
    for (const [k, v] of this.dirty) {
      if (v === null) onDisk.delete(k);
      else onDisk.set(k, v);
    }
    const files: Record<string, LockEntry> = {};
    for (const k of [...onDisk.keys()].sort()) files[k] = onDisk.get(k)!;
    const json: LockFileJson = { comment: COMMENT, version: 1, files };
    await writeFileAtomic(this.path, `${JSON.stringify(json, null, 2)}\n`);
    this.entries = onDisk;
    this.dirty.clear();
  }
}

async function readEntries(path: string): Promise<Map<string, LockEntry>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const fix = `fix or delete ${path} (deleting it forgets the recorded checksums; they are recorded again on the next download)`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new HyperloaderError(`${path}: not valid JSON (${(err as Error).message}); ${fix}`);
  }
  const files = (json as Partial<LockFileJson> | null)?.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    throw new HyperloaderError(`${path}: expected an object with a "files" map; ${fix}`);
  }
  const out = new Map<string, LockEntry>();
  for (const [k, v] of Object.entries(files)) {
    if (typeof v?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(v.sha256) || typeof v.size !== 'number') {
      throw new HyperloaderError(`${path}: entry "${k}" needs a hex "sha256" and a numeric "size"; ${fix}`);
    }
    out.set(k, v);
  }
  return out;
}
