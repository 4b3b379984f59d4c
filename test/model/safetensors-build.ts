/**
 * Builds safetensors files byte by byte for the tests, independently of src/model/safetensors.ts,
 * so a reader bug cannot be hidden by a matching writer bug.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hl-safetensors-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** 8-byte little-endian length, the header text as given, then the data bytes. */
export function rawFile(headerText: string, data: Uint8Array, lengthField?: bigint): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

export interface Spec {
  dtype: string;
  shape: number[];
  /** Little-endian element bytes, already encoded by the test. */
  bytes: Uint8Array;
}

/** Lays the tensors out contiguously in the given order and writes the file. */
export function writeSpecFile(path: string, tensors: Record<string, Spec>, metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    parts.push(t.bytes);
    offset += t.bytes.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  writeFileSync(path, rawFile(JSON.stringify(header), data));
}

/** Little-endian bytes of unsigned 16-bit words (F16/BF16 bit patterns). */
export function u16le(words: number[]): Uint8Array {
  const b = new Uint8Array(words.length * 2);
  const v = new DataView(b.buffer);
  words.forEach((w, i) => v.setUint16(2 * i, w, true));
  return b;
}

export function f32le(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat32(4 * i, x, true));
  return b;
}

export function f64le(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat64(8 * i, x, true));
  return b;
}

export function i64le(values: bigint[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setBigInt64(8 * i, x, true));
  return b;
}
