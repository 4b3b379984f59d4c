/**
 * report.html of an ablation directory (what `hyperloader ablate` leaves in runs/<name>/): the
 * comparison tables (comparison.md) and charts drawn from comparison.csv — F1 per task per variant
 * (mean over seeds, with ± one standard deviation bars when a variant ran with several seeds), F1
 * against trainable parameters, F1 against time per step — each chart drawn from the columns the
 * CSV has, and skipped with a note when they are absent; links to each run's own report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { HyperloaderError } from '../errors.js';
import { meanSd } from '../eval/bootstrap.js';
import { writeFileAtomic } from '../runtime/fs.js';
import { renderSvg } from './charts.js';
import { figure, frag, h, markdownToHtml, note, page, table, type Html } from './html.js';

/** One line of comparison.csv: text cells by column, numbers where a cell parses as one. */
export interface ComparisonRow {
  variant: string;
  seed: string;
  cells: Record<string, string>;
}

export function parseComparisonCsv(text: string): { columns: string[]; rows: ComparisonRow[] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return { columns: [], rows: [] };
  const columns = lines[0]!.split(',').map((c) => c.trim());
  const rows = lines.slice(1).map((l) => {
    const v = l.split(',');
    const cells = Object.fromEntries(columns.map((c, i) => [c, (v[i] ?? '').trim()]));
    return { variant: cells.variant ?? '', seed: cells.seed ?? '', cells };
  });
  return { columns, rows };
}

export const num = (row: ComparisonRow, col: string): number | undefined => {
  const s = row.cells[col];
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};

/** The split the F1 charts use (test when every run has a test average, else dev) and its F1 columns. */
export function f1Columns(columns: string[], rows: ComparisonRow[]): { split: string; tasks: { task: string; column: string }[]; average: string } | null {
  for (const split of ['test', 'dev']) {
    const average = `${split}_average`;
    if (!columns.includes(average) || !rows.every((r) => num(r, average) !== undefined)) continue;
    const tasks = columns.filter((c) => c.startsWith(`${split}_`) && c !== average).map((c) => ({ task: c.slice(split.length + 1), column: c }));
    return { split, tasks, average };
  }
  return null;
}

// The comparison table's mean ± sd (eval/bootstrap.ts), re-exported for the chart's callers.
export { meanSd };

export interface BarDatum {
  variant: string;
  task: string;
  mean: number;
  sd: number;
  low: number;
  high: number;
  n: number;
}

/** Per variant (first-seen order) and task (with the average last), the mean F1 over its seeds and ± sd. */
export function barData(rows: ComparisonRow[], cols: NonNullable<ReturnType<typeof f1Columns>>): BarDatum[] {
  const variants = [...new Set(rows.map((r) => r.variant))];
  const out: BarDatum[] = [];
  for (const variant of variants) {
    const runs = rows.filter((r) => r.variant === variant);
    for (const { task, column } of [...cols.tasks, { task: 'average', column: cols.average }]) {
      const xs = runs.map((r) => num(r, column)).filter((x): x is number => x !== undefined);
      if (xs.length === 0) continue;
      const { mean, sd } = meanSd(xs);
      out.push({ variant, task, mean, sd, low: mean - sd, high: mean + sd, n: xs.length });
    }
  }
  return out;
}

const W = 560;
const H = 260;


async function f1Chart(rows: ComparisonRow[], cols: NonNullable<ReturnType<typeof f1Columns>>): Promise<Html> {
  const bars = barData(rows, cols);
  const seeds = bars.some((b) => b.n > 1);
  const variants = [...new Set(rows.map((r) => r.variant))];
  const tasks = [...cols.tasks.map((t) => t.task), 'average'];
  const x = { field: 'task', type: 'nominal', title: 'task', sort: tasks, axis: { labelAngle: 0 } };
  const xOffset = { field: 'variant', type: 'nominal', sort: variants };
  const color = { field: 'variant', type: 'nominal', title: 'variant', sort: variants };
  const layers: unknown[] = [{ data: { values: bars }, mark: 'bar', encoding: { x, xOffset, color, y: { field: 'mean', type: 'quantitative', title: `${cols.split} F1`, scale: { domain: [0, 1] } } } }];
  if (seeds) {
    const points = rows.flatMap((r) => [...cols.tasks, { task: 'average', column: cols.average }].flatMap(({ task, column }) => {
      const v = num(r, column);
      return v === undefined ? [] : [{ variant: r.variant, task, f1: v, seed: r.seed }];
    }));
    layers.push(
      { data: { values: bars.filter((b) => b.n > 1) }, mark: { type: 'rule', color: '#1b1f23', strokeWidth: 1.5 }, encoding: { x, xOffset, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } },
      { data: { values: points }, mark: { type: 'point', color: '#1b1f23', size: 14, filled: true, opacity: 0.7 }, encoding: { x, xOffset, y: { field: 'f1', type: 'quantitative' } } },
    );
  }
  const spec = { width: Math.max(W, tasks.length * variants.length * 18), height: H, layer: layers } as unknown as TopLevelSpec;
  return figure(
    'f1-per-task',
    `${cols.split} F1 per task and variant`,
    await renderSvg(spec),
    seeds ? 'Bars: the mean over a variant\'s seeds; lines: ± one sample standard deviation; dots: each seed.' : 'One run per variant (no seeds to spread).',
  );
}

/** F1 (the split's average) against a cost column; null when the column has no values. */
async function costChart(id: string, caption: string, rows: ComparisonRow[], cols: NonNullable<ReturnType<typeof f1Columns>>, column: string, title: string): Promise<Html> {
  const points = rows.flatMap((r) => {
    const xv = num(r, column);
    const yv = num(r, cols.average);
    return xv === undefined || yv === undefined ? [] : [{ variant: r.variant, seed: r.seed, x: xv, f1: yv }];
  });
  if (points.length === 0) return note(`${caption}: skipped, comparison.csv has no ${column} values.`);
  const xs = points.map((p) => p.x);
  const log = Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 20;
  const variants = [...new Set(rows.map((r) => r.variant))];
  const x = { field: 'x', type: 'quantitative', title, scale: log ? { type: 'log' } : { zero: false } };
  const y = { field: 'f1', type: 'quantitative', title: `${cols.split} average F1`, scale: { zero: false } };
  const spec = {
    width: W,
    height: H,
    data: { values: points },
    layer: [
      { mark: { type: 'point', filled: true, size: 90 }, encoding: { x, y, color: { field: 'variant', type: 'nominal', sort: variants, legend: { orient: 'bottom' } } } },
      { mark: { type: 'text', dx: 8, align: 'left', fontSize: 10 }, encoding: { x, y, text: { field: 'variant' } } },
    ],
  } as unknown as TopLevelSpec;
  return figure(id, caption, await renderSvg(spec), `One dot per run; x from comparison.csv's ${column}${log ? ' (log scale)' : ''}.`);
}

/** The run folder of a row: runs/<name>/<variant>-seed<S> when several seeds ran, else …/<variant>. */
function runDirOf(dir: string, r: ComparisonRow): string | null {
  for (const name of [`${r.variant}-seed${r.seed}`, r.variant]) {
    const d = join(dir, name);
    if (existsSync(join(d, 'config.yaml')) || existsSync(join(d, 'run.json'))) return name;
  }
  return null;
}

/** The run folders of an ablation directory's comparison (relative names). */
export function ablationRunDirs(dir: string): string[] {
  const csv = join(resolve(dir), 'comparison.csv');
  if (!existsSync(csv)) return [];
  return parseComparisonCsv(readFileSync(csv, 'utf8')).rows.map((r) => runDirOf(resolve(dir), r)).filter((x): x is string => x !== null);
}

export async function ablationReportHtml(dir: string, opts: { now?: Date } = {}): Promise<string> {
  const abDir = resolve(dir);
  const csvFile = join(abDir, 'comparison.csv');
  if (!existsSync(csvFile)) {
    throw new HyperloaderError(`${abDir} has no comparison.csv: pass the directory \`hyperloader ablate\` wrote (runs/<name>/), after it has finished at least once`, { exitCode: 2 });
  }
  const { columns, rows } = parseComparisonCsv(readFileSync(csvFile, 'utf8'));
  const mdFile = join(abDir, 'comparison.md');
  const md = existsSync(mdFile) ? readFileSync(mdFile, 'utf8').replace(/^# .*\n/, '') : null;
  const cols = f1Columns(columns, rows);

  const charts: Html[] = [];
  if (rows.length === 0) charts.push(note('comparison.csv lists no run.'));
  else if (!cols) charts.push(note('No F1 columns with a value for every run (dev_average / test_average): no F1 charts.'));
  else {
    charts.push(await f1Chart(rows, cols));
    charts.push(await costChart('f1-vs-params', 'F1 against trainable parameters', rows, cols, 'trainable_parameters', 'trainable parameters'));
    charts.push(await costChart('f1-vs-time', 'F1 against time per step', rows, cols, 'seconds_per_step', 'seconds per training step'));
  }

  const runRows = rows.map((r) => {
    const name = runDirOf(abDir, r);
    const report = name && existsSync(join(abDir, name, 'report.html')) ? `${name}/report.html` : null;
    return [r.variant, r.seed, name ?? '–', report ? h('a', { href: report }, 'report') : '–'];
  });
  const name = basename(abDir);
  const body = frag(
    h('h1', null, `Ablation report: ${name}`),
    h('p', { class: 'sub' }, `${abDir} · ${rows.length} run(s) · written ${(opts.now ?? new Date()).toISOString()}`),
    h('nav', null, h('a', { href: '#charts' }, 'Charts'), h('a', { href: '#comparison' }, 'Comparison'), h('a', { href: '#runs' }, 'Runs')),
    h('section', { id: 'charts' }, h('h2', null, 'Charts'), h('div', { class: 'charts' }, charts)),
    h(
      'section',
      { id: 'comparison' },
      h('h2', null, 'Comparison'),
      md !== null
        ? markdownToHtml(md, 1)
        : h('div', { class: 'scroll' }, table(columns, rows.map((r) => columns.map((c) => r.cells[c] ?? '')))),
    ),
    h('section', { id: 'runs' }, h('h2', null, 'Runs'), table(['variant', 'seed', 'folder', 'run report'], runRows)),
  );
  return page(`hyperloader ablation ${name}`, body);
}

/** Writes A/report.html; returns its path. */
export async function writeAblationReport(dir: string): Promise<string> {
  const file = join(resolve(dir), 'report.html');
  await writeFileAtomic(file, await ablationReportHtml(dir));
  return file;
}
