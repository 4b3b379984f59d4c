/**
 * Safetensors checkpoints (the Hugging Face weight format): read F32/F16/BF16 (and the integer
 * types) tensor by tensor with positioned reads, so files over 2 GiB work and the file is never
 * held in memory twice; write F32 atomically. Header parsing and validation live in
 * safetensors-header.ts, element decoding in safetensors-dtype.ts.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { HyperloaderError } from '../errors.js';
import { fsyncDir } from '../runtime/fs.js';
import {
  DTYPE_SIZE,
  decodeInto,
  decodesToFloat,
  isDecodable,
  toHostOrder,
  type SafetensorsDtype,
} from './safetensors-dtype.js';
import { readFully, readHeaderFrom, type SafetensorsEntry, type SafetensorsHeader } from './safetensors-header.js';

export type { SafetensorsDtype } from './safetensors-dtype.js';
export type { SafetensorsEntry, SafetensorsHeader } from './safetensors-header.js';

/** One decoded tensor: floats (F32/F16/BF16/F64) as Float32Array, integers and BOOL as Int32Array. */
export interface SafeTensor {
  /** The dtype stored in the file (before conversion). */
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Raw bytes per read when a dtype needs converting: bounds the temporary memory for huge tensors. */
const CHUNK_BYTES = 16 * 1024 * 1024;
const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Header only: names, dtypes, shapes, byte ranges, metadata — for hashing/validation without reading data. */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const fh = await openForRead(file);
  try {
    return await readHeaderFrom(fh, file);
  } finally {
    await fh.close();
  }
}

/** Reads tensors (all, or `names`), converting F16/BF16 (and F64) to Float32Array, I64 to Int32Array when in range. */
export async function readSafetensors(file: string, opts: { names?: string[] } = {}): Promise<Map<string, SafeTensor>> {
  const out = new Map<string, SafeTensor>();
  for await (const [name, t] of iterateSafetensors(file, opts)) out.set(name, t);
  return out;
}

/**
 * Streams tensor by tensor in file order (for huge files: never holds the file twice in memory).
 * The whole header is validated, and every requested name checked, before the first tensor is
 * yielded, so a bad file never yields a partial model.
 */
export async function* iterateSafetensors(
  file: string,
  opts: { names?: string[] } = {},
): AsyncGenerator<[string, SafeTensor]> {
  const fh = await openForRead(file);
  try {
    const header = await readHeaderFrom(fh, file);
    const selected = selectEntries(header, opts.names, file);
    for (const [name, entry] of selected) {
      yield [name, await readTensor(fh, header, name, entry, file)];
    }
  } finally {
    await fh.close();
  }
}

function selectEntries(header: SafetensorsHeader, names: string[] | undefined, file: string): [string, SafetensorsEntry][] {
  if (names === undefined) return [...header.tensors];
  const missing = names.filter((n) => !header.tensors.has(n));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((n) => `"${n}"`).join(', ');
    throw new HyperloaderError(
      `${file}: missing tensor${missing.length > 1 ? 's' : ''} ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} ` +
        `(the file has ${header.tensors.size} tensors). Check that the checkpoint matches the model config.`,
    );
  }
  const wanted = new Set(names);
  // File order, so the reads go forward through the file.
  return [...header.tensors].filter(([n]) => wanted.has(n));
}

async function readTensor(
  fh: import('node:fs/promises').FileHandle,
  header: SafetensorsHeader,
  name: string,
  entry: SafetensorsEntry,
  file: string,
): Promise<SafeTensor> {
  const { dtype, shape } = entry;
  if (!isDecodable(dtype)) {
    throw new HyperloaderError(`${file}: tensor "${name}" has dtype ${dtype}, which hyperloader cannot read; convert the checkpoint to F32, F16 or BF16.`);
  }
  const size = DTYPE_SIZE[dtype];
  const count = (entry.end - entry.begin) / size;
  const position = header.dataOffset + entry.begin;
  const data = decodesToFloat(dtype) ? new Float32Array(count) : new Int32Array(count);
  if ((dtype === 'F32' || dtype === 'I32') && hostIsLittleEndian) {
    // Same layout as the output: read straight into it, no second buffer.
    await readFully(fh, new Uint8Array(data.buffer), position, file);
    return { dtype, shape, data };
  }
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / size));
  const raw = new Uint8Array(Math.min(count, perChunk) * size);
  for (let done = 0; done < count; done += perChunk) {
    const n = Math.min(perChunk, count - done);
    const chunk = raw.subarray(0, n * size);
    await readFully(fh, chunk, position + done * size, file);
    toHostOrder(chunk, size);
    const bad = decodeInto(dtype, chunk, n, data, done);
    if (bad >= 0) {
      throw new HyperloaderError(
        `${file}: tensor "${name}" (${dtype}) element ${done + bad} does not fit in a 32-bit integer; hyperloader reads integer tensors as int32.`,
      );
    }
  }
  return { dtype, shape, data };
}

async function openForRead(file: string) {
  try {
    const fh = await open(file, 'r');
    // Linux opens a directory for reading without complaint; the error would only come at read().
    if ((await fh.stat()).isDirectory()) {
      await fh.close();
      throw Object.assign(new Error(`EISDIR: ${file}`), { code: 'EISDIR' });
    }
    return fh;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HyperloaderError(`${file}: no such safetensors file; check the path.`, { cause: e });
    if (code === 'EISDIR') throw new HyperloaderError(`${file} is a directory; give the path of the .safetensors file inside it.`, { cause: e });
    if (code === 'EACCES') throw new HyperloaderError(`${file}: permission denied; make the file readable.`, { cause: e });
    throw e;
  }
}

/**
 * Writes F32 tensors as Hugging Face does: 8-byte header length, JSON header with the names
 * sorted, header padded with spaces so the data starts 8-byte aligned, data contiguous in name
 * order. Atomic: written to a temporary name in the same directory, fsynced, then renamed, so a
 * crash never leaves a half-written checkpoint under the real name.
 */
export async function writeSafetensors(
  file: string,
  tensors: Record<string, { shape: number[]; data: Float32Array }>,
  metadata?: Record<string, string>,
): Promise<void> {
  const names = Object.keys(tensors).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`writeSafetensors(${file}): metadata "${k}" must be a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name]!;
    if (name === '__metadata__' || name === '') throw new TypeError(`writeSafetensors(${file}): invalid tensor name "${name}"`);
    if (!(data instanceof Float32Array)) throw new TypeError(`writeSafetensors(${file}): tensor "${name}" data is not a Float32Array`);
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new TypeError(`writeSafetensors(${file}): tensor "${name}" shape [${shape.join(', ')}] is not a list of non-negative integers`);
    }
    const elements = shape.reduce((a, b) => a * b, 1);
    if (elements !== data.length) {
      throw new TypeError(`writeSafetensors(${file}): tensor "${name}" has ${data.length} values but shape [${shape.join(', ')}] needs ${elements}`);
    }
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  const jsonBytes = () => Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - ((8 + jsonBytes()) % 8)) % 8);
  const head = Buffer.alloc(8 + jsonBytes());
  head.writeBigUInt64LE(BigInt(jsonBytes()), 0);
  head.write(json, 8, 'utf8');

  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fh = await open(tmp, 'wx');
  try {
    let pos = 0;
    pos += await writeFully(fh, head, pos);
    for (const name of names) {
      const { data } = tensors[name]!;
      let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (!hostIsLittleEndian) {
        bytes = bytes.slice();
        toHostOrder(bytes, 4); // the swap is its own inverse: host order → little-endian
      }
      pos += await writeFully(fh, bytes, pos);
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(file));
}

/** Writes all of `bytes` at `position` (a write may be partial; one call writes at most ~2 GiB). */
async function writeFully(fh: import('node:fs/promises').FileHandle, bytes: Uint8Array, position: number): Promise<number> {
  const step = 1 << 30;
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, Math.min(step, bytes.length - done), position + done);
    done += bytesWritten;
  }
  return done;
}
