/**
 * Split rules (SPEC §6), deterministic on every machine:
 * - the MIT sets have no dev split, so dev = ceil(n / 10) sentences carved from train
 *   (7,816 → 7,034 / 782; 9,775 → 8,797 / 978; 7,660 → 6,894 / 766, the paper's sizes);
 * - a low-resource run keeps floor(p × n) of train and of dev; test stays full.
 * Chosen sentences keep their file order. The randomness comes from a seeded permutation
 * (splits-prng.ts) keyed by data.split_seed, the dataset and the split, and a subset is a prefix
 * of that permutation, so the 10% subset sits inside the 20% one, which sits inside the 50% one.
 */
import { HyperloaderError } from '../errors.js';
import { seededPermutation } from './splits-prng.js';

/** Dev sentences carved from a train split of n: ceil(n / 10), in integers (no float rounding). */
export function devSizeFor(n: number): number {
  return Math.floor((n + 9) / 10);
}

/**
 * Splits `train` into a new train and a dev split of devSizeFor(n) sentences, chosen by a seeded
 * permutation; both keep the original order.
 */
export function carveDev<T>(train: readonly T[], seed: number, key: string): { train: T[]; dev: T[] } {
  const n = train.length;
  const perm = seededPermutation(n, seed, `${key}/carve-dev`);
  const isDev = new Uint8Array(n);
  const k = devSizeFor(n);
  for (let i = 0; i < k; i++) isDev[perm[i]] = 1;
  const out = { train: [] as T[], dev: [] as T[] };
  for (let i = 0; i < n; i++) (isDev[i] ? out.dev : out.train).push(train[i]);
  return out;
}

/**
 * floor(p × n). The tiny epsilon keeps products that are whole numbers in exact arithmetic
 * (0.29 × 100 evaluates to 28.999…) from losing one.
 */
export function lowResourceCount(n: number, fraction: number): number {
  if (!(fraction > 0 && fraction <= 1)) {
    throw new HyperloaderError(`low-resource fraction must be in (0, 1], got ${fraction}; set data.fraction (or the task's fraction) to e.g. 0.1`);
  }
  return Math.min(n, Math.floor(fraction * n + 1e-9));
}

/** The low-resource subset: floor(p × n) items, a prefix of a seeded permutation, in original order. */
export function lowResourceSubset<T>(items: readonly T[], fraction: number, seed: number, key: string, split: string): T[] {
  const n = items.length;
  const k = lowResourceCount(n, fraction);
  if (k === n) return items.slice();
  const perm = seededPermutation(n, seed, `${key}/${split}/subset`);
  const keep = perm.slice(0, k).sort((a, b) => a - b);
  return keep.map((i) => items[i]);
}
