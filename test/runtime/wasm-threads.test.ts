/**
 * The threaded wasm backend (src/runtime/wasm-threads.ts). Each case runs in a child process — this
 * same file, started with HYPERLOADER_WASM_THREADS_CHILD=<case> — because the point is what a whole
 * process does: that it ends by itself once the pool's workers exist, and that a failed start
 * leaves tfjs's stock single-threaded wasm backend working. The reference for the numbers is that
 * stock backend (a separate build of tfjs's kernels), run in the same child before the switch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { values } from '../helpers/values.js';

const CHILD_ENV = 'HYPERLOADER_WASM_THREADS_CHILD';
const SELF = fileURLToPath(import.meta.url);

/** A matMul large enough for XNNPACK to split across threads, and an MLP loss with its gradients. */
function workload(): Float32Array[] {
  return tf.tidy(() => {
    const a = tf.tensor2d(values(128 * 256, 1), [128, 256]);
    const b = tf.tensor2d(values(256 * 512, 2), [256, 512]);
    const w1 = tf.variable(tf.tensor2d(values(256 * 512, 3), [256, 512]).mul(0.1));
    const w2 = tf.variable(tf.tensor2d(values(512 * 64, 4), [512, 64]).mul(0.1));
    const y = tf.tensor2d(values(128 * 64, 5), [128, 64]);
    const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(y, tf.relu(a.matMul(w1)).matMul(w2)) as tf.Scalar);
    const out = [tf.matMul(a, b), value, grads[w1.name], grads[w2.name]].map((t) => t.dataSync().slice() as Float32Array);
    w1.dispose();
    w2.dispose();
    return out;
  });
}

function maxRelDiff(x: Float32Array[], ref: Float32Array[]): number {
  let worst = 0;
  ref.forEach((r, k) => r.forEach((v, i) => (worst = Math.max(worst, Math.abs(x[k][i] - v) / Math.max(Math.abs(v), 1)))));
  return worst;
}

/** Child cases: each prints one JSON line and returns without process.exit. */
async function child(kind: string): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { registerThreadedWasm, unregisterThreadedWasm } = await import('../../src/runtime/wasm-threads.js');
  const report: Record<string, unknown> = {};
  if (kind === 'threads') {
    assert.ok(await tf.setBackend('wasm'));
    const stock = workload();
    report.stockThreads = wasm.getThreadsCount();
    const handlers = () => [...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')];
    const before = new Set(handlers());
    const r = await registerThreadedWasm(2);
    report.result = r;
    report.listenersAdded = handlers().filter((l) => !before.has(l)).length;
    if (r.ok) {
      assert.ok(await tf.setBackend('wasm'));
      report.threads = wasm.getThreadsCount();
      const tensors = tf.memory().numTensors;
      const threaded = workload();
      report.tensorsLeaked = tf.memory().numTensors - tensors;
      report.maxRelDiff = maxRelDiff(threaded, stock);
      unregisterThreadedWasm();
      assert.ok(await tf.setBackend('wasm'));
      report.threadsAfterUnregister = wasm.getThreadsCount();
      report.maxRelDiffAfterUnregister = maxRelDiff(workload(), stock);
      // Threaded again, and left running: the process must still end by itself.
      report.again = await registerThreadedWasm(2);
      assert.ok(await tf.setBackend('wasm'));
      report.maxRelDiffAgain = maxRelDiff(workload(), stock);
    } else {
      // The fallback: 'wasm' is still the stock backend.
      assert.ok(await tf.setBackend('wasm'));
      report.threads = wasm.getThreadsCount();
      report.maxRelDiff = maxRelDiff(workload(), stock);
    }
  } else if (kind === 'broken-worker') {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-threads-'));
    try {
      const broken = join(dir, 'broken-worker.mjs');
      writeFileSync(broken, 'throw new Error("worker script broke on purpose");\n');
      report.missing = await registerThreadedWasm(2, { workerScript: join(dir, 'absent.mjs') });
      report.broken = await registerThreadedWasm(2, { workerScript: broken });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(await tf.setBackend('wasm'));
    report.threads = wasm.getThreadsCount();
    report.sum = tf.tidy(() => tf.matMul(tf.ones([4, 3]), tf.ones([3, 2])).sum().dataSync()[0]);
  } else if (kind === 'busy') {
    assert.ok(await tf.setBackend('wasm'));
    const kept = tf.ones([2, 2]);
    report.result = await registerThreadedWasm(2);
    report.keptSum = kept.sum().dataSync()[0];
    report.threads = wasm.getThreadsCount();
  }
  console.log(JSON.stringify(report));
}

/** Runs a child case; it must end by itself (no timeout kill) with status 0. */
function runChild(kind: string): Record<string, any> {
  const r = spawnSync(process.execPath, [SELF], { env: { ...process.env, [CHILD_ENV]: kind }, encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.signal, null, `child "${kind}" did not exit by itself within 90 s (killed by ${r.signal}); stderr:\n${r.stderr}`);
  assert.equal(r.status, 0, `child "${kind}" failed:\n${r.stderr}`);
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last);
}

if (process.env[CHILD_ENV]) {
  await child(process.env[CHILD_ENV]!);
} else {
  test('2 threads: same numbers as the stock backend, flat memory, process exits by itself', () => {
    const r = runChild('threads');
    assert.equal(r.stockThreads, 1);
    assert.equal(r.listenersAdded, 0, 'registerThreadedWasm must not leave process-wide error handlers behind');
    if (!r.result.ok) {
      // Threads unavailable in this runtime: the stock backend must still be in place and correct.
      assert.match(r.result.reason, /\S/);
      assert.equal(r.threads, 1);
      assert.equal(r.maxRelDiff, 0);
      return;
    }
    assert.equal(r.result.threads, 2);
    assert.equal(r.threads, 2, 'XNNPACK pool size reported by the backend');
    assert.equal(r.tensorsLeaked, 0);
    assert.ok(r.maxRelDiff <= 1e-5, `threaded results differ from stock by ${r.maxRelDiff} (relative)`);
    assert.equal(r.threadsAfterUnregister, 1, 'unregisterThreadedWasm puts the stock backend back');
    assert.equal(r.maxRelDiffAfterUnregister, 0);
    assert.equal(r.again.ok, true);
    assert.ok(r.maxRelDiffAgain <= 1e-5);
  });

  test('a missing or broken worker script is a clean fallback to the stock backend', () => {
    const r = runChild('broken-worker');
    assert.equal(r.missing.ok, false);
    assert.match(r.missing.reason, /missing .*absent\.mjs/);
    assert.equal(r.broken.ok, false);
    assert.match(r.broken.reason, /worker script broke on purpose/);
    assert.equal(r.threads, 1);
    assert.equal(r.sum, 4 * 2 * 3);
  });

  test('refuses to replace a wasm backend that holds tensors', () => {
    const r = runChild('busy');
    assert.equal(r.result.ok, false);
    assert.match(r.result.reason, /already holds 1 tensors; call registerThreadedWasm before/);
    assert.equal(r.keptSum, 4);
    assert.equal(r.threads, 1);
  });

  test('fewer than 2 threads: nothing to do', async () => {
    const { registerThreadedWasm } = await import('../../src/runtime/wasm-threads.js');
    for (const n of [1, 0, 1.5]) {
      const r = await registerThreadedWasm(n);
      assert.deepEqual({ ok: r.ok, threads: r.threads }, { ok: false, threads: 1 });
      assert.match(r.reason, /only used for 2 or more threads/);
    }
  });
}
