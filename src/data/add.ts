/**
 * `hyperloader data add NAME --train F [--dev F] --test F`: a user's corpus becomes a dataset of
 * the cache, used in configs as `dataset: NAME` like a built-in one.
 *
 * Every file is read, its layout detected (readers/columns.ts) and its tags converted to IOB2
 * (readers/scheme.ts; one scheme for all files, detected over all of them) BEFORE anything is
 * written, so bad input fails with an error naming the file and line and leaves the cache as it
 * was. Then the converted files (token<TAB>tag, IOB2, LF) and repairs.txt go to a temporary folder
 * that is renamed to `<cache>/<NAME>/`, and the registry file (user-registry.ts) records the
 * sources' and stored files' sha256. Without --dev, dev is carved from train when the corpus is
 * loaded, exactly as for the MIT corpora (splits.ts carveDev).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HyperloaderError } from '../errors.js';
import { fsyncDir } from '../runtime/fs.js';
import { convertColumns, describeLayout, parseColumns, resolveScheme, type ParsedColumns } from './readers/columns.js';
import { readSeqio } from './readers/seqio.js';
import type { Repair } from './readers/scheme.js';
import { findDataset } from './registry.js';
import { devSizeFor } from './splits.js';
import type { Sentence, SplitName, TagScheme } from './types.js';
import { readUserRegistry, userRegistryPath, writeUserRegistry, type UserDatasetRecord, type UserFileRecord } from './user-registry.js';

export const ADD_FORMATS = ['auto', 'conll', 'tsv', 'mit', 'seqio'] as const;
export type AddFormat = (typeof ADD_FORMATS)[number];

export interface AddOptions {
  name: string;
  cacheDir: string;
  /** The user's files (relative paths resolve against the working directory); dev is optional. */
  train: string;
  dev?: string;
  test: string;
  format?: AddFormat;
  scheme?: TagScheme;
  /** Replace a corpus already registered under this name. */
  force?: boolean;
  /** For the message about a carved dev split (the carving itself happens at load time with data.split_seed). */
  now?: () => Date;
}

export interface AddResult {
  name: string;
  dir: string;
  record: UserDatasetRecord;
  repairs: Repair[];
  /** What to tell the user, line by line. */
  report: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const STORED: Record<SplitName, string> = { train: 'train.tsv', dev: 'dev.tsv', test: 'test.tsv' };
/** Repairs printed; all of them are in repairs.txt. */
export const REPAIRS_SHOWN = 50;

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Refuses names that would shadow a built-in dataset or a folder of the cache not registered as this corpus. */
function checkName(o: AddOptions, registered: boolean): void {
  if (!NAME.test(o.name)) {
    throw new HyperloaderError(`data add: bad name ${JSON.stringify(o.name)}; use letters, digits, _ . - (starting with a letter or digit), e.g. my_ner`, { exitCode: 2 });
  }
  const builtIn = findDataset(o.name);
  if (builtIn) throw new HyperloaderError(`data add: ${JSON.stringify(o.name)} is the built-in dataset ${builtIn.key}; choose another name`, { exitCode: 2 });
  if (registered && !o.force) {
    throw new HyperloaderError(`data add: a corpus named ${o.name} is already registered in ${o.cacheDir}; pass --force to replace it, or choose another name`, { exitCode: 2 });
  }
  const dir = join(o.cacheDir, o.name);
  if (!registered && existsSync(dir)) {
    throw new HyperloaderError(`data add: ${dir} already exists and is not a corpus registered with data add (a download's folder?); choose another name`, { exitCode: 2 });
  }
}

interface ReadSplit {
  split: SplitName;
  source: string;
  bytes: Buffer;
  parsed: ParsedColumns;
}

/** One split's source, read and parsed (a seq.in/seq.out folder for seqio). */
function readSource(split: SplitName, path: string, format: AddFormat): ReadSplit {
  const source = resolve(path);
  if (!existsSync(source)) throw new HyperloaderError(`data add --${split}: ${source} does not exist; check the path`, { exitCode: 1 });
  if (format === 'seqio' || statSync(source).isDirectory()) {
    const part = (n: string) => {
      const p = join(source, n);
      if (!existsSync(p)) throw new HyperloaderError(`data add --${split}: ${source} is a folder without ${n}; give a file, or a seq.in/seq.out folder with --format seqio`, { exitCode: 1 });
      return { input: readFileSync(p), file: p };
    };
    const seqIn = part('seq.in');
    const seqOut = part('seq.out');
    const sentences = readSeqio({ seqIn, seqOut });
    const parsed: ParsedColumns = {
      file: seqOut.file,
      layout: { order: 'token-first', separator: 'whitespace', columns: 2, bom: false, crlf: false, docstart: 0, detected: false },
      sentences: sentences.map((s, i) => ({ tokens: s.tokens, tags: s.tags, lines: s.tags.map(() => i + 1) })),
    };
    return { split, source, bytes: Buffer.concat([seqIn.input, seqOut.input]), parsed };
  }
  const bytes = readFileSync(source);
  return { split, source, bytes, parsed: parseColumns(bytes, source, { layout: format }) };
}

/** Sentences as stored: token<TAB>tag lines, an empty line after each sentence. */
export function serializeSentences(sentences: readonly Sentence[]): string {
  return sentences.map((s) => s.tokens.map((t, i) => `${t}\t${s.tags[i]}\n`).join('') + '\n').join('');
}

export async function addDataset(o: AddOptions): Promise<AddResult> {
  const format = o.format ?? 'auto';
  const registry = readUserRegistry(o.cacheDir);
  const previous = registry.datasets[o.name];
  checkName(o, previous !== undefined);

  // 1. Read, detect and convert everything in memory.
  const given: [SplitName, string | undefined][] = [['train', o.train], ['dev', o.dev], ['test', o.test]];
  const reads = given.filter(([, p]) => p !== undefined).map(([split, p]) => readSource(split, p!, format));
  const scheme = resolveScheme(o.scheme, reads.map((r) => r.parsed));
  const converted = reads.map((r) => ({ ...r, ...convertColumns(r.parsed, scheme.scheme) }));
  for (const c of converted) {
    if (c.sentences.length === 0) throw new HyperloaderError(`data add --${c.split}: ${c.source} holds no sentence; check the file`, { exitCode: 1 });
  }

  // 2. Build the record and the report.
  const files: UserDatasetRecord['files'] = {};
  const layout: UserDatasetRecord['layout'] = {};
  const texts = new Map<SplitName, string>();
  const labels = new Set<string>();
  const report: string[] = [];
  const repairs = converted.flatMap((c) => c.repairs);
  for (const c of converted) {
    const text = serializeSentences(c.sentences);
    texts.set(c.split, text);
    for (const s of c.sentences) for (const t of s.tags) labels.add(t);
    const rec: UserFileRecord = {
      path: STORED[c.split],
      sha256: sha256(text),
      bytes: Buffer.byteLength(text),
      sentences: c.sentences.length,
      source: c.source,
      source_sha256: sha256(c.bytes),
      source_bytes: c.bytes.length,
    };
    files[c.split] = rec;
    layout[c.split] = format === 'seqio' ? 'seq.in/seq.out folder' : `${describeLayout(c.parsed.layout)}${c.parsed.layout.detected ? ' (detected)' : ` (--format ${format})`}`;
    report.push(`${c.split}: ${c.source}: ${c.sentences.length} sentences; ${layout[c.split]}`);
    if (c.split === 'train' && o.dev === undefined) {
      const k = devSizeFor(c.sentences.length);
      report.push(
        `dev: no --dev given, so dev is carved from train when the corpus is loaded, as for the MIT corpora: ceil(n/10) = ${k} of the ${c.sentences.length} train sentences, ` +
          `chosen by data.split_seed (42 unless the config says otherwise); train keeps ${c.sentences.length - k}`,
      );
    }
  }
  report.push(`scheme: ${scheme.scheme} (${scheme.reason === 'given' ? `--scheme ${scheme.scheme}` : `detected: ${scheme.reason}`}); converted to IOB2`);
  if (repairs.length > 0) {
    report.push(`repaired ${repairs.length} tag(s)${repairs.length > REPAIRS_SHOWN ? ` (the first ${REPAIRS_SHOWN}; every one is listed in repairs.txt)` : ''}:`);
    for (const r of repairs.slice(0, REPAIRS_SHOWN)) report.push(`  ${r.file}:${r.line}: ${r.from} → ${r.to} (${r.why})`);
  } else report.push('repaired tags: none');
  const sortedLabels = [...labels].sort();
  report.push(`labels (${sortedLabels.length}): ${sortedLabels.join(', ')}`);
  const record: UserDatasetRecord = {
    added: (o.now ?? (() => new Date()))().toISOString(),
    format,
    scheme_option: o.scheme ?? 'auto',
    layout,
    scheme: scheme.scheme,
    scheme_reason: scheme.reason,
    repairs: repairs.length,
    files,
    labels: sortedLabels,
  };

  // 3. Write: a temporary folder renamed into place, then the registry file.
  const dir = join(o.cacheDir, o.name);
  const tmp = join(o.cacheDir, `.${o.name}.add-${process.pid}`);
  const old = join(o.cacheDir, `.${o.name}.old-${process.pid}`);
  await mkdir(o.cacheDir, { recursive: true });
  await rm(tmp, { recursive: true, force: true });
  try {
    await mkdir(tmp);
    for (const [split, text] of texts) await writeFile(join(tmp, STORED[split]), text);
    if (repairs.length > 0) await writeFile(join(tmp, 'repairs.txt'), repairs.map((r) => `${r.file}:${r.line}\t${r.from}\t${r.to}\t${r.why}\n`).join(''));
    const replacing = existsSync(dir);
    if (replacing) await rename(dir, old);
    try {
      await rename(tmp, dir);
      await writeUserRegistry(o.cacheDir, { version: 1, datasets: { ...registry.datasets, [o.name]: record } });
    } catch (err) {
      // Put the cache back as it was: the previous folder (if any) and no new one.
      await rm(dir, { recursive: true, force: true });
      if (replacing) await rename(old, dir);
      throw err;
    }
    await fsyncDir(o.cacheDir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
  report.push(
    `registered ${o.name}${previous ? ' (replacing the earlier one)' : ''}: files in ${dir}, sha256 of sources and stored files in ${userRegistryPath(o.cacheDir)}; ` +
      `use it in a config as \`dataset: ${o.name}\` (with data.cache_dir pointing at ${o.cacheDir})`,
  );
  return { name: o.name, dir, record, repairs, report };
}
