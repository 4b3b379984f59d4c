/**
 * The dropout mask of src/model/ops.ts's DropoutStream: element i is 1/(1 − rate) or 0 from a
 * counter-based hash (mulberry32) of (seed, counter, i), so the same seed gives the same masks in
 * the same order on every backend. Here rather than in model/ because the wasm backend's
 * DropoutMask kernel (./wasm-kernels.ts) writes the mask straight into its heap with it.
 */
export const DROPOUT_MASK_KERNEL = 'DropoutMask';

export function fillDropoutMask(out: Float32Array, rate: number, seed: number, counter: number): void {
  const keep = 1 / (1 - rate);
  // Threshold on 32-bit integers: P(u < rate·2³²) = rate.
  const threshold = Math.floor(rate * 4294967296);
  let s = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(counter, 0x85ebca77)) >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const u = (t ^ (t >>> 14)) >>> 0;
    out[i] = u >= threshold ? keep : 0;
  }
}
