/**
 * Parsing and validating a safetensors header. Layout of the file:
 *   [8 bytes: header length N, u64 little-endian][N bytes: JSON header][data]
 * The JSON maps each tensor name to {dtype, shape, data_offsets: [begin, end]}, with offsets
 * relative to the start of the data; an optional "__metadata__" maps strings to strings.
 * Like the reference implementation, the tensors must tile the data exactly: sorted by begin,
 * each starts where the previous ended, and the last ends at the end of the file. Every
 * violation is a HyperloaderError naming the file and the tensor, found before any data is read.
 */
import type { FileHandle } from 'node:fs/promises';
import { HyperloaderError } from '../errors.js';
import { DTYPE_SIZE, isSafetensorsDtype, type SafetensorsDtype } from './safetensors-dtype.js';

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range relative to the start of the data section (dataOffset). */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** In file order (ascending begin). */
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Absolute file position where the data section starts: 8 + N. */
  dataOffset: number;
  fileSize: number;
}

/** The reference implementation refuses headers over 100 MB; a larger one is a corrupt length field. */
const MAX_HEADER_BYTES = 100_000_000;

const corrupt = (file: string, what: string) =>
  new HyperloaderError(
    `${file}: not a valid safetensors file: ${what}. The file is corrupt or truncated; download or write it again.`,
  );

/** Reads exactly `length` bytes at `position`, looping because one read(2) returns at most ~2 GiB. */
export async function readFully(fh: FileHandle, into: Uint8Array, position: number, file: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) {
      throw corrupt(file, `unexpected end of file at byte ${position + done} (needed ${into.length - done} more bytes)`);
    }
    done += bytesRead;
  }
}

export async function readHeaderFrom(fh: FileHandle, file: string): Promise<SafetensorsHeader> {
  const fileSize = (await fh.stat()).size;
  if (fileSize < 8) throw corrupt(file, `the file has ${fileSize} bytes, fewer than the 8-byte header length`);
  const lenBytes = new Uint8Array(8);
  await readFully(fh, lenBytes, 0, file);
  const n = new DataView(lenBytes.buffer).getBigUint64(0, true);
  if (n > BigInt(fileSize - 8)) {
    throw corrupt(file, `the header length field says ${n} bytes but only ${fileSize - 8} bytes follow it (header past end of file)`);
  }
  if (n > BigInt(MAX_HEADER_BYTES)) throw corrupt(file, `the header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerBytes = new Uint8Array(Number(n));
  await readFully(fh, headerBytes, 8, file);
  return parseHeader(headerBytes, 8 + Number(n), fileSize, file);
}

function parseHeader(bytes: Uint8Array, dataOffset: number, fileSize: number, file: string): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw corrupt(file, 'the JSON header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw corrupt(file, `the header is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw corrupt(file, 'the JSON header is not an object');
  }
  let metadata: Record<string, string> = {};
  const entries: [string, SafetensorsEntry][] = [];
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') metadata = parseMetadata(value, file);
    else entries.push([name, parseEntry(name, value, file)]);
  }
  const dataSize = fileSize - dataOffset;
  // Truncation first: it is the most common fault and the most useful message.
  for (const [name, e] of entries) {
    if (e.end > dataSize) {
      throw new HyperloaderError(
        `${file}: tensor "${name}" occupies bytes ${e.begin}..${e.end} of the data section but the file holds only ${dataSize} data bytes (file size ${fileSize}). The file is truncated; download or write it again.`,
      );
    }
  }
  entries.sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let expected = 0;
  let prevName = '';
  for (const [name, e] of entries) {
    if (e.begin < expected) {
      throw corrupt(file, `tensor "${name}" (bytes ${e.begin}..${e.end}) overlaps tensor "${prevName}" (which ends at ${expected})`);
    }
    if (e.begin > expected) {
      throw corrupt(
        file,
        `tensor "${name}" starts at byte ${e.begin} but ${prevName ? `"${prevName}" ends` : 'the data section starts'} at ${expected}; the data offsets must be contiguous`,
      );
    }
    expected = e.end;
    prevName = name;
  }
  if (expected !== dataSize) {
    throw corrupt(file, `the tensors cover ${expected} data bytes but the data section has ${dataSize} (${dataSize - expected} unclaimed trailing bytes)`);
  }
  return { tensors: new Map(entries), metadata, dataOffset, fileSize };
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw corrupt(file, '"__metadata__" is not an object');
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw corrupt(file, `"__metadata__.${k}" is not a string`);
  }
  return { ...(value as Record<string, string>) };
}

function parseEntry(name: string, value: unknown, file: string): SafetensorsEntry {
  const bad = (what: string) => corrupt(file, `tensor "${name}": ${what}`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('its header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) throw bad(`unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isCount)) throw bad(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw bad(`data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw bad(`data_offsets [${begin}, ${end}] end before they begin`);
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = elements * DTYPE_SIZE[dtype];
  if (end - begin !== expected) {
    throw bad(`its byte range holds ${end - begin} bytes but dtype ${dtype} with shape [${shape.join(', ')}] needs ${expected}`);
  }
  return { dtype, shape: [...(shape as number[])], begin, end };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
