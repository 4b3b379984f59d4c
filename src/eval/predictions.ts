/**
 * predictions/<task>.<split>.txt in a run directory: one `token gold pred` line per scored word, a
 * blank line between sentences — the CoNLL layout conlleval and `hyperloader score` read (the last
 * two columns are the gold and the predicted tag), so a run's F1 can be rechecked from the file.
 */
import { writeFileAtomic } from '../runtime/fs.js';
import { join } from 'node:path';
import { HyperloaderError } from '../errors.js';
import type { PredictionRow } from './evaluate.js';

/**
 * A column value with no whitespace inside: the file is split on whitespace, so a token such as
 * "New York" (mTOD/MTOP span tokens, a U+00A0 in a user's CoNLL file) or a tag whose type holds a
 * space would shift the columns. Each run of whitespace becomes `_`. For tags this is applied to
 * gold and prediction alike, so the file scores the same unless two types differ only there.
 */
export function columnValue(value: string): string {
  return value.replace(/\s+/g, '_');
}

/**
 * The token column. A first column reading `-DOCSTART-` is a document marker to conlleval and the
 * score reader (the line would be skipped), so that token is written as `_-DOCSTART-`.
 */
function tokenColumn(token: string): string {
  const t = columnValue(token);
  return t === '-DOCSTART-' ? `_${t}` : t.length === 0 ? '_' : t;
}

/** The file's text. Sentences with no scored word (every tag truncated away) have no lines. */
export function predictionsText(rows: readonly PredictionRow[]): string {
  const blocks: string[] = [];
  rows.forEach((row, s) => {
    if (row.gold.length !== row.pred.length || row.tokens.length !== row.gold.length) {
      throw new RangeError(`sentence ${s + 1}: ${row.tokens.length} tokens, ${row.gold.length} gold tags, ${row.pred.length} predicted tags`);
    }
    if (row.tokens.length === 0) return;
    blocks.push(row.tokens.map((t, i) => `${tokenColumn(t)} ${columnValue(row.gold[i]!)} ${columnValue(row.pred[i]!)}\n`).join(''));
  });
  return blocks.join('\n');
}

/**
 * The predictions file's path in a run directory: predictions/<task>.<split>.txt for the final
 * evaluation, predictions/step-<N>/<task>.<split>.txt for the dev evaluation at step N.
 */
export function predictionsPath(runDir: string, task: string, split: string, step?: number): string {
  for (const [key, v] of [
    ['task', task],
    ['split', split],
  ] as const) {
    if (v.length === 0 || /[/\\\0]/.test(v) || v === '.' || v === '..') {
      throw new HyperloaderError(`${key} name ${JSON.stringify(v)} cannot be part of a file name (predictions/<task>.<split>.txt); rename it without / or \\`);
    }
  }
  const dir = step === undefined ? join(runDir, 'predictions') : join(runDir, 'predictions', `step-${step}`);
  return join(dir, `${task}.${split}.txt`);
}

/**
 * Writes predictions/<task>.<split>.txt atomically: a temporary file, flushed to disk, then renamed
 * over the old one, so a reader never sees half a file. Returns the path.
 */
export async function writePredictions(runDir: string, task: string, split: string, rows: readonly PredictionRow[], step?: number): Promise<string> {
  const file = predictionsPath(runDir, task, split, step);
  const text = predictionsText(rows);
  await writeFileAtomic(file, text);
  return file;
}

/**
 * One sentence for a log line: each word bare when gold and prediction are both O, `word/TAG` when
 * they agree, `word/GOLD→PRED` when they differ — what the model outputs, readable mid-run.
 */
export function sampleLine(row: PredictionRow): string {
  return row.tokens
    .map((t, i) => {
      const g = row.gold[i]!;
      const p = row.pred[i]!;
      if (g === p) return g === 'O' ? t : `${t}/${g}`;
      return `${t}/${g}→${p}`;
    })
    .join(' ');
}
