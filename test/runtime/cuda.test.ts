/**
 * The doctor's CUDA probe on simulated machines: no GPU, a GPU without cuDNN, a GPU with
 * everything, a GPU newer than libtensorflow 2.9's native code (H100, compute 9.0), libraries
 * the loader cannot see, and an old driver whose nvidia-smi has no compute_cap field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  compareVersions,
  cudaReport,
  nativeCodeFor,
  parseGpuQuery,
  parseLdconfig,
  renderCuda,
  systemMachine,
  type CommandResult,
  type Machine,
} from '../../src/runtime/cuda.js';

const SONAMES = ['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8'];
const CUDA_LIBS = SONAMES.filter((s) => !s.startsWith('libcudnn'));

interface Sim {
  /** nvidia-smi's stdout for the query with compute_cap; 'missing' = not on PATH; { error } = it fails. */
  smi?: string | 'missing' | { error: string };
  /** stdout for the query without compute_cap (old drivers), when `smi` is an error about compute_cap. */
  smiOld?: string;
  files?: string[];
  ldconfig?: string;
  env?: Record<string, string>;
}

function machine(sim: Sim): Machine & { calls: string[] } {
  const files = new Set(sim.files ?? []);
  const calls: string[] = [];
  return {
    calls,
    run(command, args): CommandResult {
      calls.push([command, ...args].join(' '));
      if (command === 'nvidia-smi') {
        const smi = sim.smi ?? 'missing';
        if (smi === 'missing') return { ok: false, missing: true, error: 'spawnSync nvidia-smi ENOENT' };
        if (args[0]!.includes('compute_cap')) return typeof smi === 'string' ? { ok: true, stdout: smi } : { ok: false, missing: false, error: smi.error };
        return sim.smiOld !== undefined ? { ok: true, stdout: sim.smiOld } : { ok: false, missing: false, error: 'unexpected query' };
      }
      if (command === 'ldconfig' && sim.ldconfig !== undefined) return { ok: true, stdout: sim.ldconfig };
      return { ok: false, missing: true, error: `spawnSync ${command} ENOENT` };
    },
    exists: (p) => files.has(p),
    list: (dir) => [...new Set([...files].filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1).split('/')[0]!))],
    env: sim.env ?? {},
  };
}

const inDir = (dir: string, names: readonly string[]) => names.map((n) => `${dir}/${n}`);

test('no GPU (nvidia-smi missing): says so, one fix (the driver / --gpus all), libraries listed with their own fixes', () => {
  const r = cudaReport(machine({}));
  assert.equal(r.gpu, false);
  assert.equal(r.detail, 'nvidia-smi not found (no NVIDIA driver on PATH)');
  assert.equal(r.driver, null);
  assert.deepEqual(r.gpus, []);
  assert.deepEqual(r.code, []);
  assert.equal(r.ready, false);
  assert.equal(r.fixes.length, 1);
  assert.match(r.fixes[0]!, /install the NVIDIA driver .*docker run --gpus all .*apptainer run --nv/);
  assert.deepEqual(r.libraries.map((l) => l.soname), SONAMES);
  for (const l of r.libraries) assert.deepEqual([l.path, l.loadable], [null, false], l.soname);
  const fixOf = (s: string) => r.libraries.find((l) => l.soname === s)!.fix!;
  assert.match(fixOf('libcudart.so.11.0'), /apt-get install cuda-cudart-11-2 .*cudatoolkit=11\.2/);
  assert.match(fixOf('libcublasLt.so.11'), /apt-get install libcublas-11-2 /);
  assert.match(fixOf('libcudnn.so.8'), /apt-get install libcudnn8=8\.1\.1\.33-1\+cuda11\.2 .*conda-forge cudnn=8\.1/);
  const text = renderCuda(r).join('\n');
  assert.match(text, /^CUDA .*libtensorflow 2\.9, CUDA 11\.2, cuDNN 8\.1; not ready$/m);
  assert.match(text, /^ {2}GPUs +none: nvidia-smi not found/m);
  assert.match(text, /^ {4}libcudnn\.so\.8 +no +not found$/m);
});

test('nvidia-smi fails (driver not loaded): no GPU, the error, and the fix', () => {
  const r = cudaReport(machine({ smi: { error: 'nvidia-smi exited 9: NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.' } }));
  assert.equal(r.gpu, false);
  assert.match(r.detail, /exited 9: NVIDIA-SMI has failed/);
  assert.match(r.fixes[0]!, /driver is not loaded/);
});

test('a GPU without cuDNN: CUDA libraries found on LD_LIBRARY_PATH, cuDNN missing with its apt/conda/docker fix', () => {
  const lib = '/usr/local/cuda-11.2/lib64';
  const r = cudaReport(
    machine({
      smi: 'Tesla V100-SXM2-16GB, 470.82.01, 7.0, 16160 MiB\n',
      files: inDir(lib, CUDA_LIBS),
      env: { LD_LIBRARY_PATH: `/opt/other:${lib}` },
    }),
  );
  assert.equal(r.gpu, true);
  assert.equal(r.driver, '470.82.01');
  assert.deepEqual(r.gpus, [{ index: 0, name: 'Tesla V100-SXM2-16GB', driver: '470.82.01', computeCapability: '7.0', memory: '16160 MiB' }]);
  assert.equal(r.code[0]!.code, 'native');
  for (const l of r.libraries.filter((x) => x.soname !== 'libcudnn.so.8')) assert.deepEqual([l.path, l.loadable, l.fix], [`${lib}/${l.soname}`, true, null]);
  const cudnn = r.libraries.find((l) => l.soname === 'libcudnn.so.8')!;
  assert.deepEqual([cudnn.path, cudnn.loadable], [null, false]);
  assert.equal(r.ready, false);
  assert.equal(r.fixes.length, 2);
  assert.match(r.fixes[0]!, /^libcudnn\.so\.8 \(cuDNN 8\): not found: sudo apt-get install libcudnn8=8\.1\.1\.33-1\+cuda11\.2/);
  assert.match(r.fixes[1]!, /developer\.download\.nvidia\.com\/compute\/cuda\/repos\/ubuntu2004.*docker build -f docker\/Dockerfile\.gpu.*nvidia\/cuda:11\.2\.2-cudnn8-runtime-ubuntu20\.04/);
  const text = renderCuda(r).join('\n');
  assert.match(text, /^ {2}GPU 0 +Tesla V100-SXM2-16GB, compute capability 7\.0, 16160 MiB, driver 470\.82\.01$/m);
  assert.match(text, /^ {4}libcudart\.so\.11\.0 +yes +\/usr\/local\/cuda-11\.2\/lib64\/libcudart\.so\.11\.0$/m);
  assert.match(text, /^ {2}to fix\n {4}- libcudnn\.so\.8/m);
});

/** Everything installed the way the nvidia/cuda image does: in the ldconfig cache, cuDNN in the system folder. */
const everything = (extra: Partial<Sim> = {}): Sim => ({
  ldconfig: [
    '1234 libs found in cache `/etc/ld.so.cache\'',
    ...CUDA_LIBS.map((s) => `\t${s} (libc6,x86-64) => /usr/local/cuda/targets/x86_64-linux/lib/${s}`),
    '\tlibcudnn.so.8 (libc6) => /usr/lib/i386-linux-gnu/libcudnn.so.8',
    '\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6',
  ].join('\n'),
  files: ['/usr/lib/x86_64-linux-gnu/libcudnn.so.8'],
  ...extra,
});

test('a GPU with everything (two RTX 2080 Ti): ready, no fixes, native code, each library and where', () => {
  const r = cudaReport(machine(everything({ smi: 'NVIDIA GeForce RTX 2080 Ti, 525.60.13, 7.5, 11264 MiB\nNVIDIA GeForce RTX 2080 Ti, 525.60.13, 7.5, 11264 MiB\n' })));
  assert.equal(r.ready, true);
  assert.deepEqual(r.fixes, []);
  assert.equal(r.gpus.length, 2);
  assert.deepEqual(r.code.map((c) => [c.index, c.code]), [[0, 'native'], [1, 'native']]);
  assert.equal(r.libraries.find((l) => l.soname === 'libcublas.so.11')!.path, '/usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.11');
  // The 32-bit cuDNN in the cache is not the one the x86-64 loader opens: the system folder's is.
  assert.equal(r.libraries.find((l) => l.soname === 'libcudnn.so.8')!.path, '/usr/lib/x86_64-linux-gnu/libcudnn.so.8');
  assert.ok(r.libraries.every((l) => l.loadable));
  const text = renderCuda(r).join('\n');
  assert.match(text, /; ready$/m);
  assert.doesNotMatch(text, /to fix|JIT cache/);
  assert.match(text, /^ +native: compute capability 7\.5: libtensorflow 2\.9 has native code/m);
});

test('a GPU newer than the native code (H100, compute 9.0): PTX JIT on first use, slow first step, keep the cache', () => {
  const smi = 'NVIDIA H100 80GB HBM3, 535.104.05, 9.0, 81559 MiB\n';
  const r = cudaReport(machine(everything({ smi })));
  assert.equal(r.ready, true, 'JIT is slow at first, not a gap');
  assert.equal(r.code[0]!.code, 'ptx-jit');
  const note = r.code[0]!.note;
  assert.match(note, /^compute capability 9\.0 is newer than the native GPU code in libtensorflow 2\.9 \(SASS for 3\.5, 5\.0, 6\.0, 7\.0, 7\.5, PTX for 8\.0\)/);
  assert.match(note, /CUDA 11\.2's cuBLAS\/cuDNN \(native up to 8\.6\)/);
  assert.match(note, /JIT-compiles its kernels from PTX on first use, so the first steps are slow/);
  assert.match(note, /export CUDA_CACHE_MAXSIZE=4294967296 .*CUDA_CACHE_PATH=/);
  assert.match(renderCuda(r).join('\n'), /^ {2}JIT cache +CUDA_CACHE_MAXSIZE unset \(driver default\), CUDA_CACHE_PATH unset \(~\/\.nv\/ComputeCache\)$/m);
  // With the cache configured, the doctor shows the settings in force.
  const set = cudaReport(machine(everything({ smi, env: { CUDA_CACHE_MAXSIZE: '4294967296', CUDA_CACHE_PATH: '/cache/nv', CUDA_CACHE_DISABLE: '1' } })));
  assert.deepEqual(set.jitCache, { CUDA_CACHE_MAXSIZE: '4294967296', CUDA_CACHE_PATH: '/cache/nv', CUDA_CACHE_DISABLE: '1' });
  assert.match(renderCuda(set).join('\n'), /JIT cache +CUDA_CACHE_MAXSIZE=4294967296, CUDA_CACHE_PATH=\/cache\/nv, CUDA_CACHE_DISABLE=1: every run compiles again/);
  // An A100 (8.0) JIT-compiles TensorFlow's kernels too (PTX 8.0, no SASS), but CUDA 11.2's libraries have its code.
  const a100 = cudaReport(machine(everything({ smi: 'NVIDIA A100-SXM4-40GB, 470.57.02, 8.0, 40960 MiB\n' })));
  assert.equal(a100.code[0]!.code, 'ptx-jit');
  assert.doesNotMatch(a100.code[0]!.note, /cuBLAS/);
});

test('libraries in /usr/local/cuda-11.2 that the loader does not search: found, not loadable, the LD_LIBRARY_PATH fix', () => {
  const lib = '/usr/local/cuda-11.2/lib64';
  const r = cudaReport(machine({ smi: 'Tesla T4, 460.32.03, 7.5, 15109 MiB\n', files: [...inDir(lib, SONAMES), '/usr/local/bin/x'] }));
  for (const l of r.libraries) {
    assert.equal(l.path, `${lib}/${l.soname}`);
    assert.equal(l.loadable, false);
    assert.match(l.fix!, /^found in \/usr\/local\/cuda-11\.2\/lib64, which the loader does not search: export LD_LIBRARY_PATH=\/usr\/local\/cuda-11\.2\/lib64:\$LD_LIBRARY_PATH/);
  }
  assert.equal(r.fixes.length, 8, 'one per library, and no install/docker line: nothing is missing');
  assert.match(renderCuda(r).join('\n'), /libcudnn\.so\.8 +no +\/usr\/local\/cuda-11\.2\/lib64\/libcudnn\.so\.8 \(not on the loader's path\)/);
  // A conda environment's lib folder is found the same way.
  const conda = cudaReport(machine({ smi: 'Tesla T4, 460.32.03, 7.5, 15109 MiB\n', files: inDir('/opt/conda/envs/hl/lib', SONAMES), env: { CONDA_PREFIX: '/opt/conda/envs/hl' } }));
  assert.match(conda.libraries[0]!.fix!, /export LD_LIBRARY_PATH=\/opt\/conda\/envs\/hl\/lib:/);
});

test('an old driver whose nvidia-smi has no compute_cap field: asked again without it; driver too old for CUDA 11.2', () => {
  const m = machine(everything({ smi: { error: 'nvidia-smi exited 2: Field "compute_cap" is not a valid field to query.' }, smiOld: 'Tesla P100-PCIE-16GB, 450.51.06, 16280 MiB\n' }));
  const r = cudaReport(m);
  assert.deepEqual(m.calls.filter((c) => c.startsWith('nvidia-smi')), [
    'nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv,noheader',
    'nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader',
  ]);
  assert.deepEqual(r.gpus, [{ index: 0, name: 'Tesla P100-PCIE-16GB', driver: '450.51.06', computeCapability: null, memory: '16280 MiB' }]);
  assert.equal(r.code[0]!.code, 'unknown');
  assert.deepEqual(r.fixes, ['driver 450.51.06 is older than CUDA 11.2 needs (460.27.03): install a newer NVIDIA driver (any newer one works)']);
});

test('nativeCodeFor: SASS X.y runs on X.z (z ≥ y); from 8.0 on, PTX JIT; before 3.5, unsupported', () => {
  const table: [string | null, string][] = [
    ['3.0', 'unsupported'], ['3.5', 'native'], ['3.7', 'native'], ['5.0', 'native'], ['5.2', 'native'], ['6.1', 'native'],
    ['7.0', 'native'], ['7.2', 'native'], ['7.5', 'native'], ['8.0', 'ptx-jit'], ['8.6', 'ptx-jit'], ['8.9', 'ptx-jit'],
    ['9.0', 'ptx-jit'], ['12.0', 'ptx-jit'], [null, 'unknown'],
  ];
  for (const [cc, want] of table) assert.equal(nativeCodeFor(cc), want, String(cc));
});

test('parsers: GPU query lines (a comma in a name), ldconfig -p (x86-64 only), version order', () => {
  assert.deepEqual(parseGpuQuery('Quadro RTX 8000, Rev 2, 510.47.03, 7.5, 48601 MiB\n\n', true), [
    { index: 0, name: 'Quadro RTX 8000, Rev 2', driver: '510.47.03', computeCapability: '7.5', memory: '48601 MiB' },
  ]);
  assert.deepEqual(parseGpuQuery('Tesla K80, 470.1, [N/A], 11441 MiB', true)[0]!.computeCapability, null);
  const cache = parseLdconfig('2 libs found\n\tlibcudnn.so.8 (libc6) => /usr/lib/i386-linux-gnu/libcudnn.so.8\n\tlibcudnn.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.8\n');
  assert.deepEqual([...cache], [['libcudnn.so.8', '/usr/lib/x86_64-linux-gnu/libcudnn.so.8']]);
  assert.ok(compareVersions('470.82.01', '460.27.03') > 0);
  assert.ok(compareVersions('460.27.03', '460.27.03') === 0);
  assert.ok(compareVersions('455.9', '460.27.03') < 0);
  assert.ok(compareVersions('1000.1', '999.99') > 0);
});

test('this machine, probed for real, agrees with nvidia-smi being here or not', () => {
  const here = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
  const r = cudaReport(systemMachine());
  if ((here.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    assert.equal(r.gpu, false);
    assert.equal(r.detail, 'nvidia-smi not found (no NVIDIA driver on PATH)');
  } else assert.equal(r.gpu, here.status === 0 && /^GPU /m.test(here.stdout));
  assert.equal(r.libraries.length, 8);
});
