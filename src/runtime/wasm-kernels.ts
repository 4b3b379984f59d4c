/**
 * Kernels of tfjs-backend-wasm 4.22 replaced, and one added, where they cost a training step most:
 *
 * - BatchMatMul: the wasm backend sends a matMul to XNNPACK only when it is a single plain
 *   product (batch 1, no transposed operand); every batched or transposed one (attention scores,
 *   attention times values, and both their gradients) runs as a scalar triple loop at about a
 *   tenth of the speed. Those cases go to a SIMD kernel of ours (./simd/gemm.ts, AssemblyScript,
 *   compiled by `npm run build:wasm`), and so do large or thin plain products when the engine has
 *   fused multiply-add (see PLAIN_MIN_ROWS); XNNPACK keeps the rest.
 * - Identity: the wasm kernel copies its input. tfjs calls it for every tensor a gradient keeps
 *   for the backward pass, so a train step copied hundreds of tensors (the [N, vocab] logits
 *   among them). The replacement shares the data, as Reshape already does on wasm and Identity
 *   does on the cpu backend; tfjs tensors are immutable, so nothing can tell the difference.
 * - Slice (contiguous) and Unpack: the wasm kernels first copy the whole input out of the heap
 *   into a fresh JavaScript array (readSync), once per output for Unpack; the replacements copy
 *   just the part each output needs, heap to heap. The hypernetwork's generated weights are
 *   unstacked per layer every step.
 * - DropoutMask (new): src/model/ops.ts's seeded dropout mask written straight into the heap
 *   (a train step made some 70 MB of JavaScript arrays for them, each copied in and collected).
 * - LabelSmoothedXent / LabelSmoothedXentGrad (new): the training loss of src/model/loss.ts and its
 *   gradient over the [N, vocab] logits in one SIMD pass each (./simd/xent.ts), where the tfjs ops
 *   wrote a dozen [N, vocab] temporaries per step.
 *
 * installWasmKernels() runs after the wasm backend is active. Without the compiled .wasm (tsc run
 * alone) it leaves BatchMatMul as tfjs ships it and says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { DROPOUT_MASK_KERNEL, fillDropoutMask } from './dropout-mask.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  packA(src: number, out: number, m: number, k: number, rs: number, cs: number, mp: number): void;
  packB(src: number, out: number, k: number, n: number, rs: number, cs: number, p0: number, p1: number): void;
  gemm(a: number, bp: number, c: number, mp: number, k: number, np: number, p0: number, p1: number): void;
  xentForward(x: number, y: number, n: number, v: number, eps: number, out: number): void;
  xentBackward(x: number, y: number, lse: number, s: number, n: number, v: number, eps: number): void;
}

/** Shapes of one batched product: out[b] = op(A[b or 0]) · op(B[b or 0]), op = optional transpose. */
export interface BatchedProduct {
  batchA: number;
  batchB: number;
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

export const KERNELS_WASM = fileURLToPath(new URL('./simd/kernels.wasm', import.meta.url));
export const KERNELS_RELAXED_WASM = fileURLToPath(new URL('./simd/kernels-relaxed.wasm', import.meta.url));
const WORKER_SCRIPT = fileURLToPath(new URL('./simd-worker.js', import.meta.url));

/** Names of the kernels added to the wasm backend (src/model/loss.ts uses them when registered). */
export const XENT_KERNEL = 'LabelSmoothedXent';
export const XENT_GRAD_KERNEL = 'LabelSmoothedXentGrad';

/**
 * A plain product goes to our kernel (when it has fused multiply-add) from this many rows of A, or
 * with an inner dimension up to PLAIN_MAX_INNER. XNNPACK keeps B packed between calls (keyed by
 * the tensor), which wins for a weight reused with few rows (decoding); our kernel copies and
 * packs B on every call, which pays off from about 128–256 rows of t5-small's shapes (measured, 2
 * threads), and always for a thin B (the generated adapter-up and LoRA-B weights, new every step,
 * which XNNPACK would pack again anyway). The rule looks at shapes only, so the same product
 * always takes the same kernel and results do not depend on what ran before.
 */
const PLAIN_MIN_ROWS = 256;
const PLAIN_MAX_INNER = 64;

/** Below this many multiply-adds a product runs on the calling thread alone (waking a worker costs more). */
const PARALLEL_MIN_MACS = 1 << 20;

/**
 * The relaxed-SIMD build when this engine runs it: V8 11.4+ does by default; Node 20's V8 11.3
 * has it behind --experimental-wasm-relaxed-simd, which is set here (it only widens what
 * WebAssembly.validate accepts). Otherwise the plain SIMD build.
 */
export function loadKernelBytes(preferRelaxed = true): { bytes: Uint8Array<ArrayBuffer>; relaxed: boolean } {
  if (preferRelaxed && existsSync(KERNELS_RELAXED_WASM)) {
    const relaxed = new Uint8Array(readFileSync(KERNELS_RELAXED_WASM));
    if (!WebAssembly.validate(relaxed)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (WebAssembly.validate(relaxed)) return { bytes: relaxed, relaxed: true };
  }
  return { bytes: new Uint8Array(readFileSync(KERNELS_WASM)), relaxed: false };
}

/** One worker thread and its control block (layout in ./simd-worker.ts). */
interface Helper {
  worker: Worker;
  ctl: Int32Array;
  seq: number;
}

/**
 * The SIMD kernels on Float32Arrays in any memory (tfjs's heap views included): operands are
 * copied into this module's own shared memory, which grows to the largest call and is reused.
 * With threads > 1, threads − 1 workers run the same module on that memory and each multiplies
 * its share of B's column panels.
 */
export class SimdKernels {
  private readonly x: KernelExports;
  private readonly memory: WebAssembly.Memory;
  private readonly helpers: Helper[] = [];
  /** Whether the fused multiply-add build is running. */
  readonly relaxed: boolean;
  private readonly maxBytes: number;

  /** maxPages: the memory's limit in 64 KiB pages (at most 32768, 2 GiB; tests lower it). */
  constructor(opts: { threads?: number; preferRelaxed?: boolean; maxPages?: number } = {}) {
    const { bytes, relaxed } = loadKernelBytes(opts.preferRelaxed ?? true);
    this.relaxed = relaxed;
    const module = new WebAssembly.Module(bytes);
    this.maxBytes = (opts.maxPages ?? 32768) * 65536;
    this.memory = new WebAssembly.Memory({ initial: 2, maximum: this.maxBytes / 65536, shared: true });
    this.x = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as KernelExports;
    for (let i = 1; i < (opts.threads ?? 1); i++) {
      const ctl = new Int32Array(new SharedArrayBuffer(16 * 4));
      // execArgv: [] — the parent's flags (say --input-type) can stop a worker from starting.
      const worker = new Worker(WORKER_SCRIPT, { workerData: { module, memory: this.memory, ctl }, execArgv: [] });
      worker.unref(); // an idle helper never keeps the process alive
      // A worker that fails to start never marks itself ready, so it is never given work.
      worker.on('error', () => undefined);
      this.helpers.push({ worker, ctl, seq: 0 });
    }
  }

  /** Helpers that have started (they take a moment; until then the calling thread does all). */
  private readyHelpers(): Helper[] {
    return this.helpers.filter((h) => Atomics.load(h.ctl, 2) === 1);
  }

  /** Like a failed malloc in tfjs's own wasm: an abort that src/train/memory.ts reports as out of memory. */
  private reserveOrAbort(bytes: number): void {
    if (!this.x.reserve(bytes)) {
      throw new WebAssembly.RuntimeError(`Aborted(OOM): the SIMD kernels need ${(bytes / 2 ** 20).toFixed(1)} MiB, more than their memory can grow to (${(this.maxBytes / 2 ** 20).toFixed(1)} MiB)`);
    }
  }

  /** Resolves once every worker has started (or after timeoutMs); returns how many have. */
  async ready(timeoutMs = 10_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (this.readyHelpers().length < this.helpers.length && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    return this.readyHelpers().length;
  }

  /** Stops the workers (tests; a process exits without it). */
  async close(): Promise<void> {
    for (const h of this.helpers) {
      Atomics.store(h.ctl, 0, -1);
      Atomics.notify(h.ctl, 0);
    }
    await Promise.all(this.helpers.map((h) => h.worker.terminate()));
    this.helpers.length = 0;
  }

  /** Label-smoothed cross-entropy per row: out [n, 2] = (loss_i, logsumexp_i) of logits [n, v]. */
  xentForward(logits: Float32Array, labels: Int32Array, n: number, v: number, eps: number, out: Float32Array): void {
    checkXent(logits, labels, n, v);
    if (out.length !== 2 * n) throw new Error(`xentForward: output of ${out.length} floats for ${n} rows`);
    const offX = 65536;
    const offY = offX + 4 * n * v;
    const offO = offY + 4 * n;
    this.reserveOrAbort(offO + 8 * n);
    const buf = this.x.memory.buffer;
    new Float32Array(buf, offX, n * v).set(logits);
    new Int32Array(buf, offY, n).set(labels);
    this.x.xentForward(offX, offY, n, v, eps, offO);
    out.set(new Float32Array(this.x.memory.buffer, offO, 2 * n));
  }

  /** out [n, v] = s_i · ∂loss_i/∂logits (lse from xentForward; s = upstream gradient × row weight). */
  xentBackward(logits: Float32Array, labels: Int32Array, lse: Float32Array, s: Float32Array, n: number, v: number, eps: number, out: Float32Array): void {
    checkXent(logits, labels, n, v);
    if (lse.length !== n || s.length !== n || out.length !== n * v) throw new Error(`xentBackward: sizes for ${n} rows of ${v}`);
    const offX = 65536;
    const offY = offX + 4 * n * v;
    const offL = offY + 4 * n;
    const offS = offL + 4 * n;
    this.reserveOrAbort(offS + 4 * n);
    const buf = this.x.memory.buffer;
    new Float32Array(buf, offX, n * v).set(logits);
    new Int32Array(buf, offY, n).set(labels);
    new Float32Array(buf, offL, n).set(lse);
    new Float32Array(buf, offS, n).set(s);
    this.x.xentBackward(offX, offY, offL, offS, n, v, eps);
    out.set(new Float32Array(this.x.memory.buffer, offX, n * v));
  }

  /**
   * a: batchA × (m×k, or k×m when transposeA); b: batchB × (k×n, or n×k when transposeB);
   * out: max(batchA, batchB) × m×n. A batch of 1 broadcasts against the other. False (nothing
   * computed) when the operands do not fit in this module's memory.
   */
  matMul(a: Float32Array, b: Float32Array, out: Float32Array, p: BatchedProduct): boolean {
    const { m, k, n, batchA, batchB } = p;
    const batch = Math.max(batchA, batchB);
    if (batchA !== batch && batchA !== 1) throw new Error(`matMul: batch ${batchA} of A against ${batchB} of B`);
    if (batchB !== batch && batchB !== 1) throw new Error(`matMul: batch ${batchB} of B against ${batchA} of A`);
    if (out.length !== batch * m * n) throw new Error(`matMul: output of ${out.length} floats for ${batch}×${m}×${n}`);
    if (out.length === 0) return true;
    const mp = (m + 3) & ~3;
    const np = (n + 7) & ~7;
    const sizeA = m * k;
    const sizeB = k * n;
    // This module's memory, from 64 KiB up: one A, one B, packed A, packed B, C.
    const offA = 65536;
    const offB = offA + 4 * sizeA;
    const offPA = offB + 4 * sizeB;
    const offPB = offPA + 4 * mp * k;
    const offC = offPB + 4 * np * k;
    if (!this.x.reserve(offC + 4 * mp * np)) return false;
    const buf = this.x.memory.buffer; // after reserve: growing replaces the buffer
    const viewA = new Float32Array(buf, offA, sizeA);
    const viewB = new Float32Array(buf, offB, sizeB);
    const viewC = new Float32Array(buf, offC, mp * np);
    // Element (i, kk) of A is at i·rs + kk·cs; the transposed layouts just swap the strides.
    const [aRs, aCs] = p.transposeA ? [1, m] : [k, 1];
    const [bRs, bCs] = p.transposeB ? [1, k] : [n, 1];
    const panels = np >> 3;
    const helpers = m * k * n >= PARALLEL_MIN_MACS ? this.readyHelpers().slice(0, panels - 1) : [];
    const share = Math.ceil(panels / (helpers.length + 1));
    for (let i = 0; i < batch; i++) {
      if (i === 0 || batchA > 1) {
        viewA.set(a.subarray((batchA > 1 ? i : 0) * sizeA, ((batchA > 1 ? i : 0) + 1) * sizeA));
        this.x.packA(offA, offPA, m, k, aRs, aCs, mp);
      }
      const packB = i === 0 || batchB > 1;
      if (packB) viewB.set(b.subarray((batchB > 1 ? i : 0) * sizeB, ((batchB > 1 ? i : 0) + 1) * sizeB));
      // Helper h packs (when B changed) and multiplies panels [(h+1)·share, (h+2)·share); this
      // thread the first share.
      helpers.forEach((h, j) => {
        const p0 = Math.min(panels, (j + 1) * share);
        const p1 = Math.min(panels, (j + 2) * share);
        h.ctl.set([packB ? 1 : 0, offB, offPA, offPB, offC, mp, k, np, n, bRs, bCs, p0, p1], 3);
        Atomics.store(h.ctl, 0, ++h.seq);
        Atomics.notify(h.ctl, 0);
      });
      const mine = Math.min(panels, share);
      if (packB) this.x.packB(offB, offPB, k, n, bRs, bCs, 0, mine);
      this.x.gemm(offPA, offPB, offC, mp, k, np, 0, mine);
      for (const h of helpers) while (Atomics.load(h.ctl, 1) !== h.seq) Atomics.wait(h.ctl, 1, h.seq - 1);
      if (np === n) out.set(viewC.subarray(0, m * n), i * m * n);
      else for (let r = 0; r < m; r++) out.set(viewC.subarray(r * np, r * np + n), (i * m + r) * n);
    }
    return true;
  }
}

function checkXent(logits: Float32Array, labels: Int32Array, n: number, v: number): void {
  if (logits.length !== n * v || labels.length !== n) throw new Error(`cross-entropy: ${logits.length} logits and ${labels.length} labels for ${n} rows of ${v}`);
  for (const y of labels) if (!(y >= 0 && y < v)) throw new Error(`cross-entropy: label ${y} outside [0, ${v})`);
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
  incRef(dataId: object): void;
  disposeData(dataId: object): boolean;
}

let installed: { note: string } | undefined;

/** Registers `kernelFunc` for the wasm backend in place of tfjs's kernel `name`; returns tfjs's. */
function replaceKernel(name: string, kernelFunc: tf.KernelFunc): tf.KernelFunc {
  const stock = tf.getKernel(name, 'wasm')!.kernelFunc;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
  return stock;
}

/**
 * A matMul in 3-D terms for SimdKernels, or null to leave it to tfjs's kernel: the plain
 * products XNNPACK is fast at (unless `all`), and batches that do not broadcast (tfjs's error).
 */
export function wasmProduct(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean, all = false): (BatchedProduct & { outShape: number[] }) | null {
  const ar = aShape.length;
  const br = bShape.length;
  const batchA = tf.util.sizeFromShape(aShape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(bShape.slice(0, -2));
  if (!all && !transposeA && !transposeB && batchA === 1 && batchB === 1) return null;
  const batch = Math.max(batchA, batchB);
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
  const m = transposeA ? aShape[ar - 1]! : aShape[ar - 2]!;
  const k = transposeA ? aShape[ar - 2]! : aShape[ar - 1]!;
  const n = transposeB ? bShape[br - 2]! : bShape[br - 1]!;
  const kb = transposeB ? bShape[br - 1]! : bShape[br - 2]!;
  if (k !== kb) return null; // tfjs's own kernel reports the mismatch
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(aShape.slice(0, -2), bShape.slice(0, -2));
  return { batchA, batchB, m, k, n, transposeA, transposeB, outShape: [...outer, m, n] };
}

/**
 * Replaces the wasm BatchMatMul (its slow cases) and Identity. Idempotent; returns a note for
 * the backend log line.
 */
export function installWasmKernels(threads = 1): { note: string } {
  if (installed) return installed;
  // HYPERLOADER_WASM_KERNELS=off keeps tfjs's stock kernels (before/after benchmarks; a way out
  // should one of these ever misbehave).
  if (process.env.HYPERLOADER_WASM_KERNELS === 'off') {
    installed = { note: "tfjs's stock kernels (HYPERLOADER_WASM_KERNELS=off)" };
    return installed;
  }
  if (!tf.getKernel('Identity', 'wasm')) throw new Error('installWasmKernels: the wasm backend is not registered');

  const stockIdentity = replaceKernel('Identity', (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stockIdentity(args);
    (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  });

  const stockSlice: tf.KernelFunc = replaceKernel('Slice', (args) => sliceKernel(args));
  const sliceKernel = (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    const { begin, size } = args.attrs as { begin: number[]; size: number[] };
    const [b, sz] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
    if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, b, sz)) return stockSlice(args) as tf.TensorInfo;
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(sz, x.dtype);
    const from = tf.slice_util.computeFlatOffset(b, tf.util.computeStrides(x.shape));
    (backend.typedArrayFromHeap(out) as Float32Array).set((backend.typedArrayFromHeap(x) as Float32Array).subarray(from, from + tf.util.sizeFromShape(sz)));
    return out;
  };
  replaceKernel('Unpack', (args) => {
    const value = args.inputs.value as tf.TensorInfo;
    const rank = value.shape.length;
    const axis = ((args.attrs as { axis: number }).axis + rank) % rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = value.shape.map(() => 0);
    const size = value.shape.map((d, i) => (i === axis ? 1 : d));
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < value.shape[axis]!; i++) {
      begin[axis] = i;
      const part = sliceKernel({ inputs: { x: value }, attrs: { begin: [...begin], size }, backend: args.backend });
      outs.push({ dataId: part.dataId, dtype: part.dtype, shape: outShape });
    }
    return outs;
  });

  tf.registerKernel({
    kernelName: DROPOUT_MASK_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { shape, rate, seed, counter } = args.attrs as { shape: number[]; rate: number; seed: number; counter: number };
      const backend = args.backend as unknown as WasmBackendLike;
      const out = backend.makeOutput(shape, 'float32');
      fillDropoutMask(backend.typedArrayFromHeap(out) as Float32Array, rate, seed, counter);
      return out;
    },
  });

  if (!existsSync(KERNELS_WASM)) {
    installed = { note: `tfjs's BatchMatMul and no fused loss (no ${KERNELS_WASM}: run npm run build)` };
    return installed;
  }
  const simd = new SimdKernels({ threads: Math.max(1, Math.min(threads, availableParallelism())) });
  const xnnOrLoop: tf.KernelFunc = replaceKernel('BatchMatMul', (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    // With fused multiply-add (1.5× XNNPACK's throughput per thread), plain products with many
    // rows or a thin B are ours too; otherwise XNNPACK keeps the plain products.
    const rows = transposeA ? a.shape[a.shape.length - 1]! : a.shape[a.shape.length - 2]!;
    const inner = transposeA ? a.shape[a.shape.length - 2]! : a.shape[a.shape.length - 1]!;
    const all = simd.relaxed && (rows >= PLAIN_MIN_ROWS || inner <= PLAIN_MAX_INNER);
    const p = a.dtype === 'float32' && b.dtype === 'float32' ? wasmProduct(a.shape, b.shape, transposeA, transposeB, all) : null;
    if (!p) return xnnOrLoop(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(p.outShape, 'float32');
    const done = simd.matMul(
      backend.typedArrayFromHeap(a) as Float32Array,
      backend.typedArrayFromHeap(b) as Float32Array,
      backend.typedArrayFromHeap(out) as Float32Array,
      p,
    );
    if (done) return out;
    // Too big for this module's memory: tfjs's own kernel, which works in tfjs's heap.
    backend.disposeData(out.dataId);
    return xnnOrLoop(args);
  });
  tf.registerKernel({
    kernelName: XENT_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { logits, labels } = args.inputs as { logits: tf.TensorInfo; labels: tf.TensorInfo };
      const [n, v] = logits.shape as [number, number];
      const backend = args.backend as unknown as WasmBackendLike;
      const out = backend.makeOutput([n, 2], 'float32');
      simd.xentForward(
        backend.typedArrayFromHeap(logits) as Float32Array,
        backend.typedArrayFromHeap(labels) as Int32Array,
        n,
        v,
        (args.attrs as { eps: number }).eps,
        backend.typedArrayFromHeap(out) as Float32Array,
      );
      return out;
    },
  });
  tf.registerKernel({
    kernelName: XENT_GRAD_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { logits, labels, lse, scale } = args.inputs as Record<'logits' | 'labels' | 'lse' | 'scale', tf.TensorInfo>;
      const [n, v] = logits.shape as [number, number];
      const backend = args.backend as unknown as WasmBackendLike;
      const out = backend.makeOutput([n, v], 'float32');
      simd.xentBackward(
        backend.typedArrayFromHeap(logits) as Float32Array,
        backend.typedArrayFromHeap(labels) as Int32Array,
        backend.typedArrayFromHeap(lse) as Float32Array,
        backend.typedArrayFromHeap(scale) as Float32Array,
        n,
        v,
        (args.attrs as { eps: number }).eps,
        backend.typedArrayFromHeap(out) as Float32Array,
      );
      return out;
    },
  });
  installed = { note: `matMul on ${simd.relaxed ? 'fused multiply-add' : 'SIMD for batched/transposed products'} (${threads} thread${threads > 1 ? 's' : ''}), fused loss` };
  return installed;
}
