import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { binPath } from '../helpers/paths.js';

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [binPath, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

test('hyperloader doctor: wasm available, tfjs-node-gpu absent with the reason, SIMD, GPU, cache; exit 0', () => {
  const r = cli(['doctor'], { HYPERLOADER_HOME: '/srv/hl-cache' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^node +v\d+/m);
  assert.match(r.stdout, /^tfjs +4\.22\.0$/m);
  assert.match(r.stdout, /^ {2}tfjs-node-gpu +no +not installed \(npm install @tensorflow\/tfjs-node-gpu@4\.22\.0; needs .*CUDA 11\.2 \+ cuDNN 8\.1\)$/m);
  assert.match(r.stdout, /^ {2}wasm +yes +wasm files from .*tfjs-backend-wasm\/dist\//m);
  assert.match(r.stdout, /^ {2}cpu +yes /m);
  assert.match(r.stdout, /^auto picks +(wasm|tensorflow)$/m);
  assert.match(r.stdout, /^wasm SIMD +yes/m);
  assert.match(r.stdout, /^GPU +(no|yes): /m);
  assert.match(r.stdout, /^cache +\/srv\/hl-cache\/datasets /m);
});

test('hyperloader doctor --json is machine-readable', () => {
  const r = cli(['doctor', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.tfjs, '4.22.0');
  assert.equal(j.backends.find((b: { backend: string }) => b.backend === 'wasm').available, true);
  assert.equal(typeof j.wasmSimd, 'boolean');
});

const noNvidiaSmi = (spawnSync('nvidia-smi', ['-L']).error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

test('hyperloader doctor --json on this machine (no GPU): the cuda fields say no GPU, list the 8 libraries, and give the one fix', { skip: noNvidiaSmi ? false : 'nvidia-smi is on PATH here; this test is for the machine without a GPU' }, () => {
  const r = cli(['doctor', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const { cuda } = JSON.parse(r.stdout);
  assert.equal(cuda.gpu, false);
  assert.equal(cuda.detail, 'nvidia-smi not found (no NVIDIA driver on PATH)');
  assert.equal(cuda.driver, null);
  assert.deepEqual(cuda.gpus, []);
  assert.equal(cuda.ready, false);
  assert.deepEqual(
    cuda.libraries.map((l: { soname: string }) => l.soname),
    ['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8'],
  );
  assert.equal(cuda.fixes.length, 1);
  assert.match(cuda.fixes[0], /install the NVIDIA driver/);
  const text = cli(['doctor']);
  assert.match(text.stdout, /^CUDA +for tfjs-node-gpu: libtensorflow 2\.9, CUDA 11\.2, cuDNN 8\.1; not ready$/m);
  assert.match(text.stdout, /^ {2}GPUs +none: nvidia-smi not found/m);
});
