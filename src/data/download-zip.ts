/**
 * Zip archives (e.g. MTOP's): extract the members a registry entry lists, each to its own path,
 * each verified (sha256 from the registry or the lock file) and written atomically.
 */
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { unzipSync } from 'fflate';
import { HyperloaderError } from '../errors.js';
import type { RemoteFile } from './types.js';
import type { DownloadLock } from './download-lock.js';
import { commitFile, ensureParent, PART_SUFFIX, removeIfExists, safeJoin } from './download-fs.js';
import { checkExisting, expectationFor, mismatchText, rejectExisting, rememberVerified, type DownloadLog } from './download-verify.js';

export type ZipMember = NonNullable<RemoteFile['extract']>[number];

export interface ExtractResult {
  member: string;
  target: string;
  status: 'verified' | 'extracted';
  sha256: string;
}

interface ZipOptions {
  lock?: DownloadLock;
  log: DownloadLog;
  rehash?: boolean;
}

/**
 * True when every member already sits verified at its path (the archive itself is then not
 * needed). A member with no checksum from anywhere is normally re-extracted from the archive; with
 * `acceptUnrecorded` (no archive in the cache: the user placed the members by hand, as the offline
 * error suggests) it is accepted and its sha256 recorded, provided every member is there.
 */
export async function membersAllVerified(members: ZipMember[], targetDir: string, opts: ZipOptions & { acceptUnrecorded?: boolean }): Promise<boolean> {
  const unrecorded: { dest: string; sha256: string; exp: ReturnType<typeof expectationFor> }[] = [];
  for (const m of members) {
    const dest = safeJoin(targetDir, m.path, `zip member ${m.member}`);
    const exp = expectationFor({ sha256: m.sha256 }, dest, opts.lock);
    if (!exp.sha256 && !opts.acceptUnrecorded) return false;
    const state = await checkExisting(dest, exp, opts.lock, opts.rehash);
    if (state.state !== 'ok') return false;
    if (!exp.sha256 || state.hashed) unrecorded.push({ dest, sha256: state.sha256, exp });
  }
  for (const u of unrecorded) await rememberVerified(opts.lock, u.dest, u.sha256, u.exp, 'a file placed in the cache by hand', opts.log);
  return true;
}

/** Extracts the members not yet verified from `archive`. */
export async function extractMembers(archive: string, members: ZipMember[], targetDir: string, opts: ZipOptions): Promise<ExtractResult[]> {
  const results: ExtractResult[] = [];
  const pending: { m: ZipMember; dest: string }[] = [];
  for (const m of members) {
    const dest = safeJoin(targetDir, m.path, `zip member ${m.member}`);
    const exp = expectationFor({ sha256: m.sha256 }, dest, opts.lock);
    const state = exp.sha256 ? await checkExisting(dest, exp, opts.lock, opts.rehash) : { state: 'absent' as const };
    if (state.state === 'ok') {
      if (state.hashed) await rememberVerified(opts.lock, dest, state.sha256, exp, archive, opts.log);
      results.push({ member: m.member, target: dest, status: 'verified', sha256: state.sha256 });
      continue;
    }
    if (state.state === 'mismatch') await rejectExisting(dest, state.reason, opts.log);
    pending.push({ m, dest });
  }
  if (pending.length === 0) return results;

  const wanted = new Set(pending.map((p) => p.m.member));
  const names: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    // The filter sees every entry (we keep their names for the error) and inflates only the wanted ones.
    files = unzipSync(await readFile(archive), {
      filter: (f) => {
        names.push(f.name);
        return wanted.has(f.name);
      },
    });
  } catch (err) {
    throw new HyperloaderError(`${archive}: not a readable zip archive (${(err as Error).message}); delete it and run \`hyperloader download\` again`);
  }

  for (const { m, dest } of pending) {
    const data = files[m.member];
    if (!data) {
      const shown = names.slice(0, 20).join(', ') + (names.length > 20 ? `, … (${names.length} in all)` : '');
      throw new HyperloaderError(`${archive} has no member "${m.member}" (wanted for ${m.path}); the archive holds: ${shown}. The registry entry needs the right member name.`);
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    const exp = expectationFor({ sha256: m.sha256 }, dest, opts.lock);
    if (exp.sha256 && sha256 !== exp.sha256) {
      throw new HyperloaderError(`${basename(archive)}:${m.member}: ${mismatchText(exp, sha256, opts.lock?.path)}; nothing was written at ${dest}`);
    }
    const part = dest + PART_SUFFIX;
    await ensureParent(part);
    const h = await open(part, 'w');
    try {
      await h.writeFile(data);
    } catch (err) {
      await h.close();
      await removeIfExists(part);
      throw err;
    }
    await h.close();
    await commitFile(part, dest);
    await rememberVerified(opts.lock, dest, sha256, exp, `${archive} (member ${m.member})`, opts.log);
    results.push({ member: m.member, target: dest, status: 'extracted', sha256 });
  }
  return results;
}
