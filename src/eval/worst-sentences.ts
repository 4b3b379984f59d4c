/**
 * The sentences a model gets most wrong, for a person to read: ranked by the number of wrong tags
 * (gold ≠ predicted), then by the sentence's own score (entity F1 of its default-mode chunks; token
 * accuracy for `metric: accuracy` tasks), lowest first, then by position in the file. Sentences
 * with no wrong tag are never listed.
 */
import { sentenceSpans } from './confusion.js';

export interface SentenceError {
  /** 0-based position of the sentence in the split (its predictions file). */
  index: number;
  /** Tags that differ from gold. */
  wrong: number;
  tokens: number;
  /** Entity F1 of the sentence (1 when it has no entity on either side), or token accuracy. */
  score: number;
}

/** Entity F1 of one sentence: spans equal in type and both boundaries count; no entity on either side = 1. */
export function sentenceF1(gold: readonly string[], pred: readonly string[]): number {
  const g = sentenceSpans(gold);
  const p = sentenceSpans(pred);
  if (g.length + p.length === 0) return 1;
  const key = (s: { type: string; start: number; end: number }) => `${s.start}\u0000${s.end}\u0000${s.type}`;
  const goldKeys = new Set(g.map(key));
  const tp = p.filter((s) => goldKeys.has(key(s))).length;
  return (2 * tp) / (g.length + p.length);
}

/** The n worst sentences (see the file comment). */
export function worstSentences(
  gold: readonly (readonly string[])[],
  pred: readonly (readonly string[])[],
  opts: { n?: number; metric?: 'f1' | 'accuracy' } = {},
): SentenceError[] {
  if (gold.length !== pred.length) throw new RangeError(`${gold.length} gold sentences but ${pred.length} predicted`);
  const n = opts.n ?? 20;
  const all: SentenceError[] = gold.map((g, index) => {
    const p = pred[index]!;
    if (p.length !== g.length) throw new RangeError(`sentence ${index + 1}: ${g.length} gold tags but ${p.length} predicted`);
    const wrong = g.reduce((k, tag, i) => k + (tag === p[i] ? 0 : 1), 0);
    const score = opts.metric === 'accuracy' ? (g.length === 0 ? 1 : (g.length - wrong) / g.length) : sentenceF1(g, p);
    return { index, wrong, tokens: g.length, score };
  });
  return all
    .filter((s) => s.wrong > 0)
    .sort((a, b) => b.wrong - a.wrong || a.score - b.score || a.index - b.index)
    .slice(0, n);
}
