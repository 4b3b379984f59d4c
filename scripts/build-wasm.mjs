#!/usr/bin/env node
// Compiles the AssemblyScript kernels (src/runtime/simd/*.ts) into dist/src/runtime/simd/:
//   kernels.wasm          128-bit SIMD (every wasm engine tfjs-backend-wasm's SIMD build runs on)
//   kernels-relaxed.wasm  the same with relaxed SIMD's fused multiply-add (V8 ≥ 11.4; Node 20
//                         behind a flag that src/runtime/wasm-kernels.ts sets)
// Both import a shared memory (env.memory, at most 2 GiB) so worker threads can run the same
// module on it. Run by `npm run build` (and so by npm ci's prepare and by npm test).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asc = join(dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')), 'bin', 'asc.js');
const outDir = join(root, 'dist', 'src', 'runtime', 'simd');
mkdirSync(outDir, { recursive: true });
const common = [
  'src/runtime/simd/gemm.ts', 'src/runtime/simd/xent.ts',
  '-O3', '--runtime', 'stub', '--noAssert',
  '--importMemory', '--sharedMemory', '--maximumMemory', '32768',
  '--enable', 'simd', '--enable', 'threads',
];
for (const [file, extra] of [['kernels.wasm', []], ['kernels-relaxed.wasm', ['--enable', 'relaxed-simd']]]) {
  const r = spawnSync(process.execPath, [asc, ...common, ...extra, '-o', join(outDir, file)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build-wasm: asc failed for ${file} (exit ${r.status})`);
    process.exit(1);
  }
}
