/**
 * Reads a CoNLL-style evaluation file, the input conlleval takes: whitespace-separated columns whose
 * last two are the gold and the predicted tag, a blank line between sentences. `-DOCSTART-` lines are
 * document markers, not tokens: they end the current sentence and are skipped. Like conlleval, every
 * token line must have the same number of columns, so a line that lost a column is caught.
 */
import { readFileSync } from 'node:fs';
import { HyperloaderError } from '../errors.js';

export interface ConllColumns {
  /** Gold tags per sentence (the second-to-last column). */
  gold: string[][];
  /** Predicted tags per sentence (the last column). */
  pred: string[][];
  /** 1-based line number of each token, per sentence. */
  lines: number[][];
}

/** Parses the text of a gold/pred column file; `source` names it in error messages. */
export function parseConllColumns(text: string, source: string): ConllColumns {
  const out: ConllColumns = { gold: [], pred: [], lines: [] };
  let gold: string[] = [];
  let pred: string[] = [];
  let lines: number[] = [];
  let width: { columns: number; line: number } | undefined;
  const tagLike = { gold: 0, pred: 0 };
  const endSentence = () => {
    if (gold.length === 0) return;
    out.gold.push(gold);
    out.pred.push(pred);
    out.lines.push(lines);
    gold = [];
    pred = [];
    lines = [];
  };
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  rows.forEach((row, index) => {
    const lineNo = index + 1;
    const cols = row.trim().split(/\s+/).filter(Boolean);
    if (cols.length === 0 || cols[0] === '-DOCSTART-') {
      endSentence();
      return;
    }
    if (cols.length < 2) {
      throw new HyperloaderError(
        `${source}:${lineNo}: expected at least 2 whitespace-separated columns (…, gold tag, predicted tag), ` +
          `found 1 ("${row.trim()}"). Add the missing tag, or leave the line empty if it was meant as a sentence break.`,
      );
    }
    if (!width) width = { columns: cols.length, line: lineNo };
    else if (cols.length !== width.columns) {
      throw new HyperloaderError(
        `${source}:${lineNo}: ${cols.length} columns, but line ${width.line} has ${width.columns}; ` +
          `every token line needs the same columns (the last two are the gold and the predicted tag). Fix line ${lineNo}.`,
      );
    }
    const g = cols[cols.length - 2] as string;
    const p = cols[cols.length - 1] as string;
    for (const [tag, which] of [
      [g, 'gold'],
      [p, 'predicted'],
    ] as const) {
      if (EMPTY_TYPE.test(tag)) {
        throw new HyperloaderError(`${source}:${lineNo}: the ${which} tag "${tag}" has no entity type after its prefix; write it as ${tag}TYPE, or O.`);
      }
    }
    if (TAG.test(g)) tagLike.gold++;
    if (TAG.test(p)) tagLike.pred++;
    gold.push(g);
    pred.push(p);
    lines.push(lineNo);
  });
  endSentence();
  if (out.gold.length === 0) {
    throw new HyperloaderError(`${source}: no token lines found; expected lines of "token gold pred" with a blank line between sentences.`);
  }
  // A file missing a column (token + gold only) reads its tokens as the gold tags: not one of them
  // looks like a tag, which real gold and predicted columns always do somewhere.
  for (const [which, n, col] of [
    ['gold', tagLike.gold, 'second-to-last'],
    ['predicted', tagLike.pred, 'last'],
  ] as const) {
    if (n === 0) {
      const first = out.lines[0]![0]!;
      throw new HyperloaderError(
        `${source}: the ${col} column, read as the ${which} tags, holds no tag at all (line ${first}: "${rows[first - 1]!.trim()}"). ` +
          'The last two columns must be the gold and the predicted tag (O, B-TYPE, I-TYPE, …): is a column missing, e.g. a file of "token gold" without predictions?',
      );
    }
  }
  return out;
}

/** O, or a scheme prefix and a type (B-PER, I-LOC, E-ORG, S-MISC, L-X, U-X). */
const TAG = /^(O|[BIESLU]-\S+)$/;
/** A prefix with nothing after it. */
const EMPTY_TYPE = /^[BIESLU]-$/;

/** Reads and parses a gold/pred column file. */
export function readConllColumns(path: string): ConllColumns {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String((err as Error).message);
    throw new HyperloaderError(`${path}: cannot read the file to score (${why}); pass a gold/pred column file.`, { cause: err });
  }
  return parseConllColumns(text, path);
}
