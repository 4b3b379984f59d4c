// Round trips, the on-disk layout of what we write, streaming, and the real reference checkpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  iterateSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from '../../src/model/safetensors.js';
import { fixturesDir, sharedDir } from '../helpers/paths.js';
import { f32le, tempDir, writeSpecFile } from './safetensors-build.js';

const bitsOf = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

test('write → read round trip keeps every float32 bit, shapes and metadata', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'model.safetensors');
    const specials = new Float32Array([NaN, -0, Infinity, -Infinity, 2 ** -149, 3.4028234663852886e38, -1.5, 0.1]);
    const big = new Float32Array(3 * 1000).map((_, i) => Math.sin(i) * 1e3);
    const tensors = {
      'z.last': { shape: [2, 4], data: specials },
      'a.first': { shape: [3, 1000], data: big },
      scalar: { shape: [], data: new Float32Array([42]) },
      empty: { shape: [0, 5], data: new Float32Array(0) },
      // A view into a larger buffer: only the view's bytes may be written.
      view: { shape: [2], data: new Float32Array([9, 7, 8, 9]).subarray(1, 3) },
    };
    await writeSafetensors(file, tensors, { format: 'pt', note: 'ünïcode ✓' });
    assert.deepEqual(readdirSync(dir), ['model.safetensors'], 'no temporary file left behind');

    const back = await readSafetensors(file);
    assert.deepEqual([...back.keys()].sort(), Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const got = back.get(name)!;
      assert.equal(got.dtype, 'F32');
      assert.deepEqual(got.shape, t.shape, name);
      assert.ok(got.data instanceof Float32Array);
      assert.deepEqual(bitsOf(got.data as Float32Array), bitsOf(t.data), name);
    }
    const header = await readSafetensorsHeader(file);
    assert.deepEqual(header.metadata, { format: 'pt', note: 'ünïcode ✓' });
  } finally {
    cleanup();
  }
});

test('written layout: u64 LE length, sorted names, 8-aligned data start, contiguous offsets', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'w.safetensors');
    await writeSafetensors(file, {
      'b.weight': { shape: [3], data: new Float32Array([1, 2, 3]) },
      'a.weight': { shape: [1, 2], data: new Float32Array([-1, 0.5]) },
    });
    // Decode by hand, without our reader.
    const bytes = readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0, 'data starts 8-byte aligned');
    const text = bytes.subarray(8, 8 + n).toString('utf8');
    assert.match(text, /^\{.*\} *$/);
    const header = JSON.parse(text);
    assert.deepEqual(Object.keys(header), ['a.weight', 'b.weight']);
    assert.deepEqual(header['a.weight'], { dtype: 'F32', shape: [1, 2], data_offsets: [0, 8] });
    assert.deepEqual(header['b.weight'], { dtype: 'F32', shape: [3], data_offsets: [8, 20] });
    assert.equal(bytes.length, 8 + n + 20);
    const data = bytes.subarray(8 + n);
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => data.readFloatLE(4 * i)), [-1, 0.5, 1, 2, 3]);
  } finally {
    cleanup();
  }
});

test('writing replaces an existing file atomically and a failed write leaves nothing', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'ckpt.safetensors');
    writeFileSync(file, 'old contents');
    await writeSafetensors(file, { w: { shape: [1], data: new Float32Array([5]) } });
    assert.deepEqual([...(await readSafetensors(file)).get('w')!.data], [5]);
    await assert.rejects(writeSafetensors(join(dir, 'no-such-dir', 'x.safetensors'), { w: { shape: [1], data: new Float32Array([1]) } }));
    await assert.rejects(
      writeSafetensors(file, { w: { shape: [2, 2], data: new Float32Array(3) } }),
      /tensor "w" has 3 values but shape \[2, 2\] needs 4/,
    );
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
    assert.deepEqual([...(await readSafetensors(file)).get('w')!.data], [5], 'old checkpoint intact after a failed write');
  } finally {
    cleanup();
  }
});

test('names: reads only the requested tensors, in file order', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'sel.safetensors');
    writeSpecFile(file, {
      first: { dtype: 'F32', shape: [1], bytes: f32le([1]) },
      second: { dtype: 'F32', shape: [2], bytes: f32le([2, 2]) },
      third: { dtype: 'F32', shape: [1], bytes: f32le([3]) },
    });
    const m = await readSafetensors(file, { names: ['third', 'first'] });
    assert.deepEqual([...m.keys()], ['first', 'third']);
    assert.deepEqual([...m.get('third')!.data], [3]);
    const seen: string[] = [];
    for await (const [name, t] of iterateSafetensors(file)) {
      seen.push(`${name}:${[...t.data].join(',')}`);
    }
    assert.deepEqual(seen, ['first:1', 'second:2,2', 'third:3']);
    // Leaving the loop early closes the file handle (the generator's finally runs).
    for await (const [name] of iterateSafetensors(file)) {
      assert.equal(name, 'first');
      break;
    }
  } finally {
    cleanup();
  }
});

/** A reference fixture: our committed copy if a teammate made one, else the shared folder. */
function fixture(name: string): { dir: string; skip: false } | { dir: string; skip: string } {
  for (const dir of [join(fixturesDir, name), join(sharedDir, 'fixtures', name)]) {
    if (existsSync(join(dir, 'model.safetensors'))) return { dir, skip: false };
  }
  return { dir: '', skip: `fixture ${name} not found under test/fixtures or ${sharedDir}/fixtures; skipping` };
}

const relu = fixture('t5-tiny-relu');
test('reads the Hugging Face t5-tiny-relu checkpoint (written by safetensors/PyTorch)', { skip: relu.skip }, async () => {
  const file = join(relu.dir, 'model.safetensors');
  const config = JSON.parse(readFileSync(join(relu.dir, 'config.json'), 'utf8'));
  const m = await readSafetensors(file);
  assert.equal(m.size, 50);
  const { d_model: d, d_ff: ff, vocab_size: vocab, num_heads: heads, relative_attention_num_buckets: buckets } = config;
  assert.deepEqual(m.get('shared.weight')!.shape, [vocab, d]);
  assert.deepEqual(m.get('encoder.block.0.layer.1.DenseReluDense.wi.weight')!.shape, [ff, d]);
  assert.deepEqual(m.get('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight')!.shape, [buckets, heads]);
  // First values of shared.weight, decoded with Python's struct module ('<3f').
  assert.deepEqual([...m.get('shared.weight')!.data.subarray(0, 3)], [0.8411014080047607, -1.773543357849121, 0.43773412704467773]);
  // The tied aliases were stored as separate byte ranges; they must decode to the same bits.
  const shared = bitsOf(m.get('shared.weight')!.data as Float32Array);
  for (const alias of ['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight', 'lm_head.weight']) {
    assert.deepEqual(bitsOf(m.get(alias)!.data as Float32Array), shared, alias);
  }
  const header = await readSafetensorsHeader(file);
  assert.equal(header.metadata.format, 'pt');
  assert.equal(header.dataOffset, 8 + 5648);
  // Write it back and compare with the original: the same tensors, bit for bit.
  const { dir, cleanup } = tempDir();
  try {
    const copy = join(dir, 'copy.safetensors');
    await writeSafetensors(
      copy,
      Object.fromEntries([...m].map(([k, t]) => [k, { shape: t.shape, data: t.data as Float32Array }])),
      header.metadata,
    );
    const again = await readSafetensors(copy);
    for (const [k, t] of m) assert.deepEqual(bitsOf(again.get(k)!.data as Float32Array), bitsOf(t.data as Float32Array), k);
  } finally {
    cleanup();
  }
});

const hl = fixture('hyperloader-tiny');
test('hyperloader-tiny header: names and shapes match mapping.json, unique sizes sum to its count', { skip: hl.skip }, async () => {
  const mapping = JSON.parse(readFileSync(join(hl.dir, 'mapping.json'), 'utf8'));
  const header = await readSafetensorsHeader(join(hl.dir, 'model.safetensors'));
  const params: { name: string; shape: number[]; alias_of?: string }[] = mapping.parameters;
  assert.equal(header.tensors.size, params.length);
  let unique = 0;
  for (const p of params) {
    const e = header.tensors.get(p.name);
    assert.ok(e, p.name);
    assert.equal(e.dtype, 'F32');
    assert.deepEqual(e.shape, p.shape, p.name);
    assert.equal(e.end - e.begin, 4 * p.shape.reduce((a, b) => a * b, 1));
    if (!p.alias_of) unique += p.shape.reduce((a, b) => a * b, 1);
  }
  assert.equal(unique, mapping.parameter_counts_this_fixture.total_unique);
});
