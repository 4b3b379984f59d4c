/**
 * seqeval's precision_recall_fscore_support on entity sets: per-type counts, then precision, recall
 * and F1 per type and as micro, macro and weighted averages, with seqeval's (scikit-learn's)
 * zero_division='warn' behaviour: a 0/0 precision or recall is 0, and so is the F1 of 0 and 0.
 */
import { compareCodePoints } from './seqeval-format.js';

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
  /** Number of gold entities. */
  support: number;
}

export interface Counts {
  /** Entities found in both gold and prediction (same type, same span). */
  tp: number;
  n_pred: number;
  n_gold: number;
}

export interface TypeScores extends Prf, Counts {}

/** One mode's scores: the layout of `expected.default` / `expected.strict` in the seqeval fixtures. */
export interface ModeScores {
  micro: Prf;
  macro: Prf;
  weighted: Prf;
  counts: Counts;
  /** Every type seen in gold or prediction, sorted as Python sorts strings. */
  per_type: Record<string, TypeScores>;
}

/** Entities grouped by type; each entity is a string key unique within its type (its span). */
export type EntitiesByType = Map<string, Set<string>>;

export function groupByType<T>(entities: readonly T[], typeOf: (e: T) => string, keyOf: (e: T) => string): EntitiesByType {
  const byType: EntitiesByType = new Map();
  for (const e of entities) {
    const type = typeOf(e);
    let set = byType.get(type);
    if (!set) byType.set(type, (set = new Set()));
    set.add(keyOf(e));
  }
  return byType;
}

/** a / b, or 0 when b is 0 (seqeval's zero_division='warn'). */
const divide = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** F1 from precision and recall, exactly as seqeval computes F-beta with beta = 1. */
const f1Of = (p: number, r: number): number => {
  const denom = p + r;
  return (2 * p * r) / (denom === 0 ? 1 : denom);
};

const prfOf = (tp: number, nPred: number, nGold: number): Prf => {
  const precision = divide(tp, nPred);
  const recall = divide(tp, nGold);
  return { precision, recall, f1: f1Of(precision, recall), support: nGold };
};

/** numpy.average with optional weights: sum(x·w) / sum(w); NaN for an empty list, as numpy gives. */
function average(xs: readonly number[], weights?: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    const w = weights ? (weights[i] as number) : 1;
    num += x * w;
    den += w;
  });
  return num / den;
}

/** Scores from gold and predicted entities grouped by type. */
export function scoreEntities(gold: EntitiesByType, pred: EntitiesByType): ModeScores {
  const types = [...new Set([...gold.keys(), ...pred.keys()])].sort(compareCodePoints);
  const per_type: Record<string, TypeScores> = {};
  const rows: TypeScores[] = [];
  const counts: Counts = { tp: 0, n_pred: 0, n_gold: 0 };
  for (const type of types) {
    const g = gold.get(type) ?? new Set<string>();
    const p = pred.get(type) ?? new Set<string>();
    let tp = 0;
    for (const key of p) if (g.has(key)) tp++;
    const row: TypeScores = { ...prfOf(tp, p.size, g.size), tp, n_pred: p.size, n_gold: g.size };
    per_type[type] = row;
    rows.push(row);
    counts.tp += tp;
    counts.n_pred += p.size;
    counts.n_gold += g.size;
  }
  const support = counts.n_gold;
  const micro = prfOf(counts.tp, counts.n_pred, counts.n_gold);
  const macro: Prf = {
    precision: average(rows.map((r) => r.precision)),
    recall: average(rows.map((r) => r.recall)),
    f1: average(rows.map((r) => r.f1)),
    support,
  };
  // With no gold entity the support-weighted mean is undefined; seqeval then returns zero_division (0)
  // for everything (and 0 for precision and F1 when something was predicted, which is also 0).
  const weights = rows.map((r) => r.n_gold);
  const weighted: Prf =
    support === 0
      ? { precision: 0, recall: 0, f1: 0, support }
      : {
          precision: average(rows.map((r) => r.precision), weights),
          recall: average(rows.map((r) => r.recall), weights),
          f1: average(rows.map((r) => r.f1), weights),
          support,
        };
  return { micro, macro, weighted, counts, per_type };
}

/** Token accuracy: the share of positions where the predicted tag equals the gold tag (NaN with no tokens). */
export function tokenAccuracy(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]): number {
  let correct = 0;
  let total = 0;
  gold.forEach((g, s) => {
    const p = pred[s] as readonly string[];
    g.forEach((tag, i) => {
      if (tag === p[i]) correct++;
      total++;
    });
  });
  return correct / total;
}
