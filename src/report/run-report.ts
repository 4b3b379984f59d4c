/**
 * report.html of a run directory: one self-contained page (no script, nothing loaded) with the
 * training curves (loss per token raw and smoothed, learning rate, gradient norm, per task), dev F1
 * per task and averaged at each dev evaluation with the best one marked, the final F1 tables with
 * seqeval's per-type report (and the paper's number where results.md shows it), the entity-type
 * confusion table and the worst dev sentences computed from the predictions files, and the run's
 * resolved config, backend, parameters, time and memory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { HyperloaderError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { paperRowFor, type PaperRow } from '../eval/paper.js';
import { paperColumn, readResults, type Results, type SplitResults, type TaskScore } from '../eval/report.js';
import { parseConllColumns, type ConllColumns } from '../eval/conll-file.js';
import { predictionsPath } from '../eval/predictions.js';
import { cellOf, confusionTable, MISSED, SPURIOUS, type Confusion } from '../eval/confusion.js';
import { worstSentences } from '../eval/worst-sentences.js';
import { readRunInfo, type RunInfo } from '../train/run-folder.js';
import { writeFileAtomic } from '../runtime/fs.js';
import { downsample, ema, emaSpan, renderSvg } from './charts.js';
import { readMetrics, type EvalLine, type Metrics } from './metrics.js';
import { figure, frag, h, note, page, raw, table, type Child, type Html } from './html.js';

/** Points per task a per-step chart draws at most (longer series are thinned evenly). */
export const MAX_POINTS = 600;
/** Worst dev sentences shown per task. */
export const WORST_SENTENCES = 20;

const f4 = (x: number | undefined | null) => (x === undefined || x === null || !Number.isFinite(x) ? '–' : x.toFixed(4));
const int = (x: number | undefined | null) => (x === undefined || x === null ? '–' : x.toLocaleString('en-US'));
const gib = (b: number | undefined | null) => (b === undefined || b === null ? '–' : `${(b / 2 ** 30).toFixed(2)} GiB`);
function duration(s: number | undefined | null): string {
  if (s === undefined || s === null || !Number.isFinite(s)) return '–';
  if (s < 120) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  const m = Math.floor(whole / 60);
  return m < 120 ? `${m} min ${whole % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}


const W = 520;
const H = 230;

/** Everything the page is made from, read from the run directory. */
export interface RunData {
  dir: string;
  name: string;
  info: RunInfo | null;
  configText: string | null;
  config: Config | null;
  configError?: string;
  results: Results | null;
  resultsError?: string;
  metrics: Metrics;
  /** The best dev evaluation's step (checkpoints), when there is one. */
  bestStep: number | null;
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The best dev step: from the last checkpoint's state, else the best checkpoint's, else the highest average in metrics.jsonl. */
export function bestStepOf(runDir: string, evals: readonly EvalLine[]): number | null {
  const last = readJson<{ best?: { step: number } | null }>(join(runDir, 'checkpoints', 'last', 'state.json'));
  if (last?.best && typeof last.best.step === 'number') return last.best.step;
  const best = readJson<{ step?: number }>(join(runDir, 'checkpoints', 'best', 'state.json'));
  if (best && typeof best.step === 'number') return best.step;
  let top: EvalLine | null = null;
  for (const e of evals) if (e.split === 'dev' && (top === null || e.average_f1 > top.average_f1)) top = e;
  return top?.step ?? null;
}

export async function readRunData(dir: string): Promise<RunData> {
  const runDir = resolve(dir);
  const configFile = join(runDir, 'config.yaml');
  const info = readRunInfo(runDir);
  if (!existsSync(configFile) && !info) {
    throw new HyperloaderError(`${runDir} is not a run directory (no config.yaml, no run.json); pass a directory that \`hyperloader train\` created, e.g. runs/quickstart`, { exitCode: 2 });
  }
  const configText = existsSync(configFile) ? readFileSync(configFile, 'utf8') : null;
  let config: Config | null = null;
  let configError: string | undefined;
  if (configText !== null) {
    try {
      config = (await loadConfig(configFile)).config;
    } catch (e) {
      configError = (e as Error).message;
    }
  }
  const metrics = readMetrics(runDir);
  let results: Results | null = null;
  let resultsError: string | undefined;
  try {
    results = readResults(runDir);
  } catch (e) {
    resultsError = (e as Error).message;
  }
  return { dir: runDir, name: info?.name ?? basename(runDir), info, configText, config, configError, results, resultsError, metrics, bestStep: bestStepOf(runDir, metrics.evals) };
}

// ---------------------------------------------------------------- training curves

interface SeriesPoint {
  step: number;
  task: string;
  value: number;
  kind: 'raw' | 'smoothed';
}

/** Per task, the raw series thinned to MAX_POINTS and its EMA (computed on every step, then thinned the same way). */
export function seriesOf(m: Metrics, key: 'loss_per_token' | 'grad_norm' | 'lr', smooth: boolean): { points: SeriesPoint[]; span: number } {
  const tasks = [...new Set(m.steps.map((s) => s.task))];
  const points: SeriesPoint[] = [];
  let span = 0;
  for (const task of tasks) {
    const lines = m.steps.filter((s) => s.task === task && Number.isFinite(s[key]));
    const values = lines.map((s) => s[key]);
    const idx = downsample(lines.map((_, i) => i), MAX_POINTS);
    for (const i of idx) points.push({ step: lines[i]!.step, task, value: values[i]!, kind: 'raw' });
    if (smooth) {
      const n = emaSpan(values.length);
      span = Math.max(span, n);
      const s = ema(values, 2 / (n + 1));
      for (const i of idx) points.push({ step: lines[i]!.step, task, value: s[i]!, kind: 'smoothed' });
    }
  }
  return { points, span };
}

/** Names in the run's task order (the config's, then any other), so a task has one colour in every chart. */
function ordered(d: RunData, names: Iterable<string>): string[] {
  const present = new Set(names);
  return [...tasksOf(d).filter((t) => present.has(t)), ...[...present].filter((t) => !tasksOf(d).includes(t))];
}

function lineChart(points: SeriesPoint[], yTitle: string, opts: { smooth: boolean; log?: boolean; order: string[] }): TopLevelSpec {
  const x = { field: 'step', type: 'quantitative', title: 'step' } as const;
  const y = { field: 'value', type: 'quantitative', title: yTitle, scale: opts.log ? { type: 'log' } : { zero: false } } as const;
  const color = { field: 'task', type: 'nominal', title: 'task', scale: { domain: opts.order }, legend: { symbolOpacity: 1, symbolStrokeWidth: 2 } } as const;
  const raw = { transform: [{ filter: "datum.kind === 'raw'" }], mark: { type: 'line', strokeWidth: 1, opacity: opts.smooth ? 0.35 : 1 }, encoding: { x, y, color } };
  const layers: unknown[] = [raw];
  if (opts.smooth) layers.push({ transform: [{ filter: "datum.kind === 'smoothed'" }], mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color } });
  return { width: W, height: H, data: { values: points }, layer: layers } as unknown as TopLevelSpec;
}

async function trainingCharts(d: RunData): Promise<Html> {
  const m = d.metrics;
  if (m.steps.length === 0) return note('No training steps in metrics.jsonl: no curves to draw.');
  const loss = seriesOf(m, 'loss_per_token', true);
  const grad = seriesOf(m, 'grad_norm', true);
  const lr = seriesOf(m, 'lr', false);
  const order = ordered(d, m.steps.map((s) => s.task));
  const thinned = m.steps.length > MAX_POINTS * new Set(m.steps.map((s) => s.task)).size;
  const thin = thinned ? `Drawn from at most ${MAX_POINTS} evenly spaced steps per task (the smoothing uses every step).` : null;
  const figs: Html[] = [
    figure('loss', 'Loss per token', await renderSvg(lineChart(loss.points, 'loss per token', { smooth: true, order })), `Thin lines: each step; thick: exponential moving average over a span of ${loss.span} steps of that task (bias-corrected).`, thin),
    figure('lr', 'Learning rate', await renderSvg(lineChart(lr.points, 'learning rate', { smooth: false, order })), 'The rate of each step, coloured by the task the step trained.', thin),
    figure('grad-norm', 'Gradient norm', await renderSvg(lineChart(grad.points, 'gradient norm', { smooth: true, order })), `The global norm of all gradients before clipping (training.clip_norm). Thin lines: each step; thick: moving average over a span of ${grad.span} steps.`, thin),
  ];
  return frag(h('div', { class: 'charts' }, figs), m.skipped > 0 ? note(`${m.skipped} line(s) of metrics.jsonl were not readable and were skipped.`) : null);
}

// ---------------------------------------------------------------- dev F1 over steps

interface DevPoint {
  step: number;
  series: string;
  f1: number;
  kind: string;
}

export function devPoints(d: RunData): DevPoint[] {
  const points: DevPoint[] = [];
  const seen = new Set<number>();
  for (const e of d.metrics.evals) {
    if (e.split !== 'dev') continue;
    seen.add(e.step);
    for (const [task, f1] of Object.entries(e.f1)) points.push({ step: e.step, series: task, f1, kind: 'dev evaluation' });
    points.push({ step: e.step, series: 'average', f1: e.average_f1, kind: 'dev evaluation' });
  }
  // The final table's dev scores, when they are of the last step and no periodic evaluation had it.
  const dev = d.results?.splits.find((s) => s.split === 'dev');
  if (dev && d.results!.checkpoint === 'last' && !seen.has(d.results!.step)) {
    for (const t of dev.tasks) points.push({ step: d.results!.step, series: t.task, f1: t.f1, kind: 'final table' });
    points.push({ step: d.results!.step, series: 'average', f1: dev.average.f1, kind: 'final table' });
  }
  return points;
}

async function devChart(d: RunData): Promise<Html> {
  const points = devPoints(d);
  if (points.length === 0) return note('No dev evaluation yet (training.eval_every is 0 and no final dev table): no dev F1 curve.');
  const x = { field: 'step', type: 'quantitative', title: 'step', scale: { zero: true } };
  const y = { field: 'f1', type: 'quantitative', title: 'dev F1', scale: { domain: [0, 1] } };
  const color = { field: 'series', type: 'nominal', title: 'task', scale: { domain: [...ordered(d, points.filter((p) => p.series !== 'average').map((p) => p.series)), 'average'] } };
  const layers: unknown[] = [
    { transform: [{ filter: "datum.series !== 'average'" }], mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color } },
    { transform: [{ filter: "datum.series === 'average'" }], mark: { type: 'line', strokeWidth: 2, strokeDash: [6, 3] }, encoding: { x, y, color } },
    { mark: { type: 'point', filled: true, size: 40 }, encoding: { x, y, color, shape: { field: 'kind', type: 'nominal', title: 'from' } } },
  ];
  const best = d.bestStep;
  const bestAvg = points.find((p) => p.step === best && p.series === 'average' && p.kind === 'dev evaluation');
  if (best !== null && bestAvg) {
    layers.push(
      { data: { values: [{ step: best }] }, mark: { type: 'rule', strokeDash: [2, 2], color: '#57606a' }, encoding: { x: { field: 'step', type: 'quantitative' } } },
      { data: { values: [{ step: best, f1: bestAvg.f1 }] }, mark: { type: 'point', shape: 'diamond', size: 220, color: '#cf222e', filled: true }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'f1', type: 'quantitative' } } },
      { data: { values: [{ step: best, f1: bestAvg.f1, label: `best: step ${best}` }] }, mark: { type: 'text', dy: -14, color: '#cf222e', fontWeight: 'bold' }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'f1', type: 'quantitative' }, text: { field: 'label' } } },
    );
  }
  const spec = { width: W, height: H, data: { values: points }, layer: layers } as unknown as TopLevelSpec;
  const why = best !== null && bestAvg ? `The red diamond marks the best dev evaluation (average F1 ${f4(bestAvg.f1)} at step ${best}), the checkpoint kept as checkpoints/best.` : 'No periodic dev evaluation: no best checkpoint.';
  return figure('dev-f1', 'Dev F1 per task and averaged', await renderSvg(spec), 'Dashed: the unweighted average over tasks. ' + why);
}

// ---------------------------------------------------------------- tables

function splitTable(s: SplitResults, paper: PaperRow | null): Html {
  const col = paperColumn(s, paper);
  const head: Child[] = ['task', 'precision', 'recall', 'F1', 'sentences', 'gold', 'predicted', 'correct', ...(col ? ['paper F1'] : [])];
  const rows = s.tasks.map((t, i) => [t.task, f4(t.precision), f4(t.recall), f4(t.f1), int(t.sentences), int(t.gold), int(t.predicted), int(t.correct), ...(col ? [f4(col.tasks[i])] : [])]);
  const avg = { class: 'total', cells: ['average', f4(s.average.precision), f4(s.average.recall), f4(s.average.f1), '', '', '', '', ...(col ? [f4(col.average)] : [])] as Child[] };
  return frag(
    table(head, [...rows, avg]),
    col ? h('p', null, `Paper: ${col.label} (SPEC §8, test F1).`) : null,
    s.decode ? h('p', null, `Decoding: ${s.decode.sentences} sentences in ${s.decode.seconds.toFixed(1)} s at batch ${s.decode.batch_size} (${s.decode.sentences_per_second.toFixed(1)} sentences/s).`) : null,
  );
}

function perTypeTable(t: TaskScore): Html {
  if (t.metric === 'accuracy') {
    const tags = Object.entries(t.per_tag ?? {});
    if (tags.length === 0) return note('No per-tag accuracy recorded.');
    return table(['tag', 'accuracy', 'correct', 'support'], tags.map(([tag, s]) => [tag, f4(s.accuracy), int(s.correct), int(s.support)]));
  }
  const types = Object.entries(t.per_type ?? {});
  if (!t.per_type) return note('No per-type report in results.json (written by an older version).');
  if (types.length === 0) return note('No entity in gold or prediction.');
  const rows: (Child[] | { cells: Child[]; class: string })[] = types.map(([type, s]) => [type, f4(s.precision), f4(s.recall), f4(s.f1), int(s.support), int(s.n_pred), int(s.tp)]);
  rows.push({ class: 'total', cells: ['micro avg', f4(t.precision), f4(t.recall), f4(t.f1), int(t.gold), int(t.predicted), int(t.correct)] });
  if (t.macro) rows.push({ class: 'total', cells: ['macro avg', f4(t.macro.precision), f4(t.macro.recall), f4(t.macro.f1), int(t.macro.support), '', ''] });
  if (t.weighted) rows.push({ class: 'total', cells: ['weighted avg', f4(t.weighted.precision), f4(t.weighted.recall), f4(t.weighted.f1), int(t.weighted.support), '', ''] });
  return table(['type', 'precision', 'recall', 'F1', 'support', 'predicted', 'correct'], rows);
}

function resultsSection(d: RunData): Html {
  const r = d.results;
  if (d.resultsError) return note(`results.json cannot be read: ${d.resultsError}`);
  if (!r) return note('No results.json yet: the run has not been evaluated (it evaluates at the end of training, or with `hyperloader eval`).');
  const paper = d.config ? paperRowFor(d.config) : r.paper;
  return frag(
    h('p', null, `Checkpoint ${r.checkpoint} (step ${r.step}); seqeval micro precision, recall and F1 in ${r.mode} mode, as fractions; the average is unweighted over tasks.`),
    r.splits.map((s) =>
      frag(
        h('h3', null, `${s.split}`),
        splitTable(s, paper),
        s.tasks.map((t) => frag(h('h4', null, `${s.split} · ${t.task}: ${t.metric === 'accuracy' ? 'accuracy per gold tag' : 'per entity type'}`), perTypeTable(t))),
      ),
    ),
  );
}

// ---------------------------------------------------------------- predictions: confusion and worst sentences

interface TaskPredictions {
  task: string;
  split: string;
  metric: 'f1' | 'accuracy';
  file: string;
  cols?: ConllColumns;
  tokens?: string[][];
  error?: string;
}

function metricOf(d: RunData, task: string): 'f1' | 'accuracy' {
  for (const s of d.results?.splits ?? []) {
    const t = s.tasks.find((x) => x.task === task);
    if (t?.metric) return t.metric;
  }
  return d.config?.data.tasks.find((t) => t.name === task)?.metric ?? 'f1';
}

function tasksOf(d: RunData): string[] {
  const names = d.config?.data.tasks.map((t) => t.name) ?? [];
  for (const s of d.results?.splits ?? []) for (const t of s.tasks) if (!names.includes(t.task)) names.push(t.task);
  return names;
}

/** A predictions file read with its tokens; a missing file is `undefined`, an unreadable one carries its error. */
export function readPredictions(runDir: string, task: string, split: string, metric: 'f1' | 'accuracy'): TaskPredictions | undefined {
  let file: string;
  try {
    file = predictionsPath(runDir, task, split);
  } catch {
    return undefined;
  }
  if (!existsSync(file)) return undefined;
  try {
    const text = readFileSync(file, 'utf8');
    const cols = parseConllColumns(text, file);
    const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    const tokens = cols.lines.map((ls) => ls.map((l) => rows[l - 1]!.trim().split(/\s+/)[0]!));
    return { task, split, metric, file, cols, tokens };
  } catch (e) {
    return { task, split, metric, file, error: (e as Error).message };
  }
}

function confusionHtml(c: Confusion): Html {
  if (c.gold + c.predicted === 0) return note('No entity in gold or prediction.');
  const cols = [...c.predTypes, MISSED];
  const rows = [...c.goldTypes, SPURIOUS];
  const body = rows.map((g) => {
    const cells = cols.map((p) => {
      const n = cellOf(c, g, p);
      const partial = g === p ? n - (c.exact[g]?.[p] ?? 0) : 0;
      const cls = n === 0 ? 'zero' : g === p ? 'diag' : 'off';
      return h('td', { class: cls }, n === 0 ? '·' : partial > 0 ? `${n} (${partial} partial)` : String(n));
    });
    const total = cols.reduce((k, p) => k + cellOf(c, g, p), 0);
    return raw(h('tr', null, h('th', null, g), cells, h('td', null, String(total))).html);
  });
  const colTotals = [...c.predTypes.map((p) => rows.reduce((k, g) => k + cellOf(c, g, p), 0)), rows.reduce((k, g) => k + cellOf(c, g, MISSED), 0)];
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { class: 'confusion' },
      h('thead', null, h('tr', null, h('th', null, 'gold ╲ predicted'), cols.map((p) => h('th', null, p)), h('th', null, 'gold total'))),
      h('tbody', null, body, h('tr', { class: 'total' }, h('td', null, 'column total'), colTotals.map((n) => h('td', null, String(n))), h('td', null, ''))),
    ),
  );
}

function confusionSection(d: RunData): Html {
  const parts: Html[] = [];
  for (const split of ['dev', 'test']) {
    for (const task of tasksOf(d)) {
      const metric = metricOf(d, task);
      const p = readPredictions(d.dir, task, split, metric);
      if (!p) continue;
      parts.push(h('h3', null, `${split} · ${task}`));
      if (p.error) parts.push(note(`Cannot read ${p.file}: ${p.error}`));
      else if (metric === 'accuracy') parts.push(note('Scored per token (metric: accuracy): no entity spans to confuse; see its per-tag accuracy above.'));
      else parts.push(confusionHtml(confusionTable(p.cols!.gold, p.cols!.pred)));
    }
  }
  if (parts.length === 0) return note('No predictions files (predictions/<task>.<split>.txt) yet.');
  return frag(
    h(
      'p',
      null,
      'Entity spans (seqeval default-mode chunks) of the final predictions files, matched one to one per sentence, the pairs that share the most tokens first. ' +
        'A row counts the gold spans of a type by the type they were predicted as (partial: overlapping, other boundaries); missed: no predicted span overlaps; spurious: a predicted span no gold span matched.',
    ),
    parts,
  );
}

function sentenceHtml(p: TaskPredictions, rank: number, e: ReturnType<typeof worstSentences>[number]): Html {
  const tokens = p.tokens![e.index]!;
  const gold = p.cols!.gold[e.index]!;
  const pred = p.cols!.pred[e.index]!;
  const line = p.cols!.lines[e.index]![0]!;
  const scoreName = p.metric === 'accuracy' ? 'token accuracy' : 'sentence F1';
  return h(
    'div',
    { class: 'sentence' },
    h('div', null, h('strong', null, `${rank}.`), ` sentence ${e.index + 1} (line ${line}): ${e.wrong} of ${e.tokens} tags wrong, ${scoreName} ${f4(e.score)}`),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        null,
        h('tr', null, h('th', null, 'token'), tokens.map((t) => h('td', null, t))),
        h('tr', null, h('th', null, 'gold'), gold.map((t) => h('td', null, t))),
        h('tr', null, h('th', null, 'predicted'), pred.map((t, i) => h('td', t === gold[i] ? null : { class: 'bad' }, t))),
      ),
    ),
  );
}

function worstSection(d: RunData): Html {
  const parts: Html[] = [];
  for (const task of tasksOf(d)) {
    const p = readPredictions(d.dir, task, 'dev', metricOf(d, task));
    if (!p) continue;
    parts.push(h('h3', null, task));
    if (p.error) {
      parts.push(note(`Cannot read ${p.file}: ${p.error}`));
      continue;
    }
    const worst = worstSentences(p.cols!.gold, p.cols!.pred, { n: WORST_SENTENCES, metric: p.metric });
    if (worst.length === 0) parts.push(note('Every dev sentence is tagged right.'));
    else parts.push(...worst.map((e, i) => sentenceHtml(p, i + 1, e)));
  }
  if (parts.length === 0) return note('No dev predictions files (predictions/<task>.dev.txt) yet.');
  return frag(
    h('p', null, `Per task, the ${WORST_SENTENCES} dev sentences with the most wrong tags (ties: the lower sentence score first), from the final predictions; wrong predicted tags are marked.`),
    parts,
  );
}

// ---------------------------------------------------------------- the run's facts

function factsSection(d: RunData): Html {
  const i = d.info;
  const facts: [string, Child][] = [
    ['status', i?.status ?? '–'],
    ['step', i ? `${int(i.step)} of ${int(i.steps)}` : '–'],
    ['backend', i?.backend ?? '–'],
    ['trainable parameters', int(i?.trainable_parameters)],
    ['frozen parameters', typeof i?.total_parameters === 'number' && typeof i.trainable_parameters === 'number' ? int(i.total_parameters - i.trainable_parameters) : '–'],
    ['total parameters', int(i?.total_parameters)],
    ['training time', duration(i?.train_seconds)],
    ['time per step', i?.seconds_per_step ? `${i.seconds_per_step.toFixed(3)} s` : '–'],
    ['training examples/s', typeof i?.examples_per_second === 'number' ? i.examples_per_second.toFixed(1) : '–'],
    ['peak resident memory (RSS)', gib(i?.memory?.max_rss_bytes)],
    ['wasm heap', gib(i?.memory?.wasm_heap_bytes)],
    ['tokenizer', i?.tokenizer ?? '–'],
    ['created', i?.created ?? '–'],
    ['updated', i?.updated ?? '–'],
    ['hyperloader', i?.hyperloader_version ?? '–'],
  ];
  if (i?.error) facts.push(['error', i.error]);
  for (const s of d.results?.splits ?? []) if (s.decode) facts.push([`${s.split} decoding`, `${s.decode.sentences_per_second.toFixed(1)} sentences/s, ${s.decode.ms_per_sentence.toFixed(1)} ms per sentence at batch ${s.decode.batch_size}`]);
  return h('dl', { class: 'facts' }, facts.map(([k, v]) => frag(h('dt', null, k), h('dd', null, v))));
}

/** The page. */
export async function runReportHtml(dir: string, opts: { now?: Date } = {}): Promise<string> {
  const d = await readRunData(dir);
  const sections: [string, string, Child][] = [
    ['run', 'Run', factsSection(d)],
    ['training', 'Training', await trainingCharts(d)],
    ['dev', 'Dev F1 over training', await devChart(d)],
    ['results', 'Results', resultsSection(d)],
    ['confusion', 'Entity types confused', confusionSection(d)],
    ['worst', 'Worst dev sentences', worstSection(d)],
    ['config', 'Resolved config', d.configText === null ? note('No config.yaml.') : frag(d.configError ? note(`config.yaml does not load now: ${d.configError}`) : null, h('pre', null, d.configText))],
  ];
  const avg = (split: string) => d.results?.splits.find((s) => s.split === split)?.average.f1;
  const headline = ['dev', 'test'].filter((s) => avg(s) !== undefined).map((s) => `${s} average F1 ${f4(avg(s))}`).join(' · ');
  const body = frag(
    h('h1', null, `Run report: ${d.name}`),
    h('p', { class: 'sub' }, [d.dir, headline, `written ${(opts.now ?? new Date()).toISOString()}`].filter(Boolean).join(' · ')),
    h('nav', null, sections.map(([id, title]) => h('a', { href: `#${id}` }, title))),
    sections.map(([id, title, content]) => h('section', { id }, h('h2', null, title), content)),
  );
  return page(`hyperloader run ${d.name}`, body);
}

/** Writes R/report.html; returns its path. */
export async function writeRunReport(dir: string): Promise<string> {
  const file = join(resolve(dir), 'report.html');
  await writeFileAtomic(file, await runReportHtml(dir));
  return file;
}
