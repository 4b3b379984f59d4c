/**
 * metrics.jsonl as the reports read it: the per-step lines (task, loss per token, learning rate,
 * gradient norm, …) and the dev evaluations (average and per-task F1 at a step). Lines that are not
 * JSON (a line cut short by a kill) or of neither kind are counted and skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StepLine {
  step: number;
  task: string;
  loss_per_token: number;
  lr: number;
  grad_norm: number;
  examples_per_s?: number;
  seconds?: number;
  rss_bytes?: number;
}

export interface EvalLine {
  step: number;
  split: string;
  average_f1: number;
  f1: Record<string, number>;
}

export interface Metrics {
  steps: StepLine[];
  evals: EvalLine[];
  skipped: number;
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export function parseMetrics(text: string): Metrics {
  const out: Metrics = { steps: [], evals: [], skipped: 0 };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      out.skipped++;
      continue;
    }
    if (o === null || typeof o !== 'object' || !isNum(o.step)) out.skipped++;
    else if (typeof o.split === 'string' && isNum(o.average_f1)) {
      const f1 = Object.fromEntries(Object.entries((o.f1 ?? {}) as Record<string, unknown>).filter(([, v]) => isNum(v))) as Record<string, number>;
      out.evals.push({ step: o.step, split: o.split, average_f1: o.average_f1, f1 });
    } else if (typeof o.task === 'string' && isNum(o.loss_per_token ?? o.loss)) {
      out.steps.push({
        step: o.step,
        task: o.task,
        loss_per_token: (o.loss_per_token ?? o.loss) as number,
        lr: isNum(o.lr) ? o.lr : NaN,
        grad_norm: isNum(o.grad_norm) ? o.grad_norm : NaN,
        examples_per_s: isNum(o.examples_per_s) ? o.examples_per_s : undefined,
        seconds: isNum(o.seconds) ? o.seconds : undefined,
        rss_bytes: isNum(o.rss_bytes) ? o.rss_bytes : undefined,
      });
    } else out.skipped++;
  }
  return out;
}

/** The run's metrics.jsonl, or empty metrics when it has none. */
export function readMetrics(runDir: string): Metrics {
  const f = join(runDir, 'metrics.jsonl');
  return existsSync(f) ? parseMetrics(readFileSync(f, 'utf8')) : { steps: [], evals: [], skipped: 0 };
}
