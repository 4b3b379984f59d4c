import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendLoader, type LoaderId } from '../../src/runtime/backend.js';
import { HyperloaderError } from '../../src/errors.js';

/** Loaders that fail with the given reasons (or succeed as `name`), recording the order they were tried. */
function simulated(outcomes: Partial<Record<LoaderId, string | { name: string }>>, calls: LoaderId[]) {
  const loaders: Partial<Record<LoaderId, BackendLoader>> = {};
  for (const id of ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as LoaderId[]) {
    loaders[id] = async () => {
      calls.push(id);
      const o = outcomes[id];
      if (o === undefined || typeof o === 'string') throw new Error(o ?? `${id} unavailable`);
      return { name: o.name, note: `${id} simulated` };
    };
  }
  return loaders;
}

function recordingLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, logger: { info: at('info'), warn: at('warn'), debug: at('debug') } };
}

test('auto falls through tfjs-node-gpu → tfjs-node → wasm → cpu in order and reports why each was skipped', async () => {
  const calls: LoaderId[] = [];
  const { lines, logger } = recordingLogger();
  const r = await initBackend('auto', {
    logger,
    loaders: simulated({ 'tfjs-node-gpu': 'libcudart.so.11.0: cannot open shared object file', 'tfjs-node': 'not installed', wasm: 'wasm init failed', cpu: { name: 'cpu' } }, calls),
  });
  assert.deepEqual(calls, ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
  assert.equal(r.name, 'cpu');
  assert.equal(r.loader, 'cpu');
  assert.deepEqual(r.tried, [
    { backend: 'tfjs-node-gpu', ok: false, reason: 'libcudart.so.11.0: cannot open shared object file' },
    { backend: 'tfjs-node', ok: false, reason: 'not installed' },
    { backend: 'wasm', ok: false, reason: 'wasm init failed' },
    { backend: 'cpu', ok: true, reason: 'cpu simulated' },
  ]);
  const info = lines.find((l) => l.level === 'info');
  assert.ok(info?.msg?.startsWith('backend cpu'), info?.msg);
  for (const why of ['libcudart.so.11.0', 'tfjs-node: not installed', 'wasm: wasm init failed']) assert.ok(info?.msg?.includes(why), `${why} in ${info?.msg}`);
});

test('auto stops at the first backend that loads', async () => {
  const calls: LoaderId[] = [];
  const r = await initBackend('auto', { loaders: simulated({ 'tfjs-node-gpu': 'no GPU', 'tfjs-node': { name: 'tensorflow' } }, calls) });
  assert.deepEqual(calls, ['tfjs-node-gpu', 'tfjs-node']);
  assert.equal(r.name, 'tensorflow');
  assert.equal(r.loader, 'tfjs-node');
});

test('an explicit backend that cannot load is a HyperloaderError with every reason and the fix', async () => {
  const calls: LoaderId[] = [];
  await assert.rejects(
    initBackend('tensorflow', { loaders: simulated({ 'tfjs-node-gpu': 'not installed (gpu)', 'tfjs-node': 'not installed (cpu)', wasm: { name: 'wasm' } }, calls) }),
    (e: unknown) => {
      assert.ok(e instanceof HyperloaderError);
      const m = (e as Error).message;
      for (const s of ['backend "tensorflow" cannot load', 'tfjs-node-gpu: not installed (gpu)', 'tfjs-node: not installed (cpu)', 'CUDA 11.2 + cuDNN 8.1', 'npm install @tensorflow/tfjs-node-gpu@4.22.0', 'TFJS_NODE_BASE_URI']) {
        assert.ok(m.includes(s), `${s} in ${m}`);
      }
      return true;
    },
  );
  assert.deepEqual(calls, ['tfjs-node-gpu', 'tfjs-node'], 'an explicit choice never falls back to wasm');
  await assert.rejects(initBackend('wasm', { loaders: simulated({}, []) }), /backend "wasm" cannot load:\n {2}wasm: wasm unavailable\nFix: .*npm ci/);
});

test('the real loaders here: auto picks wasm (tfjs-node-gpu and tfjs-node absent), idempotently; cpu and back', async () => {
  const r = await initBackend('auto');
  assert.equal(r.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(r.tried[0].backend, 'tfjs-node-gpu');
  assert.equal(r.tried[0].ok, false);
  assert.match(r.tried[0].reason, /not installed .*npm install @tensorflow\/tfjs-node-gpu@4\.22\.0.*CUDA 11\.2/);
  assert.match(r.tried[1].reason, /not installed/);
  const t0 = performance.now();
  assert.equal(await initBackend('auto'), r, 'the second call returns the cached result');
  assert.ok(performance.now() - t0 < 50);
  assert.equal((await initBackend('cpu')).name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal((await initBackend('auto')).name, 'wasm');
  // The wasm backend computes: a plain 2-D matMul, hand-checked.
  const out = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]])).dataSync());
  assert.deepEqual(Array.from(out), [17, 39]);
});
