/**
 * seqeval's classification_report text (its StringReporter): a header, one row per type, a blank
 * line, the micro / macro / weighted averages and a trailing newline, e.g.
 *
 *                  precision    recall  f1-score   support
 *
 *             MISC       0.00      0.00      0.00         1
 *              PER       1.00      1.00      1.00         1
 *
 *        micro avg       0.50      0.50      0.50         2
 *        macro avg       0.50      0.50      0.50         2
 *     weighted avg       0.50      0.50      0.50         2
 *
 * (seqeval itself raises when no entity exists anywhere; we print the average rows instead.)
 */
import type { ModeScores, Prf } from './seqeval-metrics.js';
import { formatFixed, padLeft, pyLen } from './seqeval-format.js';

const HEADERS = ['precision', 'recall', 'f1-score', 'support'];

export function classificationReport(scores: ModeScores, digits = 2): string {
  const names = Object.keys(scores.per_type);
  const width = Math.max(0, ...names.map(pyLen), 'weighted avg'.length, digits);
  const row = (name: string, s: Prf) =>
    `${padLeft(name, width)} ` +
    [s.precision, s.recall, s.f1].map((x) => ` ${padLeft(formatFixed(x, digits), 9)}`).join('') +
    ` ${padLeft(String(s.support), 9)}`;
  const header = `${padLeft('', width)} ${HEADERS.map((h) => ` ${padLeft(h, 9)}`).join('')}\n\n`;
  const lines = [
    ...names.map((n) => row(n, scores.per_type[n] as Prf)),
    '',
    row('micro avg', scores.micro),
    row('macro avg', scores.macro),
    row('weighted avg', scores.weighted),
    '',
  ];
  return header + lines.join('\n');
}
