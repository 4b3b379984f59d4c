// AssemblyScript: the label-smoothed cross-entropy of src/model/loss.ts over [N, V] logits, in
// two kernels that each read the logits once per pass instead of a chain of tfjs ops that each
// write a fresh [N, V] tensor (on t5-small's 32,128-word vocabulary, 33 MB apiece per step).
//   lse_i = log Σ_v exp(x_iv);  loss_i = (1 − ε)·(lse_i − x_i,y_i) + (ε / V)·(V·lse_i − Σ_v x_iv)
//   ∂loss_i/∂x_iv = exp(x_iv − lse_i) − ε / V − (1 − ε)·[v = y_i]
// Pointers are byte offsets into this module's memory.

// exp on four lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-6 Taylor polynomial
// (relative error below 2e-7 there), 2^n built in the exponent bits. Inputs are ≤ 0 here (logits
// minus their max or their log-sum-exp); below −87 the result is clamped to ~1e-38, not 0.
// @ts-ignore: decorator
@inline
function exp4(x: v128): v128 {
  x = f32x4.max(x, f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693145751953125)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(1.428606765330187045e-6)));
  let p = f32x4.splat(1.0 / 720.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// @ts-ignore: decorator
@inline
function sum4(acc: v128, x: v128): v128 {
  // Two f64 lanes per half: 32,128 terms summed in float32 would lose about three digits.
  return f64x2.add(f64x2.add(acc, f64x2.promote_low_f32x4(x)), f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)));
}

/** exp of one lane, through the same polynomial (the tail of a row). */
function exp1(x: f32): f32 {
  return f32x4.extract_lane(exp4(f32x4.splat(x)), 0);
}

/** x [N, V] f32, y [N] i32 → out [N, 2] f32: (loss_i, lse_i). */
export function xentForward(x: usize, y: usize, N: i32, V: i32, eps: f32, out: usize): void {
  const v4 = V & ~3;
  for (let i = 0; i < N; i++) {
    const row = x + ((<usize>i * <usize>V) << 2);
    let mx = f32x4.splat(-Infinity);
    let sx = f64x2.splat(0);
    for (let j = 0; j < v4; j += 4) {
      const v = v128.load(row + (<usize>j << 2));
      mx = f32x4.max(mx, v);
      sx = sum4(sx, v);
    }
    let m = max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
    let sumX = f64x2.extract_lane(sx, 0) + f64x2.extract_lane(sx, 1);
    for (let j = v4; j < V; j++) {
      const v = load<f32>(row + (<usize>j << 2));
      m = max(m, v);
      sumX += <f64>v;
    }
    const ms = f32x4.splat(m);
    let se = f64x2.splat(0);
    for (let j = 0; j < v4; j += 4) se = sum4(se, exp4(f32x4.sub(v128.load(row + (<usize>j << 2)), ms)));
    let sumE = f64x2.extract_lane(se, 0) + f64x2.extract_lane(se, 1);
    for (let j = v4; j < V; j++) sumE += <f64>exp1(load<f32>(row + (<usize>j << 2)) - m);
    const lse = <f64>m + Math.log(sumE);
    const xy = <f64>load<f32>(row + (<usize>load<i32>(y + (<usize>i << 2)) << 2));
    const e = <f64>eps;
    const loss = (1 - e) * (lse - xy) + (e / <f64>V) * (<f64>V * lse - sumX);
    store<f32>(out + (<usize>i << 3), <f32>loss);
    store<f32>(out + (<usize>i << 3), <f32>lse, 4);
  }
}

/**
 * In place: x [N, V] becomes s_i · ∂loss_i/∂x_iv (s [N] f32: the upstream gradient times the
 * row's weight; lse [N] f32 from xentForward).
 */
export function xentBackward(x: usize, y: usize, lse: usize, s: usize, N: i32, V: i32, eps: f32): void {
  const v4 = V & ~3;
  const floor = eps / <f32>V;
  for (let i = 0; i < N; i++) {
    const row = x + ((<usize>i * <usize>V) << 2);
    const l = load<f32>(lse + (<usize>i << 2));
    const si = load<f32>(s + (<usize>i << 2));
    const ls = f32x4.splat(l);
    const ss = f32x4.splat(si);
    const fs = f32x4.splat(floor);
    for (let j = 0; j < v4; j += 4) {
      const p = row + (<usize>j << 2);
      v128.store(p, f32x4.mul(ss, f32x4.sub(exp4(f32x4.sub(v128.load(p), ls)), fs)));
    }
    for (let j = v4; j < V; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, si * (exp1(load<f32>(p) - l) - floor));
    }
    const py = row + (<usize>load<i32>(y + (<usize>i << 2)) << 2);
    store<f32>(py, load<f32>(py) - si * (1 - eps));
  }
}
