/**
 * A run directory written by hand for the report tests: the files `hyperloader train` leaves
 * (config.yaml, run.json, metrics.jsonl, results.json, predictions/, checkpoints/last/state.json),
 * with as many steps, tasks and dev sentences as a test asks for, and optionally hostile text
 * (markup in task names, tokens and the config) to prove the page escapes it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configToYaml, loadConfig } from '../../src/config/load.js';
import type { Results, TaskScore } from '../../src/eval/report.js';
import { repoRoot } from '../helpers/paths.js';

export const HOSTILE_TASK = '<img src=x onerror=alert(1)>';
export const HOSTILE_TOKEN = '</td><script>alert("t")</script>';
export const HOSTILE_COMMENT = '# </pre><script src="https://evil.example/x.js"></script><style>@import url(http://evil.example/a.css)</style>';

export interface SyntheticOptions {
  steps?: number;
  tasks?: string[];
  evalEvery?: number;
  devSentences?: number;
  hostile?: boolean;
  /** The config to save (default: the quickstart's). */
  config?: string;
}

function taskScore(task: string, f1: number, sentences: number): TaskScore {
  return {
    task,
    precision: f1,
    recall: f1,
    f1,
    sentences,
    gold: sentences,
    predicted: sentences,
    correct: Math.round(f1 * sentences),
    metric: 'f1',
    per_type: {
      PER: { precision: f1, recall: f1, f1, support: sentences, tp: Math.round(f1 * sentences), n_pred: sentences, n_gold: sentences },
      [`LOC${task.length > 20 ? '<b>' : ''}`]: { precision: 1, recall: 0.5, f1: 2 / 3, support: 2, tp: 1, n_pred: 1, n_gold: 2 },
    },
    macro: { precision: 0.9, recall: 0.8, f1: 0.85, support: sentences + 2 },
    weighted: { precision: 0.9, recall: 0.8, f1: 0.85, support: sentences + 2 },
  };
}

/** Writes the run; returns its directory. */
export async function syntheticRun(opts: SyntheticOptions = {}): Promise<string> {
  const steps = opts.steps ?? 100;
  const tasks = opts.tasks ?? (opts.hostile ? ['demo_slots', HOSTILE_TASK] : ['demo_slots', 'demo_ner']);
  const evalEvery = opts.evalEvery ?? Math.max(1, Math.floor(steps / 5));
  const devSentences = opts.devSentences ?? 30;
  const dir = join(mkdtempSync(join(tmpdir(), 'hl-report-')), 'synthetic');
  mkdirSync(join(dir, 'predictions'), { recursive: true });
  mkdirSync(join(dir, 'checkpoints', 'last'), { recursive: true });

  const { config } = await loadConfig(join(repoRoot, opts.config ?? 'configs/quickstart.yaml'), ['experiment.name=synthetic']);
  writeFileSync(join(dir, 'config.yaml'), configToYaml(config) + (opts.hostile ? `${HOSTILE_COMMENT}\n` : ''));
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({
      name: 'synthetic',
      status: 'finished',
      hyperloader_version: '0.1.0',
      backend: 'wasm',
      tokenizer: opts.hostile ? 'tok<script>.json' : 'tokenizer.json',
      created: '2026-12-03T10:00:00.000Z',
      updated: '2026-12-03T11:00:00.000Z',
      step: steps,
      steps,
      trainable_parameters: 556560,
      total_parameters: 600000,
      train_seconds: steps * 0.5,
      examples_per_second: 64,
      seconds_per_step: 0.5,
      memory: { max_rss_bytes: 2 ** 30, wasm_heap_bytes: 2 ** 28 },
    }),
  );

  const lines: string[] = [];
  const evals: { step: number; average_f1: number }[] = [];
  for (let step = 1; step <= steps; step++) {
    const task = tasks[step % tasks.length]!;
    const loss = 7 * Math.exp(-step / (steps / 4)) + 0.1 + 0.05 * Math.sin(step);
    lines.push(JSON.stringify({ step, task, loss, loss_per_token: loss, lr: 1e-3 * Math.min(1, step / 10), grad_norm: 5 + Math.cos(step), examples: 32, tokens: 700, examples_per_s: 60, seconds: 0.5, rss_bytes: 4e8 }));
    if (step % evalEvery === 0 && step < steps) {
      // Rises to a peak at 60% of the run, then falls: the best is not the last evaluation.
      const f1 = Math.max(0, 0.9 - Math.abs(step / steps - 0.6));
      const perTask = Object.fromEntries(tasks.map((t, i) => [t, f1 - 0.01 * i]));
      const average_f1 = Object.values(perTask).reduce((a, b) => a + b, 0) / tasks.length;
      evals.push({ step, average_f1 });
      lines.push(JSON.stringify({ step, split: 'dev', average_f1, f1: perTask }));
    }
  }
  writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  const best = evals.reduce((a, b) => (b.average_f1 > a.average_f1 ? b : a), evals[0] ?? { step: 0, average_f1: 0 });
  writeFileSync(join(dir, 'checkpoints', 'last', 'state.json'), JSON.stringify({ version: 1, step: steps, best: evals.length ? best : null, evals: [] }));

  const results: Results = {
    run: 'synthetic',
    checkpoint: 'last',
    step: steps,
    mode: 'default',
    splits: (['dev', 'test'] as const).map((split) => {
      const ts = tasks.map((t, i) => taskScore(t, 0.8 - 0.1 * i, devSentences));
      return { split, tasks: ts, average: { precision: 0.75, recall: 0.75, f1: ts.reduce((a, t) => a + t.f1, 0) / ts.length } };
    }),
    paper: null,
  };
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2));

  // Predictions: sentence k has k % 4 wrong tags (sentence 0 is right).
  for (const split of ['dev', 'test']) {
    for (const task of tasks) {
      const blocks: string[] = [];
      for (let k = 0; k < devSentences; k++) {
        const words = ['Alice', 'met', opts.hostile && k === 1 ? HOSTILE_TOKEN : 'Bob', 'in', 'Paris', 'on', 'May', '2'];
        const gold = ['B-PER', 'O', 'B-PER', 'O', 'B-LOC', 'O', 'B-DATE', 'I-DATE'];
        const pred = [...gold];
        if (k % 4 >= 1) pred[0] = 'B-ORG';
        if (k % 4 >= 2) pred[4] = 'O';
        if (k % 4 >= 3) pred[1] = 'B-MISC';
        blocks.push(words.map((w, i) => `${w} ${gold[i]} ${pred[i]}\n`).join(''));
      }
      const safe = task.replace(/[/\\\0]/g, '_');
      writeFileSync(join(dir, 'predictions', `${safe}.${split}.txt`), blocks.join('\n'));
    }
  }
  return dir;
}

/** An ablation directory with comparison.csv (and comparison.md) written by hand. */
export function syntheticAblation(csv: string, md?: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'hl-ablation-')), 'ab');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'comparison.csv'), csv);
  if (md !== undefined) writeFileSync(join(dir, 'comparison.md'), md);
  return dir;
}

/** Three variants × two seeds, every column comparison.ts writes. */
export const SEEDED_CSV = `variant,seed,dev_demo_slots,dev_demo_ner,dev_average,test_demo_slots,test_demo_ner,test_average,trainable_parameters,total_parameters,parameters_per_task,seconds_per_step,train_seconds,examples_per_second,max_rss_bytes,wasm_heap_bytes,decode_ms_per_sentence,decode_sentences_per_second
hyperloader,1,0.9,0.8,0.85,0.88,0.79,0.835,556560,556560,64,0.47,28,67,515534848,260243456,9.2,108
hyperloader,2,0.92,0.82,0.87,0.9,0.81,0.855,556560,556560,64,0.49,29,66,515534848,260243456,9.2,108
lora,1,0.7,0.6,0.65,0.69,0.58,0.635,120000,556560,64,0.31,20,90,415534848,160243456,8.1,120
lora,2,0.74,0.62,0.68,0.72,0.6,0.66,120000,556560,64,0.30,19,91,415534848,160243456,8.1,120
adapters,1,0.8,0.7,0.75,0.79,0.69,0.74,300000,556560,64,0.40,25,80,415534848,160243456,8.1,120
adapters,2,0.82,0.71,0.765,0.8,0.7,0.75,300000,556560,64,0.41,25,80,415534848,160243456,8.1,120
`;
