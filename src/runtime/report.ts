/** What `hyperloader doctor` checks: every backend, wasm SIMD, and whether a GPU is visible. */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_LOADERS, type BackendLoader, type LoaderId } from './backend.js';

export interface BackendAvailability {
  backend: LoaderId;
  available: boolean;
  reason: string;
}

export interface BackendReport {
  node: string;
  tfjs: string;
  backends: BackendAvailability[];
  wasmSimd: boolean;
  gpu: { found: boolean; detail: string };
}

/**
 * A tiny module using one SIMD instruction: `(func (result v128) i32.const 0 i8x16.splat)`.
 * WebAssembly.validate accepts it only where the engine supports 128-bit SIMD.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: one func type () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // code: no locals, i32.const 0, i8x16.splat, end
]);

export function wasmSimdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** Lists GPUs with `nvidia-smi -L` (5 s timeout). */
export function nvidiaSmi(run: typeof spawnSync = spawnSync): { found: boolean; detail: string } {
  const r = run('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { found: false, detail: 'nvidia-smi not found (no NVIDIA driver on PATH)' };
    if (code === 'ETIMEDOUT') return { found: false, detail: 'nvidia-smi timed out after 5 s' };
    return { found: false, detail: `nvidia-smi failed: ${r.error.message}` };
  }
  const out = String(r.stdout ?? '').trim();
  if (r.status !== 0) return { found: false, detail: `nvidia-smi exited ${r.status}: ${String(r.stderr || out).trim().split('\n')[0]}` };
  const gpus = out.split('\n').filter((l) => l.startsWith('GPU'));
  return gpus.length > 0 ? { found: true, detail: gpus.join('; ') } : { found: false, detail: 'nvidia-smi lists no GPU' };
}

/**
 * Tries every backend (each loader really loads it) and restores the backend that was active
 * before, if any. `loaders` replaces real loaders, as in initBackend.
 */
export async function backendReport(loaders: Partial<Record<LoaderId, BackendLoader>> = {}): Promise<BackendReport> {
  const all = { ...DEFAULT_LOADERS, ...loaders };
  const before = tf.engine().backendName as string | null;
  const backends: BackendAvailability[] = [];
  for (const id of Object.keys(all) as LoaderId[]) {
    try {
      const { note } = await all[id]({ threads: 1 });
      backends.push({ backend: id, available: true, reason: note });
    } catch (e) {
      backends.push({ backend: id, available: false, reason: String((e as Error)?.message ?? e).split('\n')[0] });
    }
  }
  if (before) await tf.setBackend(before);
  return { node: process.version, tfjs: tf.version.tfjs, backends, wasmSimd: wasmSimdSupported(), gpu: nvidiaSmi() };
}
