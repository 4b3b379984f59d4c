/**
 * Benchmark: tfjs's stock (single-threaded) wasm backend against the threaded build started by
 * src/runtime/wasm-threads.ts, on a 512×512·512×2048 matMul and a 2-layer MLP forward+backward
 * (x[512,512] → relu(x·W1+b1), W1 512×2048 → ·W2+b2, W2 2048×512 → mean squared error).
 *
 *   node dist/scripts/bench-wasm-threads.js [--threads 2,4] [--reps 10] [--rounds 1]
 *
 * Each configuration runs in its own child process: two wasm modules cannot share one process
 * (tfjs's wasm kernels keep module-level handles to the backend that was set up last), and the
 * child must end on its own to show the pool's workers do not keep Node alive. With --rounds > 1
 * the configurations alternate, so load from other processes hits them alike. Prints the median
 * ms per operation, the speed-up over the stock backend, and the largest difference of every
 * result (product, loss, gradients) from the stock backend's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { registerThreadedWasm } from '../src/runtime/wasm-threads.js';

interface ChildReport {
  mode: string;
  threads: number;
  matmulMs: number[];
  mlpMs: number[];
  /** Process CPU time (all threads) over wall time while timing: ~1 on one thread, up to N on N. */
  matmulCpu: number;
  mlpCpu: number;
  startMs: number;
}

const SELF = fileURLToPath(import.meta.url);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Per-rep wall times in ms, and process CPU time over wall time across all reps. */
function time(fn: () => void, reps: number): { ms: number[]; cpu: number } {
  for (let i = 0; i < 2; i++) fn(); // warm-up: XNNPACK operator creation, allocator growth
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  const used = process.cpuUsage(cpu0);
  return { ms, cpu: (used.user + used.system) / 1000 / ms.reduce((a, b) => a + b, 0) };
}

/**
 * x·w whose gradient uses only plain 2-D products of explicit transposes: on wasm, tfjs's own
 * gradient (matMul with transposeA/transposeB) runs outside XNNPACK, single-threaded and ~10-30×
 * slower (ARCHITECTURE.md), which would hide what threads do for a training step.
 */
const plainMatMul = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, ws.transpose() as tf.Tensor2D),
      tf.matMul(xs.transpose() as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

/** Child: runs the workloads on one backend, writes timings (JSON) and results (float32) to `out`. */
async function child(mode: string, reps: number, out: string): Promise<void> {
  const t0 = performance.now();
  let threads = 1;
  if (mode !== 'stock') {
    const r = await registerThreadedWasm(Number(mode));
    if (!r.ok) throw new Error(`threaded wasm unavailable: ${r.reason}`);
    threads = r.threads;
  } else {
    await import('@tensorflow/tfjs-backend-wasm');
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to start');
  const startMs = performance.now() - t0;

  // Seeded inputs are generated in JavaScript, so every backend sees the same numbers.
  const a = tf.randomNormal([512, 512], 0, 1, 'float32', 1);
  const b = tf.randomNormal([512, 2048], 0, 1, 'float32', 2);
  const w1 = tf.variable(tf.randomNormal([512, 2048], 0, 0.05, 'float32', 3));
  const b1 = tf.variable(tf.randomNormal([2048], 0, 0.05, 'float32', 4));
  const w2 = tf.variable(tf.randomNormal([2048, 512], 0, 0.05, 'float32', 5));
  const b2 = tf.variable(tf.randomNormal([512], 0, 0.05, 'float32', 6));
  const y = tf.randomNormal([512, 512], 0, 1, 'float32', 7);
  const loss = () => tf.losses.meanSquaredError(y, plainMatMul(tf.relu(plainMatMul(a, w1).add(b1)), w2).add(b2)) as tf.Scalar;

  const matmul = time(() => tf.matMul(a, b).dispose(), reps);
  const mlp = time(() => {
    const { value, grads } = tf.variableGrads(loss);
    value.dispose();
    tf.dispose(grads);
  }, reps);

  const product = tf.matMul(a, b);
  const { value, grads } = tf.variableGrads(loss);
  const parts = [product, value, ...[w1, b1, w2, b2].map((v) => grads[v.name])];
  const results = parts.map((t) => t.dataSync() as Float32Array);
  const flat = new Float32Array(results.reduce((n, r) => n + r.length, 0));
  results.reduce((at, r) => (flat.set(r, at), at + r.length), 0);
  writeFileSync(`${out}.f32`, flat);
  tf.dispose([parts, a, b, w1, b1, w2, b2, y]);
  const report: ChildReport = { mode, threads, matmulMs: matmul.ms, mlpMs: mlp.ms, matmulCpu: matmul.cpu, mlpCpu: mlp.cpu, startMs };
  writeFileSync(`${out}.json`, JSON.stringify(report));
  // No process.exit: the parent checks that this process ends by itself.
}

/** Runs one child; returns its report and results, or throws with its stderr. */
function runChild(mode: string, reps: number, dir: string): { report: ChildReport; results: Float32Array; exitMs: number } {
  const out = join(dir, `${mode}-${Date.now()}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [SELF, '--child', mode, '--reps', String(reps), '--out', out], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  const wallMs = performance.now() - t0;
  if (r.error || r.status !== 0) {
    const why = r.signal ? `killed by ${r.signal} (did not exit within the timeout?)` : `exit ${r.status}`;
    throw new Error(`child ${mode}: ${why}\n${r.stderr}`);
  }
  const report = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as ChildReport;
  const bytes = readFileSync(`${out}.f32`);
  const results = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return { report, results, exitMs: wallMs };
}

function maxDiff(x: Float32Array, ref: Float32Array): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(x[i] - ref[i]);
    abs = Math.max(abs, d);
    rel = Math.max(rel, d / Math.max(Math.abs(ref[i]), 1));
  }
  return { abs, rel };
}

async function parent(): Promise<void> {
  const reps = Number(arg('reps', '10'));
  const rounds = Number(arg('rounds', '1'));
  const modes = ['stock', ...arg('threads', '2').split(',').map((s) => s.trim())];
  const dir = mkdtempSync(join(tmpdir(), 'bench-wasm-threads-'));
  const runs = new Map<string, ReturnType<typeof runChild>[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes) {
        const run = runChild(mode, reps, dir);
        runs.set(mode, [...(runs.get(mode) ?? []), run]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ref = runs.get('stock')![0];
  const stockMatmul = median(runs.get('stock')!.flatMap((r) => r.report.matmulMs));
  const stockMlp = median(runs.get('stock')!.flatMap((r) => r.report.mlpMs));
  console.log(`wasm backend, ${reps} reps × ${rounds} round(s), median ms (speed-up over stock); max |diff| from stock`);
  console.log('mode        threads  start ms  matMul 512·512·2048 (cpu/wall)  MLP fwd+bwd (cpu/wall)   max abs diff  max rel diff  process exit');
  let worst = 0;
  for (const mode of modes) {
    const rs = runs.get(mode)!;
    const mm = median(rs.flatMap((r) => r.report.matmulMs));
    const mlp = median(rs.flatMap((r) => r.report.mlpMs));
    const d = rs.map((r) => maxDiff(r.results, ref.results)).reduce((p, q) => ({ abs: Math.max(p.abs, q.abs), rel: Math.max(p.rel, q.rel) }));
    worst = Math.max(worst, d.rel);
    const start = median(rs.map((r) => r.report.startMs));
    const mmCpu = median(rs.map((r) => r.report.matmulCpu));
    const mlpCpu = median(rs.map((r) => r.report.mlpCpu));
    console.log(
      `${mode.padEnd(12)}${String(rs[0].report.threads).padEnd(9)}${start.toFixed(0).padStart(8)}  ` +
        `${mm.toFixed(1).padStart(8)} (${(stockMatmul / mm).toFixed(2)}×) ${mmCpu.toFixed(2)}     ` +
        `${mlp.toFixed(1).padStart(8)} (${(stockMlp / mlp).toFixed(2)}×) ${mlpCpu.toFixed(2)}` +
        `   ${d.abs.toExponential(1).padStart(10)}  ${d.rel.toExponential(1).padStart(12)}  clean`,
    );
  }
  if (worst > 1e-5) {
    console.error(`results differ from the stock backend by up to ${worst.toExponential(2)} (relative), over 1e-5`);
    process.exitCode = 1;
  }
}

if (process.argv.includes('--child')) await child(arg('child', 'stock'), Number(arg('reps', '10')), arg('out', ''));
else await parent();
