/**
 * The script each pthread worker of the threaded wasm build runs (see wasm-threads.ts).
 *
 * tfjs-backend-wasm ships its Emscripten pthread worker only as a string (`wasmWorkerContents`),
 * which in a browser it turns into a blob: URL; Node's worker_threads cannot start a worker from
 * one. That string already knows how to run in Node (it takes `parentPort`, `require` and
 * `__filename` and installs `self`, `postMessage` and `importScripts` itself), so this file only
 * hands it the CommonJS names an ES module lacks and runs it. Nothing in node_modules is changed.
 *
 * With `workerData.probe` it compiles the string without running it and reports back, so a broken
 * install is found before Emscripten starts its pool (an error inside a pool worker is rethrown
 * on the main thread and would end the process).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const WORKER_MODULE = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';

const { wasmWorkerContents } = require(WORKER_MODULE) as { wasmWorkerContents: string };
// The string was written to sit inside a template literal, so one "\n" escape inside a quoted
// string arrived as a real newline; escaping newlines back (as tfjs does before making its blob)
// restores valid JavaScript. The script is a single line otherwise.
const source = wasmWorkerContents.replace(/\n/g, '\\n');
// A Function body runs in its own scope with these two names bound, like a CommonJS module body.
const runWorker = new Function('require', '__filename', source) as (req: NodeJS.Require, filename: string) => void;

if ((workerData as { probe?: boolean } | undefined)?.probe) {
  parentPort?.postMessage({ probe: 'ok' });
} else {
  runWorker(require, fileURLToPath(import.meta.url));
}
