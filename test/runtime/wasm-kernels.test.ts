/**
 * The kernels src/runtime/wasm-kernels.ts puts into the wasm backend. References: a float64 triple
 * loop written here (for the SIMD product on its own) and tfjs's pure-JS cpu backend (for the
 * kernels as tfjs dispatches them, gradients included).
 */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { values } from '../helpers/values.js';
import { initBackend } from '../../src/runtime/backend.js';
import { SimdKernels, wasmProduct, type BatchedProduct } from '../../src/runtime/wasm-kernels.js';
import { isWasmAbort } from '../../src/train/memory.js';
import { DropoutStream } from '../../src/model/ops.js';

/** out[b][i][j] = Σ_k A(b, i, k) · B(b, k, j) in float64, reading the stored (possibly transposed) layouts. */
function reference(a: Float32Array, b: Float32Array, p: BatchedProduct): Float64Array {
  const batch = Math.max(p.batchA, p.batchB);
  const out = new Float64Array(batch * p.m * p.n);
  for (let t = 0; t < batch; t++) {
    const oa = (p.batchA > 1 ? t : 0) * p.m * p.k;
    const ob = (p.batchB > 1 ? t : 0) * p.k * p.n;
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        let s = 0;
        for (let k = 0; k < p.k; k++) {
          const av = p.transposeA ? a[oa + k * p.m + i]! : a[oa + i * p.k + k]!;
          const bv = p.transposeB ? b[ob + j * p.k + k]! : b[ob + k * p.n + j]!;
          s += av * bv;
        }
        out[(t * p.m + i) * p.n + j] = s;
      }
    }
  }
  return out;
}

function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  assert.equal(x.length, y.length);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  return d;
}

test('SimdKernels: every transpose combination, broadcast batches and ragged sizes match a float64 loop', () => {
  const gemm = new SimdKernels();
  // Sizes on and off the 4-row / 8-column blocks, K of 1, and the attention shapes of t5-small.
  const shapes: [number, number, number, number, number][] = [
    [1, 1, 1, 1, 1],
    [2, 2, 5, 7, 9],
    [3, 3, 4, 1, 8],
    [1, 4, 13, 3, 17],
    [4, 1, 6, 33, 5],
    [64, 64, 64, 64, 64],
    [64, 64, 32, 64, 32],
  ];
  let compared = 0;
  for (const [batchA, batchB, m, k, n] of shapes) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const p = { batchA, batchB, m, k, n, transposeA, transposeB };
        const a = values(batchA * m * k, 7 + m);
        const b = values(batchB * k * n, 11 + n);
        const out = new Float32Array(Math.max(batchA, batchB) * m * n).fill(Number.NaN);
        gemm.matMul(a, b, out, p);
        const d = maxAbsDiff(out, reference(a, b, p));
        assert.ok(d <= 1e-5 * Math.max(1, k), `${JSON.stringify(p)}: max |difference| ${d}`);
        compared++;
      }
    }
  }
  assert.equal(compared, shapes.length * 4);
});

test('SimdKernels with a worker thread, plain and fused multiply-add builds: large products split by panels match the float64 loop', async () => {
  for (const preferRelaxed of [false, true]) {
    const simd = new SimdKernels({ threads: 2, preferRelaxed });
    try {
      assert.equal(await simd.ready(), 1, 'the worker started');
      // m·k·n ≥ 2^20 so the worker takes half of the panels; n off the 8-column panels.
      for (const [batchA, batchB, m, k, n, transposeB] of [[1, 1, 128, 96, 100, false], [2, 1, 64, 128, 130, true]] as const) {
        const p = { batchA, batchB, m, k, n, transposeA: false, transposeB };
        const a = values(batchA * m * k, 3);
        const b = values(batchB * k * n, 4);
        const out = new Float32Array(Math.max(batchA, batchB) * m * n).fill(Number.NaN);
        simd.matMul(a, b, out, p);
        const d = maxAbsDiff(out, reference(a, b, p));
        assert.ok(d <= 1e-5 * k, `${preferRelaxed ? 'relaxed' : 'plain'} ${JSON.stringify(p)}: ${d}`);
      }
    } finally {
      await simd.close();
    }
  }
});

test('SimdKernels refuses batches that do not broadcast and an output of the wrong size', () => {
  const gemm = new SimdKernels();
  const p = { batchA: 2, batchB: 3, m: 1, k: 1, n: 1, transposeA: false, transposeB: false };
  assert.throws(() => gemm.matMul(new Float32Array(2), new Float32Array(3), new Float32Array(3), p), /matMul: batch 2 of A against 3/);
  assert.throws(() => gemm.matMul(new Float32Array(1), new Float32Array(1), new Float32Array(2), { ...p, batchA: 1, batchB: 1 }), /output of 2 floats/);
});

test('wasmProduct: only the products tfjs-backend-wasm runs as a scalar loop are taken', () => {
  assert.equal(wasmProduct([8, 512], [512, 64], false, false), null); // XNNPACK's case
  assert.equal(wasmProduct([1, 8, 512], [1, 512, 64], false, false), null);
  assert.deepEqual(wasmProduct([8, 512], [64, 512], false, true)?.outShape, [8, 64]);
  assert.deepEqual(wasmProduct([2, 3, 5, 4], [2, 3, 4, 6], false, false)?.outShape, [2, 3, 5, 6]);
  assert.deepEqual(wasmProduct([2, 3, 4, 5], [1, 1, 4, 6], true, false)?.outShape, [2, 3, 5, 6]);
  assert.equal(wasmProduct([2, 5, 4], [3, 4, 6], false, false), null); // 2 against 3: tfjs's error
});

test('on the wasm backend, matMul (forward and gradients) and clone agree with the cpu backend', async () => {
  const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { a: [8, 8, 64, 64], b: [8, 8, 64, 64], ta: false, tb: true }, // attention scores
    { a: [2, 3, 5, 4], b: [2, 3, 4, 7], ta: false, tb: false },
    { a: [3, 4, 5], b: [1, 4, 6], ta: true, tb: false }, // broadcast B (forward only: tfjs has no broadcast matMul gradient)
    { a: [9, 12], b: [10, 12], ta: false, tb: true },
    { a: [12, 9], b: [12, 10], ta: true, tb: false },
    { a: [16, 32], b: [32, 24], ta: false, tb: false }, // stays with XNNPACK
  ];
  const run = (): Float32Array[] =>
    cases.flatMap((c, i) =>
      tf.tidy(() => {
        const a = tf.tensor(values(tf.util.sizeFromShape(c.a), 3 + i), c.a);
        const b = tf.tensor(values(tf.util.sizeFromShape(c.b), 5 + i), c.b);
        const out = tf.matMul(a, b, c.ta, c.tb);
        if (c.b[0] === 1 && c.a[0] !== 1) return [out.dataSync().slice() as Float32Array];
        const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, c.ta, c.tb))));
        const [da, db] = g([a, b]);
        return [out, da!, db!].map((t) => t.dataSync().slice() as Float32Array);
      }),
    );
  await initBackend('cpu');
  const expected = run();
  const r = await initBackend('wasm', { threads: 1 });
  assert.match(r.tried.at(-1)!.reason, /matMul on (fused multiply-add|SIMD for batched\/transposed products) \(1 thread\), fused loss/);
  const got = run();
  assert.equal(got.length, cases.length * 3 - 2);
  for (let i = 0; i < got.length; i++) {
    const scale = expected[i]!.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
    assert.ok(maxAbsDiff(got[i]!, expected[i]!) <= 2e-5 * scale, `output ${i}`);
  }
  // Identity shares the data: the clone outlives its source and reads the same values.
  const x = tf.tensor([1, 2, 3]);
  const y = tf.clone(x);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
  y.dispose();
});

/** The loss of src/model/loss.ts, written out in float64 from its definition. */
function xentReference(x: Float32Array, y: Int32Array, n: number, v: number, eps: number) {
  const loss: number[] = [];
  const lse: number[] = [];
  const grad = new Float64Array(n * v);
  for (let i = 0; i < n; i++) {
    const row = Array.from(x.subarray(i * v, (i + 1) * v));
    const m = Math.max(...row);
    const l = m + Math.log(row.reduce((s, t) => s + Math.exp(t - m), 0));
    const logp = row.map((t) => t - l);
    loss.push((1 - eps) * -logp[y[i]!]! + (eps / v) * -logp.reduce((s, t) => s + t, 0));
    lse.push(l);
    for (let j = 0; j < v; j++) grad[i * v + j] = Math.exp(logp[j]!) - eps / v - (j === y[i] ? 1 - eps : 0);
  }
  return { loss, lse, grad };
}

test('fused cross-entropy kernels: loss, logsumexp and gradient match a float64 reference', () => {
  const simd = new SimdKernels();
  let compared = 0;
  for (const [n, v, eps, spread] of [[3, 37, 0.1, 4], [4, 1, 0, 1], [2, 8, 0.2, 60], [6, 1031, 0.1, 20]] as const) {
    const x = values(n * v, n + v).map((t) => t * spread);
    const y = Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % v);
    const ref = xentReference(x, y, n, v, eps);
    const out = new Float32Array(2 * n);
    simd.xentForward(x, y, n, v, eps, out);
    const s = Float32Array.from({ length: n }, (_, i) => 0.5 + i);
    const g = new Float32Array(n * v);
    simd.xentBackward(x, y, Float32Array.from(ref.lse), s, n, v, eps, g);
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(out[2 * i]! - ref.loss[i]!) <= 2e-6 * Math.max(1, Math.abs(ref.loss[i]!)), `loss row ${i} of ${n}×${v}`);
      assert.ok(Math.abs(out[2 * i + 1]! - ref.lse[i]!) <= 2e-6 * Math.max(1, Math.abs(ref.lse[i]!)), `lse row ${i} of ${n}×${v}`);
      for (let j = 0; j < v; j++) {
        const want = s[i]! * ref.grad[i * v + j]!;
        assert.ok(Math.abs(g[i * v + j]! - want) <= 1e-6 * s[i]!, `grad (${i}, ${j}) of ${n}×${v}: ${g[i * v + j]} vs ${want}`);
        compared++;
      }
    }
  }
  assert.equal(compared, 3 * 37 + 4 + 2 * 8 + 6 * 1031);
  assert.throws(() => simd.xentForward(new Float32Array(4), Int32Array.from([0, 2]), 2, 2, 0.1, new Float32Array(4)), /label 2 outside \[0, 2\)/);
});

test('a process whose SimdKernels has a worker thread ends by itself', () => {
  const mod = new URL('../../src/runtime/wasm-kernels.js', import.meta.url).href;
  const script =
    `import { SimdKernels } from ${JSON.stringify(mod)};` +
    'const s = new SimdKernels({ threads: 2 }); console.log(await s.ready());' +
    'const out = new Float32Array(256 * 512);' +
    's.matMul(new Float32Array(256 * 512).fill(1), new Float32Array(512 * 512).fill(1), out, { batchA: 1, batchB: 1, m: 256, k: 512, n: 512, transposeA: false, transposeB: false });' +
    'console.log(out[0], out[out.length - 1]);';
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['1', '512 512']);
});

test('when the operands do not fit in its memory, matMul declines (tfjs\'s kernel takes it) and the loss aborts as a wasm out-of-memory does', () => {
  const simd = new SimdKernels({ maxPages: 4 }); // 256 KiB: 64 KiB reserved, the rest for operands
  const p = { batchA: 1, batchB: 1, m: 64, k: 64, n: 64, transposeA: false, transposeB: false };
  const small = new Float32Array(64 * 64).fill(1);
  assert.equal(simd.matMul(small, small, new Float32Array(64 * 64), p), true);
  const q = { ...p, m: 128, k: 128, n: 128 };
  const big = new Float32Array(128 * 128);
  assert.equal(simd.matMul(big, big, new Float32Array(128 * 128), q), false);
  const logits = new Float32Array(64 * 1024);
  assert.throws(
    () => simd.xentForward(logits, new Int32Array(64), 64, 1024, 0.1, new Float32Array(128)),
    (e: unknown) => e instanceof WebAssembly.RuntimeError && isWasmAbort(e) && /^Aborted\(OOM\): the SIMD kernels need 0\.3 MiB, more than their memory can grow to \(0\.3 MiB\)$/.test(e.message),
  );
});

test('on the wasm backend, slice (contiguous or not), split and unstack agree with the cpu backend', async () => {
  const run = (): number[][] =>
    tf.tidy(() => {
      const x = tf.tensor(values(4 * 6 * 5, 9), [4, 6, 5]);
      const parts = [
        tf.slice(x, [1, 0, 0], [2, 6, 5]), // contiguous
        tf.slice(x, [0, 2, 1], [3, 3, 2]), // strided
        ...tf.split(x, [1, 3], 0),
        ...tf.unstack(x, 0),
        ...tf.unstack(x, 2),
        ...tf.unstack(tf.tensor([1, 2, 3, 4, 5, 6], [3, 2], 'int32')),
      ];
      return parts.map((t) => [...t.shape, ...Array.from(t.dataSync())]);
    });
  await initBackend('cpu');
  const expected = run();
  await initBackend('wasm', { threads: 1 });
  assert.deepEqual(run(), expected);
});

test('dropout masks: the wasm kernel writes the same masks as the JavaScript path of the cpu backend', async () => {
  const masks = (): number[][] =>
    tf.tidy(() => {
      const stream = new DropoutStream(0.1, 42);
      return [[4, 5], [3, 1000], [7]].map((shape) => Array.from(stream.apply(tf.ones(shape)).dataSync()));
    });
  await initBackend('cpu');
  const expected = masks();
  await initBackend('wasm', { threads: 1 });
  assert.ok(tf.getKernel('DropoutMask', 'wasm'), 'the kernel is registered');
  const got = masks();
  assert.deepEqual(got, expected);
  // Rate 0.1: about a tenth dropped, the rest scaled by 1/0.9.
  const all = got.flat();
  const dropped = all.filter((v) => v === 0).length / all.length;
  assert.ok(dropped > 0.07 && dropped < 0.13, `dropped ${dropped}`);
  assert.ok(all.every((v) => v === 0 || Math.abs(v - 1 / 0.9) < 1e-6));
});
