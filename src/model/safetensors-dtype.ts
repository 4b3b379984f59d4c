/**
 * The element types a safetensors file can declare, their sizes, and the exact decoders that
 * turn raw little-endian bytes into the two arrays the model uses: Float32Array for floats,
 * Int32Array for integers and booleans.
 */

/** Every dtype name the safetensors format defines (huggingface/safetensors `Dtype`). */
export const SAFETENSORS_DTYPES = [
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16',
  'I32', 'U32', 'F32', 'F64', 'I64', 'U64',
] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

/** Bytes per element. */
export const DTYPE_SIZE: Record<SafetensorsDtype, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

export function isSafetensorsDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && (SAFETENSORS_DTYPES as readonly string[]).includes(s);
}

/** Dtypes we decode; the F8 formats are valid in a header but have no decoder here. */
export type DecodableDtype = Exclude<SafetensorsDtype, 'F8_E5M2' | 'F8_E4M3'>;
export function isDecodable(d: SafetensorsDtype): d is DecodableDtype {
  return d !== 'F8_E5M2' && d !== 'F8_E4M3';
}
/** Which output array a dtype decodes into. */
export function decodesToFloat(d: DecodableDtype): boolean {
  return d === 'F16' || d === 'BF16' || d === 'F32' || d === 'F64';
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `size`-byte element in place: safetensors is little-endian, so a big-endian host swaps. */
export function toHostOrder(bytes: Uint8Array, size: number): void {
  if (hostIsLittleEndian || size === 1) return;
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/**
 * Every IEEE half-precision bit pattern as float32 bits, built once (256 KiB) so that decoding is a
 * table lookup. Each value is exact: float32 has more exponent and mantissa bits than float16,
 * so normals, subnormals (m·2^-24), ±0, ±inf and NaN payloads all carry over unchanged.
 */
let halfTable: Uint32Array | undefined;
function f16Table(): Uint32Array {
  if (halfTable) return halfTable;
  const bits = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) {
      bits[h] = sign | 0x7f800000 | (mant << 13); // inf (mant 0) or NaN with its payload
    } else if (exp !== 0) {
      bits[h] = sign | ((exp - 15 + 127) << 23) | (mant << 13); // normal: rebias the exponent
    } else if (mant === 0) {
      bits[h] = sign; // ±0
    } else {
      // Subnormal m·2^-24: shift the mantissa up until its leading 1 is the implicit bit.
      let e = -14;
      let m = mant;
      while ((m & 0x400) === 0) {
        m <<= 1;
        e--;
      }
      bits[h] = sign | ((e + 127) << 23) | ((m & 0x3ff) << 13);
    }
  }
  halfTable = bits;
  return halfTable;
}

/**
 * Decodes `count` elements of `raw` (host byte order, see toHostOrder) into `out` starting at
 * element `outOffset`. Integers that do not fit in int32 are reported by returning the index of
 * the first offending element (else -1), so the caller can name the tensor in its error.
 */
export function decodeInto(
  dtype: DecodableDtype,
  raw: Uint8Array,
  count: number,
  out: Float32Array | Int32Array,
  outOffset: number,
): number {
  const buf = raw.buffer;
  const at = raw.byteOffset;
  // Element views need an aligned offset; callers pass freshly allocated buffers, but be safe.
  const aligned = (size: number) => (at % size === 0 ? raw : raw.slice(0, count * size));
  switch (dtype) {
    case 'F32': {
      const r = aligned(4);
      out.set(new Float32Array(r.buffer, r.byteOffset, count), outOffset);
      return -1;
    }
    case 'F16': {
      const r = aligned(2);
      const src = new Uint16Array(r.buffer, r.byteOffset, count);
      // Copy bit patterns as integers: faster than float loads/stores and keeps NaN payloads.
      const table = f16Table();
      const dst = new Uint32Array(out.buffer, out.byteOffset + outOffset * 4, count);
      for (let i = 0; i < count; i++) dst[i] = table[src[i]!]!;
      return -1;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shifting the bits up 16 is the exact value.
      const r = aligned(2);
      const src = new Uint16Array(r.buffer, r.byteOffset, count);
      const dst = new Uint32Array(out.buffer, out.byteOffset + outOffset * 4, count);
      for (let i = 0; i < count; i++) dst[i] = src[i]! << 16;
      return -1;
    }
    case 'F64': {
      // Rounds to the nearest float32 (the only lossy conversion here, by design).
      const r = aligned(8);
      out.set(new Float64Array(r.buffer, r.byteOffset, count), outOffset);
      return -1;
    }
    case 'I32':
    case 'U32':
    case 'I64':
    case 'U64': {
      return decodeWideInt(dtype, raw, count, out, outOffset);
    }
    case 'BOOL':
    case 'U8':
      out.set(new Uint8Array(buf, at, count), outOffset);
      return -1;
    case 'I8':
      out.set(new Int8Array(buf, at, count), outOffset);
      return -1;
    case 'I16': {
      const r = aligned(2);
      out.set(new Int16Array(r.buffer, r.byteOffset, count), outOffset);
      return -1;
    }
    case 'U16': {
      const r = aligned(2);
      out.set(new Uint16Array(r.buffer, r.byteOffset, count), outOffset);
      return -1;
    }
  }
}

/** 32- and 64-bit integers narrowed to int32, refusing values that do not fit. */
function decodeWideInt(
  dtype: 'I32' | 'U32' | 'I64' | 'U64',
  raw: Uint8Array,
  count: number,
  out: Float32Array | Int32Array,
  outOffset: number,
): number {
  const r = raw.byteOffset % 4 === 0 ? raw : raw.slice(0, count * (dtype === 'I32' || dtype === 'U32' ? 4 : 8));
  const words = new Int32Array(r.buffer, r.byteOffset, dtype === 'I32' || dtype === 'U32' ? count : 2 * count);
  if (dtype === 'I32') {
    out.set(words, outOffset);
    return -1;
  }
  if (dtype === 'U32') {
    for (let i = 0; i < count; i++) {
      const v = words[i]!;
      if (v < 0) return i; // ≥ 2^31 as unsigned
      out[outOffset + i] = v;
    }
    return -1;
  }
  // 64-bit: the element fits in int32 exactly when the high word is the sign extension of the low one.
  const hiIdx = hostIsLittleEndian ? 1 : 0;
  const loIdx = 1 - hiIdx;
  for (let i = 0; i < count; i++) {
    const lo = words[2 * i + loIdx]!;
    const hi = words[2 * i + hiIdx]!;
    if (dtype === 'I64' ? hi !== lo >> 31 : hi !== 0 || lo < 0) return i;
    out[outOffset + i] = lo;
  }
  return -1;
}
