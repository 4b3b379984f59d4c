/**
 * Learning-rate schedules. `linear` is Hugging Face's get_linear_schedule_with_warmup, which the
 * authors' trainer used: the factor at update k (0-based) is k/warmup during warmup, then decays
 * linearly to 0 at `total`. (So the very first update has lr 0, as in their runs.)
 */
export function learningRate(k: number, opts: { lr: number; warmup: number; total: number; schedule: 'linear' | 'constant' }): number {
  const { lr, warmup, total } = opts;
  if (k < warmup) return (lr * k) / Math.max(1, warmup);
  if (opts.schedule === 'constant') return lr;
  return lr * Math.max(0, (total - k) / Math.max(1, total - warmup));
}
