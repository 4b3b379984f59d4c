import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { spawnSync } from 'node:child_process';
import { backendReport, nvidiaSmi, wasmSimdSupported } from '../../src/runtime/report.js';

test('wasm SIMD probe: Node 20 (V8) validates SIMD modules', () => {
  assert.equal(wasmSimdSupported(), true);
});

const fakeSpawn = (r: object) => ((() => r) as unknown as typeof spawnSync);

test('nvidia-smi: absent, failing, listing a GPU', () => {
  const enoent = Object.assign(new Error('spawnSync nvidia-smi ENOENT'), { code: 'ENOENT' });
  assert.deepEqual(nvidiaSmi(fakeSpawn({ error: enoent })), { found: false, detail: 'nvidia-smi not found (no NVIDIA driver on PATH)' });
  const failed = nvidiaSmi(fakeSpawn({ status: 9, stdout: '', stderr: 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n' }));
  assert.equal(failed.found, false);
  assert.match(failed.detail, /exited 9: NVIDIA-SMI has failed/);
  const ok = nvidiaSmi(fakeSpawn({ status: 0, stdout: 'GPU 0: NVIDIA H200 (UUID: GPU-1234)\n', stderr: '' }));
  assert.deepEqual(ok, { found: true, detail: 'GPU 0: NVIDIA H200 (UUID: GPU-1234)' });
});

test('backendReport lists every backend with a reason; here wasm and cpu load, tfjs-node-gpu does not', async () => {
  const r = await backendReport();
  assert.equal(r.node, process.version);
  assert.equal(r.tfjs, '4.22.0');
  assert.deepEqual(r.backends.map((b) => b.backend), ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
  const by = Object.fromEntries(r.backends.map((b) => [b.backend, b]));
  assert.equal(by['tfjs-node-gpu'].available, false);
  assert.match(by['tfjs-node-gpu'].reason, /not installed/);
  assert.equal(by.wasm.available, true);
  assert.equal(by.cpu.available, true);
  assert.equal(typeof r.gpu.detail, 'string');
});
