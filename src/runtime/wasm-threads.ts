/**
 * The multi-threaded wasm backend in Node: makes `tf.setBackend('wasm')` run XNNPACK on N threads.
 *
 * tfjs-backend-wasm ships a threaded SIMD build but never uses it in Node: its
 * WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired to false there, and its loader would start the
 * Emscripten pthread workers from blob: URLs, which Node's worker_threads cannot load. The build's
 * own Emscripten glue (wasm-out/tfjs-backend-wasm-threaded-simd.js) does support Node, though: it
 * uses worker_threads, unrefs idle workers and loads its main script from a file path. So instead
 * of tfjs's loader we call that glue ourselves, with
 *   - locateFile pointing the pthread worker at wasm-threads-worker.js (a file, not a blob), and
 *     mainScriptUrlOrBlob at the glue file, which each worker evaluates;
 *   - an instantiateWasm hook that reports 2·N logical cores to the module: the C side sizes its
 *     thread pool as min(requested, logical cores / 2), which is 1 on a 2-core machine;
 * and wrap the resulting module in tfjs's own BackendWasm, registered under the name 'wasm' so
 * every registered wasm kernel applies unchanged. Nothing in node_modules is modified.
 *
 * Any failure leaves tfjs's stock single-threaded wasm backend registered and returns
 * `{ ok: false, reason }`; the caller logs the reason and carries on with one thread.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';

/** The build pre-creates 8 pthread workers and its C side caps the XNNPACK pool at 8 threads. */
export const MAX_WASM_THREADS = 8;
/** tfjs-backend-wasm registers 'wasm' with this priority; the replacement keeps it. */
const WASM_PRIORITY = 2;

export interface ThreadedWasmResult {
  /** True when 'wasm' now names the threaded backend. */
  ok: boolean;
  /** What was done, or why the stock single-threaded backend stays. */
  reason: string;
  /** Threads the wasm backend will use: the XNNPACK pool size when ok, else 1. */
  threads: number;
}

export interface ThreadedWasmOptions {
  /** The pthread worker script; tests point it at a broken one to check the fallback. */
  workerScript?: string;
  /** How long the worker probe and the module start may take, in ms (default 60 000). */
  timeoutMs?: number;
}

/** The parts of the Emscripten module (and of BackendWasm) this file touches. */
interface EmscriptenPThread {
  runningWorkers: Worker[];
  unusedWorkers: Worker[];
  terminateAllThreads(): void;
}
interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread: EmscriptenPThread;
  tfjs?: Record<string, (...a: number[]) => number>;
}
interface ModuleConfig {
  locateFile(path: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
  instantiateWasm(imports: WebAssembly.Imports, receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void): object;
  onAbort(what: unknown): void;
  PThread?: EmscriptenPThread;
}
type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

const require = createRequire(import.meta.url);

/** The stock factory for 'wasm' while ours is registered (to put back), and our thread count. */
let installed: { threads: number; stockFactory: () => tf.KernelBackend | Promise<tf.KernelBackend> } | undefined;

function message(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

function fail(reason: string): ThreadedWasmResult {
  return { ok: false, reason, threads: 1 };
}

/** Paths of the threaded build's glue and binary, and of our worker script. */
function buildFiles(workerScript?: string): { glue: string; binary: string; worker: string } {
  const pkgDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const glue = join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const binary = join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.wasm');
  const worker = workerScript ?? fileURLToPath(new URL('./wasm-threads-worker.js', import.meta.url));
  for (const f of [glue, binary, worker]) if (!existsSync(f)) throw new Error(`missing ${f} (run npm ci and npm run build)`);
  return { glue, binary, worker };
}

/** Why this runtime cannot run threaded wasm, or undefined when it can. */
async function runtimeProblem(): Promise<string | undefined> {
  if (typeof SharedArrayBuffer === 'undefined') return 'this Node has no SharedArrayBuffer';
  try {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(mem.buffer instanceof SharedArrayBuffer)) return 'WebAssembly shared memory is not backed by a SharedArrayBuffer';
  } catch (e) {
    return `WebAssembly shared memory (threads) is unsupported: ${message(e)}`;
  }
  // The only threaded build tfjs ships is also the SIMD one.
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return 'WebAssembly SIMD is unsupported (the threaded build needs it)';
  return undefined;
}

/** Runs `promise` with a deadline; the timer never keeps the process alive. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the worker script once in probe mode: a broken script fails here, not inside Emscripten's pool. */
async function probeWorker(script: string, timeoutMs: number): Promise<void> {
  const worker = new Worker(script, { workerData: { probe: true } });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`exited with code ${code} before reporting`)));
      }),
      timeoutMs,
      'the worker probe',
    );
  } finally {
    await worker.terminate();
  }
}

/** Instantiates the threaded build with `threads` XNNPACK threads and wraps it in tfjs's BackendWasm. */
async function createThreadedBackend(
  wasm: WasmPackage,
  threads: number,
  files: { glue: string; binary: string; worker: string },
  timeoutMs: number,
): Promise<tf.KernelBackend> {
  const factory = require(files.glue) as (config: ModuleConfig) => Promise<ThreadedModule>;
  let aborted: ((e: Error) => void) | undefined;
  const abort = new Promise<never>((_, reject) => (aborted = reject));
  abort.catch(() => undefined);
  const config: ModuleConfig = {
    locateFile: (path, prefix) => (path.endsWith('.worker.js') ? files.worker : prefix + path),
    mainScriptUrlOrBlob: files.glue,
    instantiateWasm(imports, receive) {
      // backend.cc: pool size = min(requested, emscripten_num_logical_cores() / 2, 8), read once
      // by a static initialiser on this thread. Report enough cores for the requested count.
      const env = imports.env as Record<string, unknown>;
      env.emscripten_num_logical_cores = () => 2 * threads;
      WebAssembly.instantiate(readFileSync(files.binary), imports).then(
        ({ instance, module }) => receive(instance, module),
        (e: unknown) => aborted?.(new Error(`instantiating ${files.binary}: ${message(e)}`)),
      );
      return {}; // asynchronous instantiation: Emscripten waits for receive()
    },
    onAbort: (what) => aborted?.(new Error(`the threaded wasm module aborted: ${message(what)}`)),
  };
  // The glue installs process-wide handlers that rethrow every uncaught error (Emscripten's exit
  // handling for programs); a library must not change how the host process fails, so drop them.
  const before = {
    uncaughtException: new Set(process.listeners('uncaughtException')),
    unhandledRejection: new Set(process.listeners('unhandledRejection')),
  };
  const ready = factory(config);
  for (const l of process.listeners('uncaughtException')) if (!before.uncaughtException.has(l)) process.removeListener('uncaughtException', l);
  for (const l of process.listeners('unhandledRejection')) if (!before.unhandledRejection.has(l)) process.removeListener('unhandledRejection', l);
  let module: ThreadedModule;
  try {
    module = await withTimeout(Promise.race([ready, abort]), timeoutMs, 'starting the threaded wasm module');
  } catch (e) {
    config.PThread?.terminateAllThreads();
    throw e;
  }
  // The bridge tfjs's own loader adds before handing the module to BackendWasm.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  wasm.setThreadsCount(threads); // read by the BackendWasm constructor, which creates the pool
  const backend = new wasm.BackendWasm(module as unknown as ConstructorParameters<WasmPackage['BackendWasm']>[0]);
  const actual = module.tfjs.getThreadsCount();
  // The pool's threads wait on a futex for work for the rest of the process; Emscripten refs a
  // worker while it runs a pthread, which would keep Node alive after main() ends.
  for (const w of module.PThread.runningWorkers) w.unref();
  if (actual !== threads) {
    backend.dispose();
    throw new Error(`asked XNNPACK for ${threads} threads, got ${actual}`);
  }
  return backend;
}

/**
 * Makes 'wasm' the threaded backend with `threads` threads (2..8; more are capped at 8). Call it
 * before the first `tf.setBackend('wasm')`, or while the wasm backend holds no tensors: an
 * initialised stock backend is disposed and replaced. Resolves `{ ok: false, reason }` and leaves
 * the stock single-threaded backend in place when threads are unavailable here.
 */
export async function registerThreadedWasm(threads: number, opts: ThreadedWasmOptions = {}): Promise<ThreadedWasmResult> {
  if (!Number.isInteger(threads) || threads < 2) return fail(`threads=${threads}: the threaded build is only used for 2 or more threads`);
  const n = Math.min(threads, MAX_WASM_THREADS);
  const capped = n < threads ? ` (capped from ${threads}: the build has ${MAX_WASM_THREADS} workers)` : '';
  const timeoutMs = opts.timeoutMs ?? 60_000;
  if (installed?.threads === n && tf.engine().registryFactory.wasm) return { ok: true, reason: `already registered with ${n} threads`, threads: n };

  let wasm: WasmPackage;
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    return fail(`@tensorflow/tfjs-backend-wasm cannot be loaded: ${message(e)}`);
  }
  const problem = await runtimeProblem();
  if (problem) return fail(problem);
  // registry (not tf.findBackend, which would initialise it) holds the backend only once started.
  const current = tf.engine().registry.wasm;
  if (current && current.numDataIds() > 0) {
    return fail(`the wasm backend already holds ${current.numDataIds()} tensors; call registerThreadedWasm before the first tf.setBackend('wasm')`);
  }

  let backend: tf.KernelBackend;
  try {
    const files = buildFiles(opts.workerScript);
    await probeWorker(files.worker, timeoutMs);
    backend = await createThreadedBackend(wasm, n, files, timeoutMs);
  } catch (e) {
    return fail(`the threaded wasm build did not start: ${message(e)}`);
  }

  const stockFactory = installed?.stockFactory ?? tf.engine().registryFactory.wasm?.factory;
  if (!stockFactory) {
    backend.dispose();
    return fail('no wasm backend is registered (is @tensorflow/tfjs-backend-wasm imported from another tfjs-core copy?)');
  }
  tf.removeBackend('wasm'); // disposes an initialised stock backend, if any
  let prebuilt: tf.KernelBackend | undefined = backend;
  tf.registerBackend(
    'wasm',
    async () => {
      // The first start uses the instance built above; a later one (after tf.engine().reset()
      // disposed it) builds a fresh one.
      const b = prebuilt ?? (await createThreadedBackend(wasm, n, buildFiles(opts.workerScript), timeoutMs));
      prebuilt = undefined;
      return b;
    },
    WASM_PRIORITY,
  );
  installed = { threads: n, stockFactory };
  return { ok: true, reason: `threaded SIMD wasm build with ${n} XNNPACK threads${capped}`, threads: n };
}

/** Puts tfjs's stock single-threaded 'wasm' back (disposing the threaded one and its workers). */
export function unregisterThreadedWasm(): void {
  if (!installed) return;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', installed.stockFactory, WASM_PRIORITY);
  installed = undefined;
}

/** Threads the registered 'wasm' backend uses: the threaded count, else 1. */
export function wasmThreads(): number {
  return installed?.threads ?? 1;
}
