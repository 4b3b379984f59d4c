// Decoding of every dtype from hand-built files, against values computed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readSafetensors } from '../../src/model/safetensors.js';
import { HyperloaderError } from '../../src/errors.js';
import { f64le, i64le, tempDir, u16le, writeSpecFile } from './safetensors-build.js';

/** Float32 bit pattern of a decoded value (to compare NaN payloads and -0 exactly). */
const bitsOf = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!;

async function readOne(dtype: string, shape: number[], bytes: Uint8Array) {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'one.safetensors');
    writeSpecFile(file, { t: { dtype, shape, bytes } });
    return (await readSafetensors(file)).get('t')!;
  } finally {
    cleanup();
  }
}

test('F16 hand-computed values: normals, max, subnormals, zeros, infinities, NaN', async () => {
  const cases: [number, number][] = [
    [0x3c00, 1], // exp 15 → 2^0
    [0xc000, -2], // sign, exp 16
    [0x7bff, 65504], // (2 - 2^-10)·2^15, largest finite
    [0x0001, 2 ** -24], // smallest subnormal
    [0x8001, -(2 ** -24)],
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x0400, 2 ** -14], // smallest normal
    [0x3555, 0.333251953125], // exp 13 → 2^-2, mantissa 341: 0.25·(1 + 341/1024)
    [0x0000, 0],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ];
  const t = await readOne('F16', [cases.length], u16le(cases.map((c) => c[0])));
  assert.equal(t.dtype, 'F16');
  assert.deepEqual(t.shape, [cases.length]);
  assert.ok(t.data instanceof Float32Array);
  cases.forEach(([bits, value], i) => assert.equal(t.data[i], value, `0x${bits.toString(16)}`));

  const special = await readOne('F16', [3], u16le([0x8000, 0x7e00, 0x7c01]));
  assert.equal(bitsOf(special.data[0]!), 0x80000000, '-0 keeps its sign');
  assert.ok(Number.isNaN(special.data[1]) && Number.isNaN(special.data[2]));
});

test('F16: all 65536 bit patterns equal the textbook formula', async () => {
  const all = Array.from({ length: 65536 }, (_, i) => i);
  const t = await readOne('F16', [256, 256], u16le(all));
  for (const h of all) {
    const s = h >> 15 ? -1 : 1;
    const e = (h >> 10) & 31;
    const m = h & 1023;
    const want = e === 31 ? (m ? NaN : s * Infinity) : e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
    const got = t.data[h]!;
    if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `0x${h.toString(16)}`);
    else if (got !== want || (want === 0 && Object.is(got, -0) !== Object.is(want, -0))) {
      assert.fail(`0x${h.toString(16)}: got ${got}, want ${want}`);
    }
  }
});

test('BF16 hand-computed values (the top 16 bits of a float32)', async () => {
  const cases: [number, number][] = [
    [0x3f80, 1],
    [0xc000, -2],
    [0x4049, 3.140625], // 2·(1 + 0x49/128) = 2·(1 + 73/128)
    [0x7f7f, (2 - 2 ** -7) * 2 ** 127], // largest finite
    [0x0080, 2 ** -126], // smallest normal
    [0x0001, 2 ** -133], // subnormal: float32 bits 0x00010000 = 2^16·2^-149
    [0x7f80, Infinity],
    [0xff80, -Infinity],
    [0x0000, 0],
  ];
  const t = await readOne('BF16', [cases.length], u16le(cases.map((c) => c[0])));
  assert.ok(t.data instanceof Float32Array);
  cases.forEach(([bits, value], i) => assert.equal(t.data[i], value, `0x${bits.toString(16)}`));
  const special = await readOne('BF16', [2], u16le([0x7fc1, 0x8000]));
  assert.equal(bitsOf(special.data[0]!), 0x7fc10000, 'NaN payload kept');
  assert.equal(bitsOf(special.data[1]!), 0x80000000, '-0 kept');
});

test('F64 rounds to the nearest float32, overflow to infinity', async () => {
  const t = await readOne('F64', [2, 2], f64le([0.1, -1.5, 1e300, 2 ** -30]));
  assert.ok(t.data instanceof Float32Array);
  assert.deepEqual([...t.data], [Math.fround(0.1), -1.5, Infinity, 2 ** -30]);
});

test('large F16 tensors decode across chunk boundaries', async () => {
  // 9M elements = 18 MB raw, more than one 16 MiB read chunk.
  const n = 9 * 1024 * 1024;
  const bytes = new Uint8Array(n * 2);
  const v = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) v.setUint16(2 * i, i % 2 ? 0xc000 : 0x3c00, true);
  const t = await readOne('F16', [n], bytes);
  assert.equal(t.data.length, n);
  for (const i of [0, 1, n / 2, n / 2 + 1, n - 2, n - 1, 8 * 1024 * 1024, 8 * 1024 * 1024 + 1]) {
    assert.equal(t.data[i], i % 2 ? -2 : 1, `element ${i}`);
  }
});

test('integer dtypes become Int32Array', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'ints.safetensors');
    const u32 = new Uint8Array(8);
    new DataView(u32.buffer).setUint32(0, 7, true);
    new DataView(u32.buffer).setUint32(4, 2 ** 31 - 1, true);
    writeSpecFile(file, {
      i64: { dtype: 'I64', shape: [4], bytes: i64le([-1n, 2n ** 31n - 1n, -(2n ** 31n), 5n]) },
      u64: { dtype: 'U64', shape: [1], bytes: i64le([123n]) },
      i32: { dtype: 'I32', shape: [1], bytes: new Uint8Array([0xfe, 0xff, 0xff, 0xff]) },
      u32: { dtype: 'U32', shape: [2], bytes: u32 },
      i16: { dtype: 'I16', shape: [1], bytes: new Uint8Array([0x00, 0x80]) },
      u16: { dtype: 'U16', shape: [1], bytes: new Uint8Array([0x00, 0x80]) },
      i8: { dtype: 'I8', shape: [2], bytes: new Uint8Array([0xff, 0x7f]) },
      u8: { dtype: 'U8', shape: [2], bytes: new Uint8Array([0xff, 0x7f]) },
      b: { dtype: 'BOOL', shape: [2], bytes: new Uint8Array([1, 0]) },
    });
    const m = await readSafetensors(file);
    const get = (k: string) => {
      const t = m.get(k)!;
      assert.ok(t.data instanceof Int32Array, k);
      return [...t.data];
    };
    assert.deepEqual(get('i64'), [-1, 2 ** 31 - 1, -(2 ** 31), 5]);
    assert.deepEqual(get('u64'), [123]);
    assert.deepEqual(get('i32'), [-2]);
    assert.deepEqual(get('u32'), [7, 2 ** 31 - 1]);
    assert.deepEqual(get('i16'), [-32768]);
    assert.deepEqual(get('u16'), [32768]);
    assert.deepEqual(get('i8'), [-1, 127]);
    assert.deepEqual(get('u8'), [255, 127]);
    assert.deepEqual(get('b'), [1, 0]);
  } finally {
    cleanup();
  }
});

test('64-bit integers outside int32 are an error naming the tensor and element', async () => {
  for (const [dtype, value] of [['I64', 2n ** 31n], ['I64', -(2n ** 31n) - 1n], ['U64', 2n ** 32n]] as const) {
    await assert.rejects(readOne(dtype, [2], i64le([0n, value])), (e: unknown) => {
      assert.ok(e instanceof HyperloaderError);
      assert.match(e.message, /one\.safetensors: tensor "t" \((I64|U64)\) element 1 does not fit in a 32-bit integer/);
      return true;
    });
  }
});

test('F8 dtypes are valid in the header but refused on read, naming the tensor', async () => {
  await assert.rejects(readOne('F8_E4M3', [2], new Uint8Array(2)), /tensor "t" has dtype F8_E4M3, which hyperloader cannot read/);
});
