/**
 * `hyperloader data check`: are the registry's files in the cache, and do they still hash to the
 * registry's sha256 (or, for files published without one, the sha256 the downloader recorded in
 * the cache's lock file, else the pinned copy's git blob id)?
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetEntry } from './types.js';

export type CheckStatus = 'ok' | 'missing' | 'mismatch' | 'unverified';

export interface FileCheck {
  dataset: string;
  /** Path inside the cache folder: `<key>/<path>`. */
  path: string;
  status: CheckStatus;
  detail: string;
}

async function hashFile(path: string, algorithm: 'sha256' | 'sha1', prefix?: string): Promise<string> {
  const h = createHash(algorithm);
  if (prefix) h.update(prefix);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** sha256 values the downloader recorded (`<cache>/hyperloader-lock.json`, files[<key>/<path>].sha256). */
function lockedSums(cacheDir: string): Map<string, string> {
  const m = new Map<string, string>();
  const p = join(cacheDir, 'hyperloader-lock.json');
  if (!existsSync(p)) return m;
  try {
    const files = (JSON.parse(readFileSync(p, 'utf8')) as { files?: Record<string, { sha256?: unknown }> }).files ?? {};
    for (const [k, v] of Object.entries(files)) if (typeof v?.sha256 === 'string') m.set(k, v.sha256);
  } catch {
    // An unreadable lock file only means nothing was recorded; the downloader reports it.
  }
  return m;
}

interface Expect {
  path: string;
  sha256?: string;
  size?: number;
  git_blob_sha1?: string;
}

/** Checks every file (and extracted zip member) of `entries` under `cacheDir`. */
export async function checkCache(entries: readonly DatasetEntry[], cacheDir: string): Promise<FileCheck[]> {
  const locked = lockedSums(cacheDir);
  const out: FileCheck[] = [];
  for (const e of entries) {
    const expects: Expect[] = [];
    for (const f of e.files) {
      // A zip is only a carrier: what a run reads are its extracted members.
      if (f.extract?.length) for (const m of f.extract) expects.push({ path: m.path, sha256: m.sha256 });
      else expects.push(f);
    }
    for (const f of expects) {
      const rel = `${e.dir ?? e.key}/${f.path}`;
      const abs = join(cacheDir, e.dir ?? e.key, f.path);
      if (!existsSync(abs)) {
        const fix = e.origin === 'user' ? `register it again with \`hyperloader data add ${e.key} --force …\`` : `run \`hyperloader download ${e.key}\``;
        out.push({ dataset: e.key, path: rel, status: 'missing', detail: fix });
        continue;
      }
      const size = statSync(abs).size;
      const sha = f.sha256 ?? locked.get(rel);
      if (f.size !== undefined && size !== f.size) {
        out.push({ dataset: e.key, path: rel, status: 'mismatch', detail: `size ${size}, expected ${f.size}` });
      } else if (sha) {
        const got = await hashFile(abs, 'sha256');
        out.push(
          got === sha
            ? { dataset: e.key, path: rel, status: 'ok', detail: `sha256 ${got.slice(0, 12)}…${f.sha256 ? '' : ' (recorded in the lock file)'}` }
            : { dataset: e.key, path: rel, status: 'mismatch', detail: `sha256 ${got}, expected ${sha}` },
        );
      } else if (f.git_blob_sha1) {
        const got = await hashFile(abs, 'sha1', `blob ${size}\0`);
        out.push(
          got === f.git_blob_sha1
            ? { dataset: e.key, path: rel, status: 'ok', detail: `git blob ${got.slice(0, 12)}…` }
            : { dataset: e.key, path: rel, status: 'mismatch', detail: `git blob sha1 ${got}, expected ${f.git_blob_sha1}` },
        );
      } else {
        out.push({ dataset: e.key, path: rel, status: 'unverified', detail: 'no published checksum and none recorded yet (the downloader records one on first download)' });
      }
    }
  }
  return out;
}
