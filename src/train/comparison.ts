/**
 * An ablation's comparison (comparison.md / comparison.csv): for every run, dev and test F1 per
 * task and averaged; its cost (trainable and total parameters, parameters per added task, time per
 * step, training time, throughput, peak memory, decoding speed); and, when a variant ran with
 * several seeds, mean ± standard deviation across seeds and a paired bootstrap 95% interval for
 * its difference from the first variant (eval/bootstrap.ts), over the test predictions.
 */
import { existsSync } from 'node:fs';
import type { AblationRun } from './ablate.js';
import type { RunInfo } from './run-folder.js';
import type { Results, SplitResults } from '../eval/report.js';
import { meanSd, pairedBootstrap, sentenceCounts, type BootstrapDiff, type SentenceCounts } from '../eval/bootstrap.js';
import { readConllColumns } from '../eval/conll-file.js';
import { predictionsPath } from '../eval/predictions.js';

export interface Row {
  run: AblationRun;
  info: RunInfo | null;
  results: Results | null;
  /** The run's folder (for the paired bootstrap over its predictions); absent: no interval. */
  dir?: string;
  /** Trainable parameters one more task would add (train/profile.ts parametersPerTask). */
  perTask?: number;
}

type Split = 'dev' | 'test';
const splitOf = (row: Row, split: Split): SplitResults | undefined => row.results?.splits.find((s) => s.split === split);

function tasksOf(rows: readonly Row[]): string[] {
  const names: string[] = [];
  for (const r of rows) for (const s of r.results?.splits ?? []) for (const t of s.tasks) if (!names.includes(t.task)) names.push(t.task);
  return names;
}

const f1Of = (row: Row, split: Split, task: string) => splitOf(row, split)?.tasks.find((t) => t.task === task)?.f1;

/** The cost columns of one run, from its run.json and results.json. */
function cost(row: Row) {
  const i = row.info;
  const test = splitOf(row, 'test') ?? splitOf(row, 'dev');
  return {
    trainable: i?.trainable_parameters,
    total: i?.total_parameters,
    perTask: row.perTask,
    secondsPerStep: i && i.step > 0 ? i.train_seconds / i.step : undefined,
    trainSeconds: i?.train_seconds,
    examplesPerSecond: i?.examples_per_second,
    rss: i?.memory?.max_rss_bytes,
    wasmHeap: i?.memory?.wasm_heap_bytes ?? undefined,
    decodeMs: test?.decode?.ms_per_sentence,
    decodeRate: test?.decode?.sentences_per_second,
  };
}

const f4 = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(4));
const f1 = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(1));
const f3 = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(3));
const int = (x: number | undefined) => (x === undefined ? '–' : x.toLocaleString('en-US'));
const mib = (x: number | undefined) => (x === undefined ? '–' : (x / 2 ** 20).toFixed(0));

/** Variants in first-seen order, each with its runs. */
function byVariant(rows: readonly Row[]): [string, Row[]][] {
  const out = new Map<string, Row[]>();
  for (const r of rows) out.set(r.run.variant, [...(out.get(r.run.variant) ?? []), r]);
  return [...out];
}

/** Per task, each test sentence's counts, from the run's predictions file; null when a file is missing. */
function testCounts(row: Row, tasks: readonly string[]): SentenceCounts[][] | null {
  if (!row.dir) return null;
  const test = splitOf(row, 'test');
  if (!test) return null;
  const out: SentenceCounts[][] = [];
  for (const task of tasks) {
    const file = predictionsPath(row.dir, task, 'test');
    if (!existsSync(file)) return null;
    const cols = readConllColumns(file);
    const metric = test.tasks.find((t) => t.task === task)?.metric === 'accuracy' ? 'accuracy' : 'f1';
    out.push(sentenceCounts(cols.gold, cols.pred, { mode: row.results?.mode ?? 'default', metric }));
  }
  return out;
}

export interface SeedSummary {
  variant: string;
  seeds: number[];
  /** Mean ± sd across seeds of each task's F1 and of the average (the reported split). */
  tasks: Record<string, { mean: number; sd: number }>;
  average: { mean: number; sd: number };
  /** Candidate − the first variant, paired by seed, over test sentences; null for the first or when predictions are missing. */
  vsFirst: BootstrapDiff | null;
}

/** Seed statistics per variant; the bootstrap pairs each variant's runs with the first variant's by seed. */
export function seedSummaries(rows: readonly Row[], opts: { samples?: number } = {}): SeedSummary[] {
  const split: Split = rows.every((r) => splitOf(r, 'test')) ? 'test' : 'dev';
  const tasks = tasksOf(rows);
  const groups = byVariant(rows);
  const [, reference] = groups[0] ?? ['', []];
  return groups.map(([variant, runs], g) => {
    const done = runs.filter((r) => splitOf(r, split));
    let vsFirst: BootstrapDiff | null = null;
    if (g > 0 && split === 'test') {
      // Every seed must pair (the reference ran it, both kept their predictions): a partial pairing
      // would report an interval for a different set of seeds than the mean beside it.
      const pairs: [SentenceCounts[][], SentenceCounts[][]][] = [];
      let unpaired = false;
      for (const r of done) {
        const ref = reference.find((x) => x.run.seed === r.run.seed);
        const a = testCounts(r, tasks);
        const b = ref ? testCounts(ref, tasks) : null;
        if (a && b) pairs.push([a, b]);
        else unpaired = true;
      }
      // Runs that scored different sentences (another data fraction, say) cannot be paired: no interval.
      const same = pairs.filter(([a, b]) => a.length === b.length && a.every((t, i) => t.length === b[i]!.length));
      if (!unpaired && same.length > 0 && same.length === pairs.length) vsFirst = pairedBootstrap(same, { samples: opts.samples ?? 1000 });
    }
    return {
      variant,
      seeds: done.map((r) => r.run.seed),
      tasks: Object.fromEntries(tasks.map((t) => [t, meanSd(done.map((r) => f1Of(r, split, t) ?? 0))])),
      average: meanSd(done.map((r) => splitOf(r, split)!.average.f1)),
      vsFirst,
    };
  });
}

export function comparisonMarkdown(name: string, rows: readonly Row[]): string {
  const tasks = tasksOf(rows);
  const lines = [`# Ablation: ${name}`, ''];
  for (const split of ['test', 'dev'] as const) {
    if (!rows.some((r) => splitOf(r, split))) continue;
    lines.push(
      `## ${split} F1`,
      '',
      'seqeval micro F1 as fractions (token accuracy for `metric: accuracy` tasks); the average is unweighted over tasks.',
      '',
      `| variant | seed | ${tasks.join(' | ')} | average |`,
      `|---|---|${tasks.map(() => '---|').join('')}---|`,
    );
    for (const r of rows) {
      lines.push(`| ${r.run.variant} | ${r.run.seed} | ${tasks.map((t) => f4(f1Of(r, split, t))).join(' | ')} | **${f4(splitOf(r, split)?.average.f1)}** |`);
    }
    lines.push('');
  }
  lines.push(
    '## cost',
    '',
    'From each run\'s run.json and results.json: parameters (trainable = the PEFT parameters when the backbone is frozen), the trainable parameters one more task adds, ' +
      'mean training time per step, total training time, training examples/s, the process\'s peak RSS and the wasm heap, and test decoding (ms per sentence and sentences/s at eval.batch_size).',
    '',
    '| variant | seed | trainable params | total params | params per task | s/step | train time (s) | examples/s | peak RSS (MiB) | wasm heap (MiB) | decode ms/sentence | decode sentences/s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of rows) {
    const c = cost(r);
    lines.push(
      `| ${r.run.variant} | ${r.run.seed} | ${int(c.trainable)} | ${int(c.total)} | ${int(c.perTask)} | ${f3(c.secondsPerStep)} | ${f1(c.trainSeconds)} | ${f1(c.examplesPerSecond)} | ${mib(c.rss)} | ${mib(c.wasmHeap)} | ${f1(c.decodeMs)} | ${f1(c.decodeRate)} |`,
    );
  }
  const anyResults = rows.some((r) => r.results && r.results.splits.length > 0);
  if (anyResults && rows.some((r, i) => rows.findIndex((x) => x.run.variant === r.run.variant) !== i)) {
    const split = rows.every((r) => splitOf(r, 'test')) ? 'test' : 'dev';
    const summaries = seedSummaries(rows);
    const first = summaries[0]?.variant;
    const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
    lines.push(
      '',
      '## across seeds',
      '',
      `${split} F1, mean ± sample standard deviation over each variant's seeds that have results. Δ vs ${first}: the difference of the average F1 (paired by seed), with a paired bootstrap 95% interval over test sentences (1,000 resamples, the same draw for both variants).`,
      '',
      row(['variant', 'seeds', ...tasks, 'average', `Δ vs ${first} (95% CI)`]),
      row(['---', '---', ...tasks.map(() => '---'), '---', '---']),
    );
    const pm = (x: { mean: number; sd: number }) => (Number.isFinite(x.mean) ? `${x.mean.toFixed(4)} ± ${x.sd.toFixed(4)}` : '–');
    for (const s of summaries) {
      const d = s.vsFirst ? `${s.vsFirst.diff >= 0 ? '+' : ''}${s.vsFirst.diff.toFixed(4)} [${s.vsFirst.low.toFixed(4)}, ${s.vsFirst.high.toFixed(4)}]` : s.variant === first ? '(reference)' : '–';
      lines.push(row([s.variant, s.seeds.join(', ') || '–', ...tasks.map((t) => pm(s.tasks[t]!)), `**${pm(s.average)}**`, d]));
    }
  }
  return lines.join('\n') + '\n';
}

export function comparisonCsv(rows: readonly Row[]): string {
  const tasks = tasksOf(rows);
  const head = [
    'variant', 'seed',
    ...tasks.map((t) => `dev_${t}`), 'dev_average', ...tasks.map((t) => `test_${t}`), 'test_average',
    'trainable_parameters', 'total_parameters', 'parameters_per_task', 'seconds_per_step', 'train_seconds', 'examples_per_second',
    'max_rss_bytes', 'wasm_heap_bytes', 'decode_ms_per_sentence', 'decode_sentences_per_second',
  ];
  const v = (x: number | undefined) => (x === undefined ? '' : String(x));
  const out = [head.join(',')];
  for (const r of rows) {
    const c = cost(r);
    out.push(
      [
        r.run.variant, r.run.seed,
        ...tasks.map((t) => v(f1Of(r, 'dev', t))), v(splitOf(r, 'dev')?.average.f1),
        ...tasks.map((t) => v(f1Of(r, 'test', t))), v(splitOf(r, 'test')?.average.f1),
        v(c.trainable), v(c.total), v(c.perTask), v(c.secondsPerStep), v(c.trainSeconds), v(c.examplesPerSecond),
        v(c.rss), v(c.wasmHeap), v(c.decodeMs), v(c.decodeRate),
      ].join(','),
    );
  }
  return out.join('\n') + '\n';
}
