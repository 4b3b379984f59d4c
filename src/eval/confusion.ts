/**
 * Which entity types a model confuses: a table of gold type × predicted type over matched spans,
 * plus the gold spans no prediction overlaps (missed) and the predicted spans no gold span claimed
 * (spurious). Spans are seqeval's default (conlleval) chunks of each sentence.
 *
 * Matching, per sentence, one to one and greedily by overlap (matchSpans): a gold span left
 * alone is missed, a predicted span left alone is spurious. So a row sums to the gold spans of its
 * type and a column to the predicted spans of its type.
 */
import { getEntitiesDefault } from './seqeval-default.js';

/** An entity span of one sentence, token offsets inclusive. */
export interface Span {
  type: string;
  start: number;
  end: number;
}

/** The row and column names for spans with no partner. */
export const MISSED = '(missed)';
export const SPURIOUS = '(spurious)';

export interface Confusion {
  /** Gold types (the rows, before SPURIOUS), sorted. */
  goldTypes: string[];
  /** Predicted types (the columns, before MISSED), sorted. */
  predTypes: string[];
  /** cells[gold type][predicted type], cells[gold type][MISSED], cells[SPURIOUS][predicted type]; absent = 0. */
  cells: Record<string, Record<string, number>>;
  /** Of each cell's matched pairs, those with exactly the same boundaries. */
  exact: Record<string, Record<string, number>>;
  /** Gold and predicted spans in all. */
  gold: number;
  predicted: number;
}

/** The default-mode chunks of one sentence's tags. */
export function sentenceSpans(tags: readonly string[]): Span[] {
  return getEntitiesDefault([tags]).map(([type, start, end]) => ({ type, start, end }));
}

const overlap = (a: Span, b: Span) => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start) + 1);

export interface SpanMatch {
  /** [gold index, predicted index] for every matched pair. */
  pairs: [number, number][];
  missed: number[];
  spurious: number[];
}

/**
 * One sentence's gold and predicted spans matched one to one, greedily by overlap: of all the
 * (gold, predicted) pairs that share a token, the pair sharing the most tokens is matched first
 * (ties: the earlier gold span, then the earlier predicted span), and so on while both are free.
 * A span with exactly a gold span's boundaries always matches it (nothing else can overlap it more).
 */
export function matchSpans(gold: readonly Span[], pred: readonly Span[]): SpanMatch {
  const candidates: [number, number, number][] = [];
  gold.forEach((g, i) => pred.forEach((p, k) => {
    const n = overlap(g, p);
    if (n > 0) candidates.push([n, i, k]);
  }));
  candidates.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
  const goldTaken = new Array<boolean>(gold.length).fill(false);
  const predTaken = new Array<boolean>(pred.length).fill(false);
  const pairs: [number, number][] = [];
  for (const [, i, k] of candidates) {
    if (goldTaken[i] || predTaken[k]) continue;
    pairs.push([i, k]);
    goldTaken[i] = predTaken[k] = true;
  }
  pairs.sort((a, b) => a[0] - b[0]);
  return {
    pairs,
    missed: gold.map((_, i) => i).filter((i) => !goldTaken[i]),
    spurious: pred.map((_, k) => k).filter((k) => !predTaken[k]),
  };
}

/** The confusion table of a split's sentences (gold and predicted tags, sentence by sentence). */
export function confusionTable(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]): Confusion {
  if (gold.length !== pred.length) throw new RangeError(`${gold.length} gold sentences but ${pred.length} predicted`);
  const cells: Record<string, Record<string, number>> = {};
  const exact: Record<string, Record<string, number>> = {};
  const goldTypes = new Set<string>();
  const predTypes = new Set<string>();
  const add = (table: Record<string, Record<string, number>>, row: string, col: string) => {
    const r = (table[row] ??= {});
    r[col] = (r[col] ?? 0) + 1;
  };
  let nGold = 0;
  let nPred = 0;
  gold.forEach((tags, s) => {
    const g = sentenceSpans(tags);
    const p = sentenceSpans(pred[s]!);
    nGold += g.length;
    nPred += p.length;
    for (const x of g) goldTypes.add(x.type);
    for (const x of p) predTypes.add(x.type);
    const m = matchSpans(g, p);
    for (const [i, k] of m.pairs) {
      add(cells, g[i]!.type, p[k]!.type);
      if (g[i]!.start === p[k]!.start && g[i]!.end === p[k]!.end) add(exact, g[i]!.type, p[k]!.type);
    }
    for (const i of m.missed) add(cells, g[i]!.type, MISSED);
    for (const k of m.spurious) add(cells, SPURIOUS, p[k]!.type);
  });
  const sorted = (xs: Set<string>) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { goldTypes: sorted(goldTypes), predTypes: sorted(predTypes), cells, exact, gold: nGold, predicted: nPred };
}

/** A cell's count (0 when absent). */
export function cellOf(c: Pick<Confusion, 'cells'>, row: string, col: string): number {
  return c.cells[row]?.[col] ?? 0;
}
