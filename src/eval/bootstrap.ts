/**
 * Is one variant better than another beyond noise? A paired bootstrap over test sentences
 * (Koehn 2004; Berg-Kirkpatrick et al. 2012): resample each task's sentences with replacement, the
 * same draw for both variants (and for every seed), recompute each task's micro F1 from the summed
 * per-sentence counts, average over tasks (the paper's headline), and take the difference. The 2.5th
 * and 97.5th percentiles of that difference over the resamples are its 95% interval.
 *
 * Per-sentence counts add up to the corpus's: seqeval's entities never cross a sentence boundary,
 * so summing (tp, predicted, gold) over any multiset of sentences scores that multiset exactly.
 */
import { scoreMode, type Mode, type Sentences } from './seqeval.js';

export interface SentenceCounts {
  tp: number;
  pred: number;
  gold: number;
}

/** Each sentence's entity counts (metric f1) or token counts (metric accuracy: F1 = accuracy). */
export function sentenceCounts(gold: Sentences, pred: Sentences, opts: { mode?: Mode; metric?: 'f1' | 'accuracy' } = {}): SentenceCounts[] {
  if (gold.length !== pred.length) throw new RangeError(`gold has ${gold.length} sentences but prediction has ${pred.length}`);
  return gold.map((g, i) => {
    const p = pred[i]!;
    if (opts.metric === 'accuracy') {
      const tp = g.filter((tag, j) => tag === p[j]).length;
      return { tp, pred: g.length, gold: g.length };
    }
    const c = scoreMode([g], [p], { mode: opts.mode ?? 'default' }).counts;
    return { tp: c.tp, pred: c.n_pred, gold: c.n_gold };
  });
}

/** Micro F1 of summed counts; 0 when nothing was predicted or nothing is gold (as seqeval). */
export function f1Of(tp: number, pred: number, gold: number): number {
  return tp === 0 ? 0 : (2 * tp) / (pred + gold);
}

/** Average over tasks of each task's F1 on the sentences `draw[t]` picks (indices into its counts). */
function averageF1(tasks: readonly (readonly SentenceCounts[])[], draw: readonly (readonly number[])[] | null): number {
  let sum = 0;
  tasks.forEach((counts, t) => {
    let tp = 0;
    let pred = 0;
    let gold = 0;
    const pick = draw?.[t];
    const n = pick ? pick.length : counts.length;
    for (let k = 0; k < n; k++) {
      const c = counts[pick ? pick[k]! : k]!;
      tp += c.tp;
      pred += c.pred;
      gold += c.gold;
    }
    sum += f1Of(tp, pred, gold);
  });
  return sum / tasks.length;
}

/** A small seeded generator (mulberry32): the interval is reproducible run to run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BootstrapDiff {
  /** Observed difference of the average F1 (candidate − reference), mean over the paired seeds. */
  diff: number;
  low: number;
  high: number;
  samples: number;
}

/**
 * Paired bootstrap of the average-F1 difference. `pairs` holds one [candidate, reference] per seed,
 * each a list of tasks' per-sentence counts over the same sentences in the same order.
 */
export function pairedBootstrap(
  pairs: readonly [candidate: readonly (readonly SentenceCounts[])[], reference: readonly (readonly SentenceCounts[])[]][],
  opts: { samples?: number; seed?: number; level?: number } = {},
): BootstrapDiff {
  if (pairs.length === 0) throw new RangeError('pairedBootstrap: no pairs');
  const sizes = pairs[0]![1].map((t) => t.length);
  for (const [a, b] of pairs) {
    if (a.length !== sizes.length || b.length !== sizes.length || a.some((t, i) => t.length !== sizes[i]) || b.some((t, i) => t.length !== sizes[i])) {
      throw new RangeError('pairedBootstrap: every run must score the same tasks over the same sentences');
    }
  }
  const samples = opts.samples ?? 1000;
  const level = opts.level ?? 0.95;
  const rand = mulberry32(opts.seed ?? 12345);
  const diffOf = (draw: number[][] | null) => pairs.reduce((s, [a, b]) => s + averageF1(a, draw) - averageF1(b, draw), 0) / pairs.length;
  const diffs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const draw = sizes.map((n) => Array.from({ length: n }, () => Math.floor(rand() * n)));
    diffs.push(diffOf(draw));
  }
  diffs.sort((x, y) => x - y);
  const at = (q: number) => diffs[Math.min(samples - 1, Math.max(0, Math.floor(q * samples)))]!;
  return { diff: diffOf(null), low: at((1 - level) / 2), high: at(1 - (1 - level) / 2), samples };
}

/** Mean and sample standard deviation (n − 1); sd is 0 for one value. */
export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}
