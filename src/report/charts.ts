/**
 * Charts for the reports: Vega-Lite specs compiled and rendered to SVG text here, when the report is
 * written (vega's headless `view.toSVG()`, no canvas, no browser), so the page holds static SVG and
 * needs no script to show them. vega and vega-lite are ES modules loaded on first use, so commands
 * that draw nothing do not pay for them.
 */
import type { TopLevelSpec } from 'vega-lite';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

let libs: Promise<[Vega, VegaLite]> | undefined;
const load = () => (libs ??= Promise.all([import('vega'), import('vega-lite')]));

/** Shared look: system sans-serif text, no outer border, a white background. */
export const CHART_CONFIG = {
  font: 'sans-serif',
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, grid: true, gridColor: '#eaeef2' },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 220 },
} as const;

/**
 * One chart's SVG. The root's `xmlns` declarations are dropped (inline SVG in HTML needs none),
 * so the page holds no URL at all.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await load();
  const compiled = vl.compile({ config: CHART_CONFIG, ...spec } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.replace(/^<svg\b[^>]*>/, (open) => open.replace(/\s+xmlns(:\w+)?="[^"]*"/g, ''));
  } finally {
    view.finalize();
  }
}

/**
 * At most `max` items, evenly spaced, the first and the last always kept (per-step series of long
 * runs: a 65,536-step run is drawn from 600 points per task, not 32,000).
 */
export function downsample<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs];
  if (max <= 1) return xs.slice(-1);
  const out: T[] = [];
  let last = -1;
  for (let i = 0; i < max; i++) {
    const k = Math.round((i * (xs.length - 1)) / (max - 1));
    if (k !== last) out.push(xs[k]!);
    last = k;
  }
  return out;
}

/**
 * Exponential moving average with weight alpha on the new value, bias-corrected (as TensorBoard's
 * smoothing): s_t = (1 − α)·s_{t−1} + α·x_t from s_0 = 0, reported as s_t / (1 − (1 − α)^t), so the
 * first value is x_1 itself.
 */
export function ema(values: readonly number[], alpha: number): number[] {
  let s = 0;
  let w = 1;
  return values.map((x) => {
    s = (1 - alpha) * s + alpha * x;
    w *= 1 - alpha;
    return s / (1 - w);
  });
}

/** The EMA span for a series of n points: 10 steps, or 1% of the series when that is longer. */
export function emaSpan(n: number): number {
  return Math.max(10, Math.ceil(n / 100));
}
