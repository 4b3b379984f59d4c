/**
 * A helper thread of SimdKernels (./wasm-kernels.ts): the same kernels module on the same shared
 * memory, multiplying the column panels it is given. Control block (Int32Array on a
 * SharedArrayBuffer): [0] job number (−1: stop), [1] last job done, [2] 1 once started,
 * [3..15] the job: pack B?, B, packed A, packed B, C, Mp, K, Np, N, B's row stride, B's column
 * stride, first panel, end panel.
 */
import { workerData } from 'node:worker_threads';

interface Exports {
  packB(src: number, out: number, k: number, n: number, rs: number, cs: number, p0: number, p1: number): void;
  gemm(a: number, bp: number, c: number, mp: number, k: number, np: number, p0: number, p1: number): void;
}

const { module, memory, ctl } = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; ctl: Int32Array };
const x = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
Atomics.store(ctl, 2, 1);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  if (seen < 0) break;
  const [pack, b, pa, pb, c, mp, k, np, n, rs, cs, p0, p1] = Array.from(ctl.subarray(3, 16)) as number[];
  if (pack) x.packB(b!, pb!, k!, n!, rs!, cs!, p0!, p1!);
  x.gemm(pa!, pb!, c!, mp!, k!, np!, p0!, p1!);
  Atomics.store(ctl, 1, seen);
  Atomics.notify(ctl, 1);
}
