// AssemblyScript (compiled by `npm run build:wasm` into dist/src/runtime/simd/kernels*.wasm;
// excluded from tsc). A single-precision matrix product with 128-bit SIMD. ../wasm-kernels.ts
// copies operands into this module's (shared) memory, packs them here, multiplies — the panels
// of B split between the calling thread and its workers — and copies the result out.
// Two builds: kernels.wasm multiplies then adds; kernels-relaxed.wasm uses relaxed SIMD's fused
// multiply-add (one instruction where the CPU has FMA: about 1.5× the throughput).
// Pointers are byte offsets into the memory; sizes and strides count floats.

// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Grows memory so that the first `bytes` bytes are addressable; false when it cannot grow that far. */
export function reserve(bytes: usize): bool {
  const have = <usize>memory.size() << 16;
  if (bytes <= have) return true;
  return memory.grow(<i32>((bytes - have + 0xffff) >> 16)) >= 0;
}

/**
 * A [M, K] (element (i, k) at src + 4·(i·rs + k·cs)) → out [Mp, K] row-major, rows M..Mp zero.
 * The strides let the same code read a transposed A.
 */
export function packA(src: usize, out: usize, M: i32, K: i32, rs: i32, cs: i32, Mp: i32): void {
  const row = <usize>K << 2;
  for (let i = 0; i < Mp; i++) {
    const o = out + <usize>i * row;
    if (i >= M) {
      memory.fill(o, 0, row);
    } else if (cs == 1) {
      memory.copy(o, src + ((<usize>i * <usize>rs) << 2), row);
    } else {
      const s = src + ((<usize>i * <usize>rs) << 2);
      for (let k = 0; k < K; k++) store<f32>(o + (<usize>k << 2), load<f32>(s + ((<usize>k * <usize>cs) << 2)));
    }
  }
}

/**
 * B [K, N] (element (k, j) at src + 4·(k·rs + j·cs)) → panels of 8 columns, each K × 8
 * contiguous: out[p][k][0..8) = B[k][8p .. 8p+8), columns past N zero. The multiply then reads
 * one panel front to back. Packs panels p0 ≤ p < p1 (a thread packs the panels it multiplies).
 */
export function packB(src: usize, out: usize, K: i32, N: i32, rs: i32, cs: i32, p0: i32, p1: i32): void {
  for (let p = p0; p < p1; p++) {
    const j0 = p << 3;
    const w = min(8, N - j0);
    let o = out + ((<usize>p * <usize>K) << 5);
    if (w == 8 && cs == 1) {
      // Row-major B, a full panel: each row's 8 columns are contiguous, two vector moves.
      let s = src + (<usize>j0 << 2);
      const step = <usize>rs << 2;
      for (let k = 0; k < K; k++) {
        v128.store(o, v128.load(s));
        v128.store(o, v128.load(s, 16), 16);
        s += step;
        o += 32;
      }
      continue;
    }
    for (let k = 0; k < K; k++) {
      const s = src + ((<usize>k * <usize>rs) << 2);
      for (let j = 0; j < 8; j++) {
        let v: f32 = 0;
        if (j < w) v = load<f32>(s + ((<usize>(j0 + j) * <usize>cs) << 2));
        store<f32>(o + (<usize>j << 2), v);
      }
      o += 32;
    }
  }
}

/**
 * C [Mp, Np] = A [Mp, K] · B for A packed by packA (Mp a multiple of 4) and B packed by packB
 * (Np = 8 · panels), columns of panels p0 ≤ p < p1 only. Each 4 × 8 block of C stays in eight
 * registers for the whole K loop: per k, two loads of B, four broadcasts of A, eight
 * multiply-adds of four lanes.
 */
export function gemm(a: usize, bp: usize, c: usize, Mp: i32, K: i32, Np: i32, p0: i32, p1: i32): void {
  const rowA = <usize>K << 2;
  const rowC = <usize>Np << 2;
  for (let p = p0; p < p1; p++) {
    const panel = bp + ((<usize>p * <usize>K) << 5);
    for (let i = 0; i < Mp; i += 4) {
      let a0 = a + <usize>i * rowA;
      let a1 = a0 + rowA;
      let a2 = a1 + rowA;
      let a3 = a2 + rowA;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let b = panel;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(b);
        const b1 = v128.load(b, 16);
        let s = f32x4.splat(load<f32>(a0));
        c00 = madd(s, b0, c00);
        c01 = madd(s, b1, c01);
        s = f32x4.splat(load<f32>(a1));
        c10 = madd(s, b0, c10);
        c11 = madd(s, b1, c11);
        s = f32x4.splat(load<f32>(a2));
        c20 = madd(s, b0, c20);
        c21 = madd(s, b1, c21);
        s = f32x4.splat(load<f32>(a3));
        c30 = madd(s, b0, c30);
        c31 = madd(s, b1, c31);
        a0 += 4;
        a1 += 4;
        a2 += 4;
        a3 += 4;
        b += 32;
      }
      const o = c + <usize>i * rowC + (<usize>p << 5);
      v128.store(o, c00);
      v128.store(o, c01, 16);
      v128.store(o + rowC, c10);
      v128.store(o + rowC, c11, 16);
      v128.store(o + 2 * rowC, c20);
      v128.store(o + 2 * rowC, c21, 16);
      v128.store(o + 3 * rowC, c30);
      v128.store(o + 3 * rowC, c31, 16);
    }
  }
}
