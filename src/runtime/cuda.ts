/**
 * What `hyperloader doctor` says about CUDA: the GPUs and driver (nvidia-smi), whether the CUDA 11
 * and cuDNN 8 libraries that libtensorflow 2.9 (inside tfjs-node-gpu 4.22.0) opens at start-up
 * are where the dynamic loader finds them, and, for each gap, the fix. A GPU newer than the native
 * code in those libraries gets a note on PTX JIT compilation and its cache.
 *
 * All probing goes through a `Machine` (run a command, test a path, list a folder, read the
 * environment), so tests can simulate any machine; `systemMachine()` is this one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export type CommandResult = { ok: true; stdout: string } | { ok: false; missing: boolean; error: string };

export interface Machine {
  /** Runs a command (no shell): its stdout, or why it failed (missing: the program is not on PATH). */
  run(command: string, args: readonly string[]): CommandResult;
  exists(path: string): boolean;
  /** Entry names of a folder; [] when it does not exist. */
  list(dir: string): string[];
  env: Readonly<Record<string, string | undefined>>;
}

export function systemMachine(): Machine {
  return {
    run(command, args) {
      const r = spawnSync(command, args, { encoding: 'utf8', timeout: 5000 });
      if (r.error) {
        const code = (r.error as NodeJS.ErrnoException).code;
        return { ok: false, missing: code === 'ENOENT', error: code === 'ETIMEDOUT' ? `${command} timed out after 5 s` : r.error.message };
      }
      if (r.status !== 0) {
        const why = String(r.stderr || r.stdout || '').trim().split('\n')[0] ?? '';
        return { ok: false, missing: false, error: `${command} exited ${r.status}${why ? `: ${why}` : ''}` };
      }
      return { ok: true, stdout: String(r.stdout ?? '') };
    },
    exists: (p) => existsSync(p),
    list: (dir) => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    },
    env: process.env,
  };
}

/** What libtensorflow 2.9 was built against (tfjs-node-gpu 4.22.0 downloads it). */
export const CUDA_BUILD = { libtensorflow: '2.9', cuda: '11.2', cudnn: '8.1' } as const;

/** The docker image with every library below; docker/Dockerfile.gpu builds on it. */
export const CUDA_IMAGE = 'nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04';

/** NVIDIA's CUDA apt repository for Ubuntu 20.04 (the cuda-keyring package there sets it up). */
export const CUDA_APT_REPO = 'https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2004/x86_64/';

/**
 * The CUDA libraries libtensorflow 2.9 opens (dso_loader) when the GPU device starts, by the exact
 * soname it asks for. CUDA 11.x keeps cuFFT and cuRAND at soname 10 and cuSOLVER/cuSPARSE at 11.
 * `apt`: the package in NVIDIA's CUDA apt repository for Ubuntu 20.04 that ships it.
 */
export const CUDA_LIBRARIES = [
  { soname: 'libcudart.so.11.0', what: 'CUDA 11 runtime', apt: 'cuda-cudart-11-2' },
  { soname: 'libcublas.so.11', what: 'cuBLAS 11', apt: 'libcublas-11-2' },
  { soname: 'libcublasLt.so.11', what: 'cuBLASLt 11', apt: 'libcublas-11-2' },
  { soname: 'libcufft.so.10', what: 'cuFFT (CUDA 11)', apt: 'libcufft-11-2' },
  { soname: 'libcurand.so.10', what: 'cuRAND (CUDA 11)', apt: 'libcurand-11-2' },
  { soname: 'libcusolver.so.11', what: 'cuSOLVER 11', apt: 'libcusolver-11-2' },
  { soname: 'libcusparse.so.11', what: 'cuSPARSE 11', apt: 'libcusparse-11-2' },
  { soname: 'libcudnn.so.8', what: 'cuDNN 8', apt: 'libcudnn8=8.1.1.33-1+cuda11.2' },
] as const;

/**
 * Native GPU code (SASS) in TensorFlow 2.9's release builds, and the one PTX target: its build
 * setting TF_CUDA_COMPUTE_CAPABILITIES=sm_35,sm_50,sm_60,sm_70,sm_75,compute_80. A GPU of another
 * architecture runs TensorFlow's own kernels from that PTX, compiled by the driver at first use.
 */
export const TF_NATIVE_SASS = ['3.5', '5.0', '6.0', '7.0', '7.5'] as const;
export const TF_PTX = '8.0';
/** The newest architecture CUDA 11.2's cuBLAS/cuDNN 8.1 carry native code for (Ampere GA10x). */
export const CUDA_11_2_NEWEST_SASS = '8.6';
/** CUDA 11.2's minimum Linux driver (PTX it compiled cannot be JIT-compiled by an older one). */
export const MIN_DRIVER = '460.27.03';
/** A JIT cache large enough for TensorFlow's kernels (the driver's maximum, 4 GiB). */
export const JIT_CACHE_BYTES = 4294967296;

export interface GpuInfo {
  index: number;
  name: string;
  driver: string;
  /** "9.0"; null when the driver cannot report it (nvidia-smi before ~510 has no compute_cap field). */
  computeCapability: string | null;
  memory: string;
}

export interface CudaLibraryStatus {
  soname: string;
  what: string;
  /** Where it is, or null. */
  path: string | null;
  /** Whether the dynamic loader will find it there (LD_LIBRARY_PATH, the ldconfig cache, the system folders). */
  loadable: boolean;
  /** How to close the gap; null when there is none. */
  fix: string | null;
}

export type NativeCode = 'native' | 'ptx-jit' | 'unsupported' | 'unknown';

export interface GpuCode {
  index: number;
  name: string;
  computeCapability: string | null;
  code: NativeCode;
  note: string;
}

export interface CudaReport {
  /** nvidia-smi ran and listed at least one GPU. */
  gpu: boolean;
  /** What nvidia-smi said, in one line (or why it could not run). */
  detail: string;
  driver: string | null;
  gpus: GpuInfo[];
  libraries: CudaLibraryStatus[];
  /** Per GPU: whether libtensorflow has native code for it, or JIT-compiles from PTX. */
  code: GpuCode[];
  /** The JIT cache settings in the environment now. */
  jitCache: { CUDA_CACHE_MAXSIZE: string | null; CUDA_CACHE_PATH: string | null; CUDA_CACHE_DISABLE: string | null };
  /** Every gap with its fix, in the order to do them; empty when tfjs-node-gpu should run here. */
  fixes: string[];
  /** A GPU is visible, the driver is new enough and every library loads. */
  ready: boolean;
}

const QUERY = ['--query-gpu=name,driver_version,compute_cap,memory.total', '--format=csv,noheader'];
const QUERY_OLD = ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'];

/** Parses `nvidia-smi --query-gpu=name,driver_version[,compute_cap],memory.total --format=csv,noheader`. */
export function parseGpuQuery(stdout: string, withComputeCap: boolean): GpuInfo[] {
  const fields = withComputeCap ? 4 : 3;
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, index) => {
      const parts = line.split(',').map((p) => p.trim());
      // A name with a comma in it keeps its pieces together: the other fields are the last ones.
      const name = parts.slice(0, parts.length - (fields - 1)).join(', ');
      const rest = parts.slice(parts.length - (fields - 1));
      return {
        index,
        name,
        driver: rest[0] ?? '',
        computeCapability: withComputeCap && /^\d+\.\d+$/.test(rest[1] ?? '') ? rest[1]! : null,
        memory: rest[fields - 2] ?? '',
      };
    });
}

/** Compares dotted version strings numerically: <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether libtensorflow 2.9 has native code for a GPU of this compute capability: SASS built for
 * X.y runs on X.z with z ≥ y (same major); anything from 8.0 on runs TensorFlow's kernels from
 * the compute_80 PTX, JIT-compiled by the driver.
 */
export function nativeCodeFor(cc: string | null): NativeCode {
  if (cc === null) return 'unknown';
  const [major, minor] = cc.split('.').map(Number) as [number, number];
  if (compareVersions(cc, TF_NATIVE_SASS[0]) < 0) return 'unsupported';
  if (TF_NATIVE_SASS.some((s) => Number(s.split('.')[0]) === major && Number(s.split('.')[1]) <= minor)) return 'native';
  return compareVersions(cc, TF_PTX) >= 0 ? 'ptx-jit' : 'unsupported';
}

function gpuCode(g: GpuInfo): GpuCode {
  const code = nativeCodeFor(g.computeCapability);
  const cc = g.computeCapability;
  const sass = `SASS for ${TF_NATIVE_SASS.join(', ')}, PTX for ${TF_PTX}`;
  let note: string;
  switch (code) {
    case 'native':
      note = `compute capability ${cc}: libtensorflow ${CUDA_BUILD.libtensorflow} has native code for it (${sass})`;
      break;
    case 'unsupported':
      note = `compute capability ${cc} is older than libtensorflow ${CUDA_BUILD.libtensorflow} supports (${sass}); use --backend wasm or another GPU`;
      break;
    case 'unknown':
      note = `compute capability unknown (this nvidia-smi cannot report it; look the GPU up at https://developer.nvidia.com/cuda-gpus): libtensorflow ${CUDA_BUILD.libtensorflow} has native code up to ${TF_NATIVE_SASS.at(-1)}; newer GPUs JIT-compile from PTX on first use`;
      break;
    case 'ptx-jit': {
      const libsToo = compareVersions(cc!, CUDA_11_2_NEWEST_SASS) > 0 ? ` and CUDA ${CUDA_BUILD.cuda}'s cuBLAS/cuDNN (native up to ${CUDA_11_2_NEWEST_SASS})` : '';
      note =
        `compute capability ${cc} is newer than the native GPU code in libtensorflow ${CUDA_BUILD.libtensorflow} (${sass})${libsToo}: ` +
        'the driver JIT-compiles its kernels from PTX on first use, so the first steps are slow (minutes) and later runs reuse the compiled kernels ' +
        `only if the cache keeps them: export CUDA_CACHE_MAXSIZE=${JIT_CACHE_BYTES} (the default cache is too small) and CUDA_CACHE_PATH=<a persistent folder> ` +
        '(default ~/.nv/ComputeCache; in a container, mount it from the host)';
      break;
    }
  }
  return { index: g.index, name: g.name, computeCapability: cc, code, note };
}

/** Folders the loader searches for a library opened by soname, from LD_LIBRARY_PATH. */
function ldLibraryPath(env: Machine['env']): string[] {
  return (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
}

/** soname → path from `ldconfig -p` output (the loader's cache), x86-64 entries only. */
export function parseLdconfig(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    // "\tlibcudnn.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.8"
    const m = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)\s*$/.exec(line);
    if (!m) continue;
    // 64-bit x86 entries only ("(libc6)" alone is a 32-bit library): tfjs-node-gpu is Linux x86-64.
    if (m[2]!.includes('x86-64') && !out.has(m[1]!)) out.set(m[1]!, m[3]!);
  }
  return out;
}

/** The CUDA toolkit folders under /usr/local (cuda, cuda-11.2, …), and a conda environment's lib. */
function toolkitDirs(m: Machine): string[] {
  const dirs: string[] = [];
  for (const name of m.list('/usr/local').filter((n) => /^cuda(-[\d.]+)?$/.test(n)).sort()) {
    dirs.push(join('/usr/local', name, 'lib64'), join('/usr/local', name, 'targets', 'x86_64-linux', 'lib'));
  }
  if (m.env.CONDA_PREFIX) dirs.push(join(m.env.CONDA_PREFIX, 'lib'));
  return dirs;
}

const SYSTEM_DIRS = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib'];

function findLibraries(m: Machine): CudaLibraryStatus[] {
  const ld = m.run('ldconfig', ['-p']);
  const ldAlt = ld.ok ? ld : m.run('/sbin/ldconfig', ['-p']);
  const cache = ldAlt.ok ? parseLdconfig(ldAlt.stdout) : new Map<string, string>();
  const loaderDirs = [...ldLibraryPath(m.env), ...SYSTEM_DIRS];
  const otherDirs = toolkitDirs(m);
  return CUDA_LIBRARIES.map((lib) => {
    const onPath = loaderDirs.map((d) => join(d, lib.soname)).find((p) => m.exists(p));
    const path = onPath ?? cache.get(lib.soname);
    if (path) return { soname: lib.soname, what: lib.what, path, loadable: true, fix: null };
    const elsewhere = otherDirs.map((d) => join(d, lib.soname)).find((p) => m.exists(p));
    if (elsewhere) {
      const dir = elsewhere.slice(0, -lib.soname.length - 1);
      return {
        soname: lib.soname,
        what: lib.what,
        path: elsewhere,
        loadable: false,
        fix: `found in ${dir}, which the loader does not search: export LD_LIBRARY_PATH=${dir}:$LD_LIBRARY_PATH (or add ${dir} to /etc/ld.so.conf.d/cuda.conf and run sudo ldconfig)`,
      };
    }
    return { soname: lib.soname, what: lib.what, path: null, loadable: false, fix: installFix(lib.soname, lib.apt) };
  });
}

function installFix(soname: string, apt: string): string {
  const conda = soname.startsWith('libcudnn') ? `cudnn=${CUDA_BUILD.cudnn}` : `cudatoolkit=${CUDA_BUILD.cuda}`;
  return `not found: sudo apt-get install ${apt} (NVIDIA's CUDA apt repository), or conda install -c conda-forge ${conda} and LD_LIBRARY_PATH=$CONDA_PREFIX/lib`;
}

function queryGpus(m: Machine): { gpus: GpuInfo[]; detail: string; fix: string | null } {
  let r = m.run('nvidia-smi', QUERY);
  let withCap = true;
  if (!r.ok && !r.missing && /compute_cap/i.test(r.error)) {
    // Drivers before ~510 reject the compute_cap field: ask again without it.
    r = m.run('nvidia-smi', QUERY_OLD);
    withCap = false;
  }
  if (!r.ok) {
    if (r.missing) {
      return {
        gpus: [],
        detail: 'nvidia-smi not found (no NVIDIA driver on PATH)',
        fix: 'no NVIDIA GPU visible: on a GPU machine install the NVIDIA driver (nvidia-smi must list the GPU); in a container, start it with docker run --gpus all (NVIDIA Container Toolkit) or apptainer run --nv',
      };
    }
    return {
      gpus: [],
      detail: r.error,
      fix: 'nvidia-smi fails: the NVIDIA driver is not loaded or does not match the kernel module (reinstall the driver or reboot); in a container, pass --gpus all / --nv',
    };
  }
  const gpus = parseGpuQuery(r.stdout, withCap);
  if (gpus.length === 0) return { gpus, detail: 'nvidia-smi lists no GPU', fix: 'nvidia-smi lists no GPU: check that the GPU is visible to this machine or container (--gpus all / --nv, CUDA_VISIBLE_DEVICES)' };
  const detail = gpus.map((g) => `GPU ${g.index}: ${g.name}, compute ${g.computeCapability ?? 'unknown'}, ${g.memory}, driver ${g.driver}`).join('; ');
  return { gpus, detail, fix: null };
}

/** Probes `m` for everything tfjs-node-gpu needs; see CudaReport. */
export function cudaReport(m: Machine = systemMachine()): CudaReport {
  const { gpus, detail, fix: gpuFix } = queryGpus(m);
  const driver = gpus[0]?.driver || null;
  const libraries = findLibraries(m);
  const code = gpus.map(gpuCode);
  const fixes: string[] = [];
  if (gpuFix) fixes.push(gpuFix);
  if (driver && /^\d+(\.\d+)*$/.test(driver) && compareVersions(driver, MIN_DRIVER) < 0) {
    fixes.push(`driver ${driver} is older than CUDA ${CUDA_BUILD.cuda} needs (${MIN_DRIVER}): install a newer NVIDIA driver (any newer one works)`);
  }
  // Without a GPU the libraries are moot (each still carries its fix); with one, each gap is a fix.
  if (gpus.length > 0) for (const l of libraries) if (l.fix) fixes.push(`${l.soname} (${l.what}): ${l.fix}`);
  for (const c of code) if (c.code === 'unsupported') fixes.push(`GPU ${c.index} (${c.name}): ${c.note}`);
  if (gpus.length > 0 && libraries.some((l) => l.path === null)) {
    fixes.push(
      `the apt packages come from ${CUDA_APT_REPO} (install cuda-keyring from there first); ` +
        `or skip all of it: docker build -f docker/Dockerfile.gpu -t hyperloader-gpu . (${CUDA_IMAGE} has every library), see docker/README.md`,
    );
  }
  return {
    gpu: gpus.length > 0,
    detail,
    driver,
    gpus,
    libraries,
    code,
    jitCache: {
      CUDA_CACHE_MAXSIZE: m.env.CUDA_CACHE_MAXSIZE ?? null,
      CUDA_CACHE_PATH: m.env.CUDA_CACHE_PATH ?? null,
      CUDA_CACHE_DISABLE: m.env.CUDA_CACHE_DISABLE ?? null,
    },
    fixes,
    ready: fixes.length === 0,
  };
}

/** The doctor's CUDA lines (indented under a heading). */
export function renderCuda(r: CudaReport): string[] {
  const lines = [`CUDA         for tfjs-node-gpu: libtensorflow ${CUDA_BUILD.libtensorflow}, CUDA ${CUDA_BUILD.cuda}, cuDNN ${CUDA_BUILD.cudnn}; ${r.ready ? 'ready' : 'not ready'}`];
  if (!r.gpu) lines.push(`  GPUs       none: ${r.detail}`);
  for (const g of r.gpus) {
    const c = r.code[g.index]!;
    lines.push(`  GPU ${g.index}      ${g.name}, compute capability ${g.computeCapability ?? 'unknown'}, ${g.memory}, driver ${g.driver}`);
    lines.push(`             ${c.code}: ${c.note}`);
  }
  if (r.code.some((c) => c.code === 'ptx-jit')) {
    const j = r.jitCache;
    const size = j.CUDA_CACHE_MAXSIZE ? `CUDA_CACHE_MAXSIZE=${j.CUDA_CACHE_MAXSIZE}` : 'CUDA_CACHE_MAXSIZE unset (driver default)';
    const path = j.CUDA_CACHE_PATH ? `CUDA_CACHE_PATH=${j.CUDA_CACHE_PATH}` : 'CUDA_CACHE_PATH unset (~/.nv/ComputeCache)';
    lines.push(`  JIT cache  ${size}, ${path}${j.CUDA_CACHE_DISABLE === '1' ? ', CUDA_CACHE_DISABLE=1: every run compiles again' : ''}`);
  }
  lines.push(`  libraries${r.gpu ? '' : ' (they matter once a GPU is visible)'}`);
  for (const l of r.libraries) {
    const where = l.path === null ? 'not found' : l.loadable ? l.path : `${l.path} (not on the loader's path)`;
    lines.push(`    ${l.soname.padEnd(19)} ${l.loadable ? 'yes' : 'no '}  ${where}`);
  }
  if (r.fixes.length > 0) {
    lines.push('  to fix');
    for (const f of r.fixes) lines.push(`    - ${f}`);
  }
  return lines;
}
