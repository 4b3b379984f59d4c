/**
 * Scoring per-token tags (a task with `metric: accuracy`: part of speech, morphology): token
 * accuracy over every scored word, and per gold tag the share of its tokens predicted right.
 * With one gold and one predicted tag per token, micro precision = recall = F1 = accuracy, so
 * the task's precision, recall and F1 fields hold the accuracy (the average over tasks then mixes
 * span F1 and token accuracy, each a micro score of its task); counts are tokens.
 */
import type { PredictionRow } from './evaluate.js';
import type { TaskScore } from './report.js';

export interface TagAccuracy {
  /** correct / support. */
  accuracy: number;
  /** Tokens with this gold tag predicted as it. */
  correct: number;
  /** Tokens with this gold tag. */
  support: number;
}

export function accuracyScoreOf(task: string, rows: readonly PredictionRow[]): TaskScore {
  let total = 0;
  let correct = 0;
  const per = new Map<string, { correct: number; support: number }>();
  for (const r of rows) {
    r.gold.forEach((g, i) => {
      const c = per.get(g) ?? { correct: 0, support: 0 };
      c.support++;
      total++;
      if (r.pred[i] === g) {
        c.correct++;
        correct++;
      }
      per.set(g, c);
    });
  }
  const accuracy = total > 0 ? correct / total : 0;
  const per_tag: Record<string, TagAccuracy> = {};
  for (const tag of [...per.keys()].sort()) {
    const c = per.get(tag)!;
    per_tag[tag] = { accuracy: c.correct / c.support, correct: c.correct, support: c.support };
  }
  return { task, metric: 'accuracy', precision: accuracy, recall: accuracy, f1: accuracy, accuracy, sentences: rows.length, gold: total, predicted: total, correct, per_tag };
}
