// Corrupt, truncated and mismatched files are HyperloaderErrors naming the file and the tensor,
// and offsets past 2 GiB / 4 GiB are read correctly (proved on a sparse file, no real disk use).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { iterateSafetensors, readSafetensors, readSafetensorsHeader } from '../../src/model/safetensors.js';
import { HyperloaderError } from '../../src/errors.js';
import { f32le, rawFile, tempDir, writeSpecFile } from './safetensors-build.js';

/** Runs `fn` on a file holding `bytes` and expects a HyperloaderError whose message matches every pattern. */
async function expectError(bytes: Uint8Array, patterns: RegExp[], read: (f: string) => Promise<unknown> = (f) => readSafetensors(f)) {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'bad.safetensors');
    writeFileSync(file, bytes);
    await assert.rejects(read(file), (e: unknown) => {
      assert.ok(e instanceof HyperloaderError, `not a HyperloaderError: ${e}`);
      assert.ok(e.message.includes(file), `message names the file: ${e.message}`);
      for (const p of patterns) assert.match(e.message, p);
      return true;
    });
  } finally {
    cleanup();
  }
}

const entry = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });
const file = (header: object, dataBytes: number) => rawFile(JSON.stringify(header), new Uint8Array(dataBytes));

test('header length past the end of the file', async () => {
  const ok = rawFile('{}', new Uint8Array(0));
  await expectError(rawFile('{}', new Uint8Array(0), 1000n), [/header length field says 1000 bytes but only 2 bytes follow/]);
  await expectError(rawFile('{}', new Uint8Array(0), 2n ** 63n), [/header past end of file/]);
  await expectError(ok.subarray(0, 5), [/fewer than the 8-byte header length/]);
  // The header alone is enough to fail: readSafetensorsHeader refuses it too.
  await expectError(rawFile('{}', new Uint8Array(0), 1000n), [/past end of file/], readSafetensorsHeader);
});

test('invalid JSON, non-object header, bad UTF-8, bad metadata', async () => {
  await expectError(rawFile('{"w": {"dtype": "F32",', new Uint8Array(0)), [/header is not valid JSON/]);
  await expectError(rawFile('[1, 2]', new Uint8Array(0)), [/JSON header is not an object/]);
  await expectError(rawFile('"x"', new Uint8Array(0)).map((b, i) => (i === 9 ? 0xff : b)) /* 'x' → a lone 0xFF byte */, [/not valid UTF-8/]);
  await expectError(file({ __metadata__: { step: 5 } }, 0), [/"__metadata__\.step" is not a string/]);
});

test('malformed tensor entries name the tensor', async () => {
  await expectError(file({ w: entry('F31', [1], 0, 4) }, 4), [/tensor "w": unknown dtype "F31"/]);
  await expectError(file({ w: { dtype: 'F32', shape: [1] } }, 4), [/tensor "w": data_offsets undefined/]);
  await expectError(file({ w: entry('F32', [-1], 0, 4) }, 4), [/tensor "w": shape \[-1\]/]);
  await expectError(file({ w: entry('F32', [1], 4, 0) }, 4), [/tensor "w": data_offsets \[4, 0\] end before they begin/]);
  await expectError(file({ w: 7 }, 0), [/tensor "w": its header entry is not an object/]);
});

test('a byte size that does not match dtype × shape', async () => {
  await expectError(file({ 'enc.w': entry('F16', [2, 3], 0, 8) }, 8), [
    /tensor "enc\.w": its byte range holds 8 bytes but dtype F16 with shape \[2, 3\] needs 12/,
  ]);
});

test('a truncated file names the first tensor past the end', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'full.safetensors');
    writeSpecFile(path, {
      a: { dtype: 'F32', shape: [2], bytes: f32le([1, 2]) },
      b: { dtype: 'F32', shape: [4], bytes: f32le([1, 2, 3, 4]) },
    });
    truncateSync(path, (await readSafetensorsHeader(path)).dataOffset + 12); // half of b is gone
    await assert.rejects(readSafetensors(path), (e: unknown) => {
      assert.ok(e instanceof HyperloaderError);
      assert.match(e.message, /tensor "b" occupies bytes 8\.\.24 of the data section but the file holds only 12 data bytes/);
      assert.match(e.message, /truncated/);
      return true;
    });
    // Even asking only for the intact tensor refuses the file: never a silent partial load.
    await assert.rejects(readSafetensors(path, { names: ['a'] }), /tensor "b" .* truncated/);
  } finally {
    cleanup();
  }
});

test('overlapping, gapped, unordered-but-valid and trailing-byte layouts', async () => {
  await expectError(file({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) }, 12), [
    /tensor "b" \(bytes 4\.\.12\) overlaps tensor "a"/,
  ]);
  await expectError(file({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 8, 12) }, 12), [
    /tensor "b" starts at byte 8 but "a" ends at 4; the data offsets must be contiguous/,
  ]);
  await expectError(file({ a: entry('F32', [1], 0, 4) }, 8), [/4 unclaimed trailing bytes/]);
  // Header order need not match data order: tensors listed backwards still read correctly.
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'rev.safetensors');
    writeFileSync(path, rawFile(JSON.stringify({ z: entry('F32', [1], 4, 8), y: entry('F32', [1], 0, 4) }), f32le([1, 2])));
    const m = await readSafetensors(path);
    assert.deepEqual([...m.keys()], ['y', 'z'], 'file order');
    assert.deepEqual([m.get('y')!.data[0], m.get('z')!.data[0]], [1, 2]);
  } finally {
    cleanup();
  }
});

test('a requested name that is missing fails before anything is yielded', async () => {
  const bytes = rawFile(JSON.stringify({ 'encoder.w': entry('F32', [1], 0, 4) }), f32le([1]));
  await expectError(bytes, [/missing tensor "decoder\.w" \(the file has 1 tensors\)/], (f) =>
    readSafetensors(f, { names: ['encoder.w', 'decoder.w'] }),
  );
  await expectError(bytes, [/missing tensors "a", "b"/], async (f) => {
    for await (const _ of iterateSafetensors(f, { names: ['encoder.w', 'a', 'b'] })) assert.fail('yielded before validating names');
  });
});

test('a missing file or a directory is a clear error', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(readSafetensors(join(dir, 'nope.safetensors')), /nope\.safetensors: no such safetensors file/);
    await assert.rejects(readSafetensors(dir), /is a directory; give the path of the \.safetensors file/);
  } finally {
    cleanup();
  }
});

test('tensors beyond 2 GiB and 4 GiB are read with positioned reads (sparse file)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'huge.safetensors');
    // A 5 GiB U8 "padding" tensor (never read), then small F32 tensors past 2^32 bytes.
    const pad = 5 * 2 ** 30;
    const header = JSON.stringify({
      __metadata__: { note: 'sparse' },
      pad: entry('U8', [pad], 0, pad),
      far: entry('F32', [2, 2], pad, pad + 16),
      farther: entry('F32', [1], pad + 16, pad + 20),
    });
    const head = rawFile(header, new Uint8Array(0));
    const dataOffset = head.length;
    const fh = await open(path, 'w');
    try {
      await fh.write(head, 0, head.length, 0);
      await fh.truncate(dataOffset + pad + 20); // a hole: no disk blocks
      const tail = f32le([1.5, -2, 3.25, 65504, 7]);
      await fh.write(tail, 0, tail.length, dataOffset + pad);
    } finally {
      await fh.close();
    }
    const h = await readSafetensorsHeader(path);
    assert.equal(h.fileSize, dataOffset + pad + 20);
    assert.ok(h.fileSize > 2 ** 32);
    assert.deepEqual(h.tensors.get('far'), { dtype: 'F32', shape: [2, 2], begin: pad, end: pad + 16 });
    const m = await readSafetensors(path, { names: ['farther', 'far'] });
    assert.deepEqual([...m.get('far')!.data], [1.5, -2, 3.25, 65504]);
    assert.deepEqual([...m.get('farther')!.data], [7]);
    // Truncating it by one byte is caught from the header alone.
    truncateSync(path, dataOffset + pad + 19);
    await assert.rejects(readSafetensors(path, { names: ['far'] }), /tensor "farther" occupies bytes 5368709136\.\.5368709140 .* truncated/);
  } finally {
    cleanup();
  }
});
