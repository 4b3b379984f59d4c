/**
 * A small seeded PRNG whose whole state is four 32-bit words, so it can be saved in a checkpoint
 * (JSON) and restored to continue the exact same stream — on every machine, since it uses only
 * 32-bit integer arithmetic (no platform Math.random, no floating-point state).
 *
 * Algorithm: xoshiro128** 1.1 (Blackman & Vigna), seeded by running splitmix32 over the seed.
 */
import { HyperloaderError } from '../errors.js';

/** The generator's complete state: four unsigned 32-bit integers (JSON-serialisable). */
export type RngState = [number, number, number, number];

const TWO_POW_32 = 0x1_0000_0000;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32 step: turns a counter into well-mixed words for the initial state. */
function splitmix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private readonly s = new Uint32Array(4);

  /** `seed`: any non-negative safe integer (the config's experiment.seed). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new HyperloaderError(`random seed must be a non-negative integer, got ${seed}; set experiment.seed to e.g. 42`);
    }
    // Both halves of a seed above 2^32 matter; the golden-ratio counter keeps nearby seeds apart.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32), 0x9e3779b1);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      this.s[i] = splitmix32(x);
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1; // the all-zero state is a fixed point
  }

  /** A generator continuing exactly from a saved `state()`. */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.restore(state);
    return r;
  }

  /** The next uniform unsigned 32-bit integer. */
  uint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits (two draws). */
  float(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias (rejection sampling); 1 ≤ n ≤ 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    // Reject the top partial block of size 2^32 mod n so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % n;
    }
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty array');
    return items[this.int(items.length)];
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A copy of the state; `restore` (or `Rng.fromState`) continues the same stream from here. */
  state(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  restore(state: RngState): void {
    const ok =
      Array.isArray(state) &&
      state.length === 4 &&
      state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) &&
      state.some((w) => w !== 0);
    if (!ok) {
      throw new HyperloaderError(
        `saved random-generator state is corrupt (expected four unsigned 32-bit integers, not all zero), got ${JSON.stringify(state)}; ` +
          'the checkpoint that holds it is damaged: resume from another checkpoint or start a new run',
      );
    }
    this.s.set(state);
  }
}
