/**
 * Issue 15's acceptance: the report of a short real run (30 quickstart steps with a dev evaluation
 * at step 15), written by `hyperloader train` itself, opened in headless Chromium (Debian's
 * `chromium`, driven over the DevTools protocol by puppeteer-core): it loads with no console error
 * and no request beyond the file, every chart is an SVG with data marks, and a screenshot is not
 * blank. Skips, saying why, when no Chromium is installed (.ci/run installs it). Also: `eval`
 * refreshes the report, `--no-report` leaves it, and a report that cannot be written is a warning
 * that loses nothing.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { cli } from '../train/run-helpers.js';
import { SEEDED_CSV, syntheticAblation, syntheticRun } from './synthetic-run.js';

/** The Chromium to drive: $HYPERLOADER_CHROMIUM, else the first of the usual names on PATH. */
function findChromium(): string | null {
  const env = process.env.HYPERLOADER_CHROMIUM;
  if (env) return existsSync(env) ? env : null;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

const chromium = findChromium();
const noBrowser = chromium ? false : 'no Chromium found (apt-get install -y chromium, or set HYPERLOADER_CHROMIUM): skipping the browser check of report.html';

let runDir = '';
let trainOut = '';

before(() => {
  const runs = mkdtempSync(join(tmpdir(), 'hl-report-run-'));
  const r = cli([
    'train', '--config', 'configs/quickstart.yaml',
    '--set', `experiment.runs_dir=${runs}`, '--set', 'experiment.name=report',
    '--set', 'training.steps=30', '--set', 'training.eval_every=15', '--set', 'training.log_every=5', '--set', 'data.fraction=0.2',
    '--quiet',
  ]);
  assert.equal(r.status, 0, r.stderr);
  runDir = join(runs, 'report');
  trainOut = r.stdout;
});

interface PageCheck {
  consoleErrors: string[];
  requests: string[];
  dialogs: string[];
}

/** Opens a file and records what the page does. */
async function open(browser: Browser, file: string): Promise<{ page: Page; check: PageCheck }> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  const check: PageCheck = { consoleErrors: [], requests: [], dialogs: [] };
  const url = pathToFileURL(file).href;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') check.consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => check.consoleErrors.push(`pageerror: ${(e as Error).message}`));
  page.on('request', (r) => {
    if (r.url() !== url) check.requests.push(r.url());
  });
  page.on('dialog', (d) => {
    check.dialogs.push(d.message());
    void d.dismiss();
  });
  const response = await page.goto(url, { waitUntil: 'load' });
  assert.ok(response?.ok(), `loading ${url}`);
  return { page, check };
}

interface ChartInfo {
  id: string;
  svgs: number;
  width: number;
  marks: number;
  symbols: number;
  maxLineVertices: number;
}

/** Every figure.chart: its SVG, the data marks in it (paths and lines of role-mark groups), the longest line. */
function chartsOf(page: Page): Promise<ChartInfo[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('figure.chart')].map((f) => {
      const svg = f.querySelector('svg');
      const lines = [...f.querySelectorAll('g.mark-line.role-mark path')].map((p) => (p.getAttribute('d') ?? '').split('L').length);
      return {
        id: (f as HTMLElement).dataset.chart ?? '',
        svgs: f.querySelectorAll('svg').length,
        width: svg ? svg.getBoundingClientRect().width : 0,
        marks: f.querySelectorAll('g.role-mark path, g.role-mark line').length,
        symbols: f.querySelectorAll('g.mark-symbol.role-mark path').length,
        maxLineVertices: lines.length ? Math.max(...lines) : 0,
      };
    }),
  );
}

/** Distinct colours of a PNG (decoded by Chromium itself on a blank page), and its size. */
async function colours(browser: Browser, png: Uint8Array): Promise<{ width: number; height: number; colours: number }> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (b64: string) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length && seen.size < 4096; i += 4) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return { width: canvas.width, height: canvas.height, colours: seen.size };
    }, Buffer.from(png).toString('base64'));
  } finally {
    await page.close();
  }
}

test('train writes report.html; in Chromium it loads with no console error and no request, every chart has data, a screenshot is not blank', { skip: noBrowser, timeout: 180_000 }, async () => {
  const file = join(runDir, 'report.html');
  assert.match(trainOut, new RegExp(`report: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.ok(existsSync(file));
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: chromium!, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const { page, check } = await open(browser, file);
    const charts = await chartsOf(page);
    assert.deepEqual(charts.map((c) => c.id), ['loss', 'lr', 'grad-norm', 'dev-f1']);
    for (const c of charts) {
      assert.equal(c.svgs, 1, c.id);
      assert.ok(c.width > 300, `${c.id}: rendered ${c.width}px wide`);
      assert.ok(c.marks > 0, `${c.id}: no data mark`);
    }
    // 30 steps over two tasks: about 15 vertices per task's line.
    for (const id of ['loss', 'lr', 'grad-norm']) assert.ok(charts.find((c) => c.id === id)!.maxLineVertices >= 8, `${id}: ${JSON.stringify(charts)}`);
    // Dev F1 at step 15 (a dev evaluation) and 30 (the final table), for two tasks and the average, plus the best marker.
    const dev = charts.find((c) => c.id === 'dev-f1')!;
    assert.ok(dev.symbols >= 7, JSON.stringify(dev));
    const dom = await page.evaluate(() => ({
      scripts: document.scripts.length,
      loaders: document.querySelectorAll('img, link, iframe, object, embed, audio, video, source').length,
      sections: [...document.querySelectorAll('section')].map((s) => s.id),
      worst: document.querySelectorAll('#worst .sentence').length,
      confusion: document.querySelectorAll('#confusion table').length,
    }));
    assert.deepEqual(dom.sections, ['run', 'training', 'dev', 'results', 'confusion', 'worst', 'config']);
    assert.equal(dom.scripts, 0);
    assert.equal(dom.loaders, 0);
    assert.ok(dom.confusion >= 2, JSON.stringify(dom));
    assert.deepEqual(check, { consoleErrors: [], requests: [], dialogs: [] });

    const chart = await (await page.$('#chart-loss svg'))!.screenshot();
    const shot = await colours(browser, chart);
    assert.ok(shot.width > 300 && shot.height > 150, JSON.stringify(shot));
    assert.ok(shot.colours >= 3, `the loss chart's screenshot has ${shot.colours} colour(s)`);
    const whole = await colours(browser, await page.screenshot());
    assert.ok(whole.colours > 1, `the page's screenshot has ${whole.colours} colour(s)`);
    process.stderr.write(`report.html ${(statSync(file).size / 1024).toFixed(0)} KiB; loss chart screenshot ${shot.width}×${shot.height}, ${shot.colours} colours\n`);

    // An ablation report and a report full of markup load as quietly.
    const ablation = syntheticAblation(SEEDED_CSV);
    await (await import('../../src/report/ablation-report.js')).writeAblationReport(ablation);
    const a = await open(browser, join(ablation, 'report.html'));
    assert.deepEqual((await chartsOf(a.page)).map((c) => [c.id, c.svgs, c.marks > 0]), [['f1-per-task', 1, true], ['f1-vs-params', 1, true], ['f1-vs-time', 1, true]]);
    assert.deepEqual(a.check, { consoleErrors: [], requests: [], dialogs: [] });
    const hostile = await syntheticRun({ steps: 40, hostile: true });
    await (await import('../../src/report/run-report.js')).writeRunReport(hostile);
    const x = await open(browser, join(hostile, 'report.html'));
    assert.equal(await x.page.evaluate(() => document.querySelectorAll('script, img').length), 0);
    assert.deepEqual(x.check, { consoleErrors: [], requests: [], dialogs: [] });
  } finally {
    await browser.close();
  }
});

test('eval refreshes report.html, --no-report leaves it, and a report that cannot be written warns and keeps the results', { timeout: 180_000 }, () => {
  const file = join(runDir, 'report.html');
  const before = statSync(file).mtimeMs;
  const skipped = cli(['eval', '--run', runDir, '--split', 'dev', '--no-report', '--quiet']);
  assert.equal(skipped.status, 0, skipped.stderr);
  assert.equal(statSync(file).mtimeMs, before);
  assert.doesNotMatch(skipped.stdout, /report:/);

  // report.html is a non-empty directory: the write fails, eval does not.
  rmSync(file);
  mkdirSync(join(file, 'in-the-way'), { recursive: true });
  const resultsBefore = statSync(join(runDir, 'results.json')).mtimeMs;
  const r = cli(['eval', '--run', runDir, '--split', 'dev', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: report\.html was not written for .*the results are intact\. Retry with `hyperloader report --run /);
  assert.ok(statSync(join(runDir, 'results.json')).mtimeMs > resultsBefore);
  assert.match(r.stdout, /dev average F1/);

  rmSync(file, { recursive: true });
  const again = cli(['eval', '--run', runDir, '--split', 'dev', '--quiet']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /report: .*report\.html/);
  assert.match(readFileSync(file, 'utf8'), /^<!doctype html>/);
});
