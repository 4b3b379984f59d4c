/**
 * `hyperloader download --from DIR`: take files a user fetched by hand from a local folder instead
 * of the network. A file is found by name; when several files share the name (ATIS and SNIPS both
 * have train/seq.in), the one whose trailing folders best match `<dataset>/<path>` wins, and a
 * known sha256 decides among equals. Each file is copied to `.part`, verified, then renamed.
 */
import { copyFile, readdir } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { HyperloaderError } from '../errors.js';
import { commitFile, ensureParent, PART_SUFFIX, removeIfExists, sha256File, sizeOf } from './download-fs.js';
import { ensureFile, verifyPart, type AttemptRecord, type DownloadOptions, type DownloadResult, DownloadFailure } from './download.js';
import type { Expectation } from './download-verify.js';
import type { RemoteFile } from './types.js';

/** Every regular file under a folder, by base name. */
export class ImportIndex {
  private constructor(
    readonly root: string,
    private readonly byName: Map<string, string[]>,
  ) {}

  static async scan(root: string, maxFiles = 200_000): Promise<ImportIndex> {
    const byName = new Map<string, string[]>();
    let count = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (dir === root) throw new HyperloaderError(`--from ${root}: cannot read that folder (${(err as Error).message})`);
        return;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile() && !e.name.endsWith(PART_SUFFIX)) {
          if (++count > maxFiles) throw new HyperloaderError(`--from ${root}: more than ${maxFiles} files; point it at the folder holding the downloaded files`);
          const list = byName.get(e.name) ?? [];
          list.push(p);
          byName.set(e.name, list);
        }
      }
    };
    await walk(root);
    return new ImportIndex(root, byName);
  }

  /** Files named like `wanted`'s last component, best match of the trailing folders first. */
  candidates(wanted: string): string[] {
    const name = wanted.split('/').filter(Boolean).pop() ?? '';
    const list = this.byName.get(name) ?? [];
    return list
      .map((p) => ({ p, s: this.score(wanted, p) }))
      .sort((a, b) => b.s - a.s || a.p.localeCompare(b.p))
      .map((x) => x.p);
  }

  /** How many trailing path components `candidate` shares with `wanted` (1 = the name only). */
  score(wanted: string, candidate: string): number {
    const want = wanted.split('/').filter(Boolean);
    const have = relative(this.root, candidate).split(sep);
    let n = 0;
    while (n < want.length && n < have.length && have[have.length - 1 - n] === want[want.length - 1 - n]) n++;
    return n;
  }
}

/**
 * Imports one file (and, for an archive, its members: from the archive when DIR has it, else
 * each member by its own name). `group` is the dataset key (or model id) used to match folders.
 */
export async function importFile(
  file: RemoteFile,
  targetDir: string,
  group: string,
  index: ImportIndex,
  opts: Pick<DownloadOptions, 'lock' | 'log' | 'rehash' | 'checksumSource' | 'revision'>,
): Promise<DownloadResult> {
  const wanted = `${group}/${file.path}`;
  if (file.extract?.length && index.candidates(wanted).length === 0) {
    // No archive in DIR: perhaps the user unpacked it. Import the members as plain files.
    const results: DownloadResult[] = [];
    for (const m of file.extract) {
      const memberFile: RemoteFile = { path: m.path, urls: file.urls, sha256: m.sha256 };
      results.push(await importFile(memberFile, targetDir, group, index, opts));
    }
    return {
      target: results[0]?.target ?? targetDir,
      status: results.every((r) => r.status === 'verified') ? 'verified' : 'imported',
      recorded: results.some((r) => r.recorded),
      extracted: results.map((r, i) => ({ member: file.extract![i].member, target: r.target, status: r.status === 'verified' ? 'verified' : 'extracted', sha256: r.sha256! })),
    };
  }
  return ensureFile(file, targetDir, opts, (f, target, exp) => importVerified(f, target, exp, wanted, index, opts.lock?.path));
}

async function importVerified(file: RemoteFile, target: string, exp: Expectation, wanted: string, index: ImportIndex, lockPath?: string) {
  const found = index.candidates(wanted);
  const attempts: AttemptRecord[] = [];
  if (found.length === 0) {
    attempts.push({ url: join(index.root, '…', basename(file.path)), tries: 1, error: `no file named ${basename(file.path)} under ${index.root}` });
    throw new DownloadFailure(target, file, attempts);
  }
  // Without a checksum to tell files apart, two equally good matches are a question only the user can answer.
  if (!exp.sha256 && !exp.gitBlobSha1 && found.length > 1 && index.score(wanted, found[0]) === index.score(wanted, found[1])) {
    throw new DownloadFailure(target, file, [
      {
        url: found.slice(0, 5).join(', '),
        tries: 1,
        error: `ambiguous: several files match and no checksum is known; lay the folder out as <DIR>/${wanted}`,
      },
    ]);
  }
  const part = target + PART_SUFFIX;
  await ensureParent(part);
  for (const src of found) {
    await copyFile(src, part);
    const got = { sha256: await sha256File(part), size: (await sizeOf(part)) ?? 0 };
    const bad = await verifyPart(part, got, exp, lockPath);
    if (bad) {
      await removeIfExists(part);
      attempts.push({ url: src, tries: 1, error: bad });
      continue;
    }
    await commitFile(part, target);
    return { sha256: got.sha256, size: got.size, source: src, status: 'imported' as const };
  }
  throw new DownloadFailure(target, file, attempts);
}
