/**
 * Which tfjs kernels hyperloader dispatches, and whether the `tensorflow` backend (tfjs-node and
 * tfjs-node-gpu 4.22.0) registers every one of them. tfjs throws "Kernel 'X' not registered for
 * backend 'tensorflow'" at the first call of a missing kernel, which on a GPU machine would be
 * the first training step or the first dev evaluation, hours in. The list of kernels the
 * tensorflow backend has is read from the package itself by scripts/tfjs-node-kernels.mjs
 * (`npm run kernels:update`) into tfjs-node-kernels.json; test/runtime/kernel-coverage.test.ts
 * runs a training step, dev decoding and `predict` on the CPU backends and checks every kernel
 * they dispatch against it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { packageRoot } from './paths.js';

export interface KernelList {
  package: string;
  version: string;
  backend: string;
  generated: string;
  how: string;
  kernels: string[];
}

/** Where the committed list lives (beside this file's source, so it is read from src/ in every layout). */
export function kernelListPath(): string {
  return join(packageRoot(), 'src', 'runtime', 'tfjs-node-kernels.json');
}

/** The kernels @tensorflow/tfjs-node(-gpu) registers for its `tensorflow` backend, as committed. */
export function tfjsNodeKernels(file = kernelListPath()): KernelList {
  const list = JSON.parse(readFileSync(file, 'utf8')) as KernelList;
  if (!Array.isArray(list.kernels) || list.kernels.length === 0) throw new Error(`${file} lists no kernels; run npm run kernels:update`);
  return list;
}

/** The used kernels that `registered` lacks, sorted and without repeats. */
export function missingKernels(used: Iterable<string>, registered: Iterable<string>): string[] {
  const have = new Set(registered);
  return [...new Set(used)].filter((k) => !have.has(k)).sort();
}

type RunKernel = (kernelName: string, inputs: unknown, attrs?: unknown) => unknown;

/**
 * Runs `fn` and returns the names of the kernels it dispatched through the engine (every tfjs op,
 * gradient and custom-gradient body ends in `engine.runKernel`). Kernels a backend's own kernel
 * implementation calls while it runs are not counted: they belong to that backend, not to us.
 */
export async function recordKernels<T>(fn: () => T | Promise<T>): Promise<{ result: T; kernels: Set<string> }> {
  const engine = tf.engine() as unknown as { runKernel: RunKernel };
  const original = engine.runKernel;
  const kernels = new Set<string>();
  let depth = 0;
  engine.runKernel = function (this: unknown, kernelName, inputs, attrs) {
    if (depth === 0) kernels.add(kernelName);
    depth++;
    try {
      return original.call(this, kernelName, inputs, attrs);
    } finally {
      depth--;
    }
  };
  try {
    const result = await fn();
    return { result, kernels };
  } finally {
    // The wrapper is an own property; removing it uncovers the prototype's method again.
    delete (engine as { runKernel?: RunKernel }).runKernel;
    if (engine.runKernel !== original) engine.runKernel = original;
  }
}
