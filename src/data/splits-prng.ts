/**
 * The split generator. Splits must never change under a user's feet (a different dev set makes
 * results incomparable), so this is its own tiny, frozen generator rather than the training RNG:
 * a stream key (seed + dataset + purpose) hashed with FNV-1a 32, then a Weyl sequence passed
 * through the murmur3 32-bit finaliser ("splitmix32"). Integer-only arithmetic: the same numbers
 * on every machine and Node version.
 */

/** FNV-1a, 32 bits, over the UTF-16 code units of a string (ASCII keys: the bytes). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class SplitPrng {
  private x: number;
  constructor(state: number) {
    this.x = state >>> 0;
  }
  /** The next uniform unsigned 32-bit integer. */
  next(): number {
    this.x = (this.x + 0x9e3779b9) >>> 0;
    let z = this.x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** A uniform integer in [0, n) for 1 ≤ n ≤ 2^32, without modulo bias (rejection). */
  below(n: number): number {
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const v = this.next();
      if (v < limit) return v % n;
    }
  }
}

/** The generator for one purpose: `seed` (data.split_seed) and a stream name such as `mit_movie/carve-dev`. */
export function splitPrng(seed: number, stream: string): SplitPrng {
  return new SplitPrng(fnv1a32(`${seed}/${stream}`));
}

/** A permutation of 0..n-1 (Fisher–Yates, from the top). */
export function seededPermutation(n: number, seed: number, stream: string): number[] {
  const rng = splitPrng(seed, stream);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
