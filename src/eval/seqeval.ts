/**
 * The seqeval port's public face: score gold against predicted tag sequences the way the Python
 * `seqeval` package does, in default (conlleval-compatible) mode and in strict mode under a scheme.
 *
 *   scoreSentences(gold, pred, { scheme })  → accuracy, sizes, and both modes' scores (the fixtures' layout)
 *   scoreMode(gold, pred, { mode, scheme })  → one mode's scores (throws SchemeDecodeError in strict mode)
 *   microF1(gold, pred) / microPrf(gold, pred) → the paper's headline numbers (micro, default mode)
 */
import { getEntitiesDefault } from './seqeval-default.js';
import { groupByType, scoreEntities, tokenAccuracy, type ModeScores, type Prf } from './seqeval-metrics.js';
import { getEntitiesStrict, SchemeDecodeError, type Scheme } from './seqeval-scheme.js';

export { SCHEMES, SchemeDecodeError, isScheme, getEntitiesStrict, type Scheme, type StrictEntity } from './seqeval-scheme.js';
export { getEntitiesDefault, type DefaultEntity } from './seqeval-default.js';
export type { ModeScores, Prf, Counts, TypeScores } from './seqeval-metrics.js';

export const MODES = ['default', 'strict'] as const;
export type Mode = (typeof MODES)[number];

export type Sentences = readonly (readonly string[])[];

export interface ModeOptions {
  /** 'default' (seqeval without mode, like conlleval) or 'strict' (seqeval mode='strict'). Default 'default'. */
  mode?: Mode;
  /** The tagging scheme strict mode decodes with. Default IOB2. */
  scheme?: Scheme;
}

export interface StrictScores extends ModeScores {
  scheme: Scheme;
}

/** Everything `hyperloader score --json` prints for one file. */
export interface ScoreResult {
  /** Token accuracy (NaN when there are no tokens). */
  accuracy: number;
  n_sentences: number;
  n_tokens: number;
  default: ModeScores;
  /** Strict-mode scores, or the error seqeval raises when a tag does not fit the scheme. */
  strict: StrictScores | { error: string };
}

/** Throws when gold and prediction do not line up: that is a caller's bug, not something to score. */
function checkAligned(gold: Sentences, pred: Sentences): void {
  if (gold.length !== pred.length) {
    throw new RangeError(`gold has ${gold.length} sentences but prediction has ${pred.length}`);
  }
  gold.forEach((g, s) => {
    const p = pred[s] as readonly string[];
    if (g.length !== p.length) throw new RangeError(`sentence ${s}: gold has ${g.length} tags but prediction has ${p.length}`);
    for (const tag of [...g, ...p]) {
      if (typeof tag !== 'string' || tag.length === 0) throw new RangeError(`sentence ${s}: every tag must be a non-empty string`);
    }
  });
}

function scoreDefault(gold: Sentences, pred: Sentences): ModeScores {
  const key = (e: [string, number, number]) => `${e[1]}:${e[2]}`;
  return scoreEntities(
    groupByType(getEntitiesDefault(gold), (e) => e[0], key),
    groupByType(getEntitiesDefault(pred), (e) => e[0], key),
  );
}

function scoreStrict(gold: Sentences, pred: Sentences, scheme: Scheme): StrictScores {
  const key = (e: [number, string, number, number]) => `${e[0]}:${e[2]}:${e[3]}`;
  const goldEntities = getEntitiesStrict(gold, scheme); // gold first: its error is the one seqeval reports
  const predEntities = getEntitiesStrict(pred, scheme);
  const scores = scoreEntities(
    groupByType(goldEntities, (e) => e[1], key),
    groupByType(predEntities, (e) => e[1], key),
  );
  return { scheme, ...scores };
}

/** One mode's scores. Strict mode throws SchemeDecodeError where seqeval raises. */
export function scoreMode(gold: Sentences, pred: Sentences, options: ModeOptions = {}): ModeScores {
  checkAligned(gold, pred);
  return (options.mode ?? 'default') === 'strict' ? scoreStrict(gold, pred, options.scheme ?? 'IOB2') : scoreDefault(gold, pred);
}

/** Accuracy, sizes and both modes' scores; a strict decoding failure becomes `{ error }`. */
export function scoreSentences(gold: Sentences, pred: Sentences, options: { scheme?: Scheme } = {}): ScoreResult {
  checkAligned(gold, pred);
  let strict: ScoreResult['strict'];
  try {
    strict = scoreStrict(gold, pred, options.scheme ?? 'IOB2');
  } catch (err) {
    if (!(err instanceof SchemeDecodeError)) throw err;
    strict = { error: err.error };
  }
  return {
    accuracy: tokenAccuracy(gold, pred),
    n_sentences: gold.length,
    n_tokens: gold.reduce((n, s) => n + s.length, 0),
    default: scoreDefault(gold, pred),
    strict,
  };
}

/** Micro-averaged precision, recall and F1 (default mode unless told otherwise). */
export function microPrf(gold: Sentences, pred: Sentences, options: ModeOptions = {}): Prf {
  return scoreMode(gold, pred, options).micro;
}

/** Micro F1, the paper's metric (seqeval's f1_score; default mode unless told otherwise). */
export function microF1(gold: Sentences, pred: Sentences, options: ModeOptions = {}): number {
  return microPrf(gold, pred, options).f1;
}
