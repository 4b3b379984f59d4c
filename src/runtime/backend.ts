/**
 * Choosing the tfjs backend. `auto` tries, in order: tfjs-node-gpu (CUDA), tfjs-node (libtensorflow
 * on CPU), wasm (the portable CPU default, its .wasm files found in node_modules), then the pure-JS
 * cpu backend; it logs which one it chose and why each one before it was skipped. Asking for one
 * explicitly that cannot load is a HyperloaderError that says how to get it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { registerThreadedWasm } from './wasm-threads.js';
import { installWasmKernels } from './wasm-kernels.js';
import { HyperloaderError } from '../errors.js';

import type { BackendChoice } from './backend-names.js';

export type { BackendChoice };
/** One way of getting a tfjs backend; tfjs-node-gpu and tfjs-node both register the `tensorflow` backend. */
export type LoaderId = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';

export interface BackendAttempt {
  backend: LoaderId;
  ok: boolean;
  reason: string;
}

export interface BackendResult {
  /** The active tfjs backend name: tensorflow, wasm or cpu. */
  name: string;
  /** The loader that provided it. */
  loader: LoaderId;
  tried: BackendAttempt[];
}

/** Loads a backend and makes it the active one; resolves to the tfjs backend name and a note, or throws why not. */
export type BackendLoader = (opts: { threads: number; logger?: LogLike }) => Promise<{ name: string; note: string }>;

export interface LogLike {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface InitOptions {
  /** Threads for wasm (experiment.threads): above 1, the threaded build on worker_threads. */
  threads?: number;
  logger?: LogLike;
  /** Replacements for the real loaders (tests simulate failures with these). */
  loaders?: Partial<Record<LoaderId, BackendLoader>>;
}

export const TFJS_VERSION = '4.22.0';

export const ORDER: Record<BackendChoice, LoaderId[]> = {
  auto: ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'],
  tensorflow: ['tfjs-node-gpu', 'tfjs-node'],
  wasm: ['wasm'],
  cpu: ['cpu'],
};

const require = createRequire(import.meta.url);

/** Where the wasm backend's .wasm files are: node_modules/@tensorflow/tfjs-backend-wasm/dist/. */
export function wasmDistDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

function isMissingModule(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/** tfjs-node(-gpu): importing it registers (and selects) the `tensorflow` backend. */
function nodeLoader(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): BackendLoader {
  return async () => {
    try {
      // A variable specifier: the package is optional and has no types here.
      const spec: string = pkg;
      await import(spec);
    } catch (e) {
      if (isMissingModule(e)) {
        const needs = pkg.endsWith('-gpu') ? '; needs Linux x86-64 with CUDA 11.2 + cuDNN 8.1' : '';
        throw new Error(`not installed (npm install ${pkg}@${TFJS_VERSION}${needs})`);
      }
      throw new Error(`failed to load: ${firstLine(e)}`);
    }
    if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but its tensorflow backend failed to initialise`);
    return { name: 'tensorflow', note: `${pkg} loaded` };
  };
}

let wasmThreadsWarned = false;

const wasmLoader: BackendLoader = async ({ threads, logger }) => {
  let dir: string;
  try {
    dir = wasmDistDir();
  } catch (e) {
    throw new Error(`@tensorflow/tfjs-backend-wasm is not installed (run npm ci): ${firstLine(e)}`);
  }
  if (!existsSync(join(dir, 'tfjs-backend-wasm.wasm'))) throw new Error(`the .wasm files are missing from ${dir} (run npm ci)`);
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(dir);
  let threadNote = '';
  if (threads > 1) {
    // tfjs runs wasm single-threaded in Node; the runtime shim starts the threaded build's pool on
    // worker_threads (./wasm-threads.ts). It must run before the first wasm tensor exists.
    const r = await registerThreadedWasm(threads);
    if (r.ok) threadNote = `, ${r.threads} threads`;
    else if (!wasmThreadsWarned) {
      wasmThreadsWarned = true;
      logger?.warn({ threads, reason: r.reason }, `experiment.threads=${threads}: ${r.reason}; using 1 thread`);
    }
  }
  if (!(await tf.setBackend('wasm'))) throw new Error(`the wasm backend failed to initialise (wasm files from ${dir})`);
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const kernels = installWasmKernels(threads).note;
  return { name: 'wasm', note: `wasm files from ${dir}${simd ? ', SIMD' : ', no SIMD'}${threadNote}, ${kernels}` };
};

const cpuLoader: BackendLoader = async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
  return { name: 'cpu', note: 'pure JavaScript (slow)' };
};

export const DEFAULT_LOADERS: Record<LoaderId, BackendLoader> = {
  'tfjs-node-gpu': nodeLoader('@tensorflow/tfjs-node-gpu'),
  'tfjs-node': nodeLoader('@tensorflow/tfjs-node'),
  wasm: wasmLoader,
  cpu: cpuLoader,
};

/** How to get each backend, for errors. */
const FIXES: Record<BackendChoice, string> = {
  auto: 'reinstall with npm ci (the wasm and cpu backends ship with hyperloader)',
  tensorflow:
    `for a GPU: install CUDA 11.2 + cuDNN 8.1 (Linux x86-64), then npm install @tensorflow/tfjs-node-gpu@${TFJS_VERSION}; ` +
    `for libtensorflow on CPU: npm install @tensorflow/tfjs-node@${TFJS_VERSION}. Behind a firewall, point TFJS_NODE_BASE_URI ` +
    '(or TFJS_NODE_CDN_STORAGE) at a mirror of the libtensorflow downloads. Or use --backend wasm.',
  wasm: 'reinstall with npm ci so node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm exist, or use --backend cpu',
  cpu: 'reinstall with npm ci',
};

let current: { choice: BackendChoice; threads: number; result: BackendResult } | undefined;

/** Selects the backend for `choice`; cheap when the same choice is already active. */
export async function initBackend(choice: BackendChoice, opts: InitOptions = {}): Promise<BackendResult> {
  const injected = opts.loaders !== undefined;
  const threads = opts.threads ?? 1;
  if (!injected && current?.choice === choice && current.threads === threads && tf.engine().backendName === current.result.name) {
    return current.result;
  }
  const loaders = { ...DEFAULT_LOADERS, ...opts.loaders };
  const tried: BackendAttempt[] = [];
  for (const id of ORDER[choice]) {
    try {
      const { name, note } = await loaders[id]({ threads, logger: opts.logger });
      tried.push({ backend: id, ok: true, reason: note });
      const result: BackendResult = { name, loader: id, tried };
      const skipped = tried.filter((t) => !t.ok).map((t) => `${t.backend}: ${t.reason}`);
      opts.logger?.info(
        { backend: name, loader: id, tried },
        `backend ${name} (${id}: ${note})${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`,
      );
      if (!injected) current = { choice, threads, result };
      return result;
    } catch (e) {
      tried.push({ backend: id, ok: false, reason: firstLine(e) });
      opts.logger?.debug({ backend: id, reason: firstLine(e) }, `backend ${id} unavailable`);
    }
  }
  const why = tried.map((t) => `  ${t.backend}: ${t.reason}`).join('\n');
  throw new HyperloaderError(`backend "${choice}" cannot load:\n${why}\nFix: ${FIXES[choice]}`, { exitCode: 1 });
}
