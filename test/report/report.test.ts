import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { esc, h, markdownToHtml, raw } from '../../src/report/html.js';
import { downsample, ema, emaSpan } from '../../src/report/charts.js';
import { parseMetrics } from '../../src/report/metrics.js';
import { devPoints, MAX_POINTS, readRunData, runReportHtml, seriesOf, writeRunReport } from '../../src/report/run-report.js';
import { ablationReportHtml, barData, f1Columns, meanSd, parseComparisonCsv } from '../../src/report/ablation-report.js';
import { HOSTILE_TASK, HOSTILE_TOKEN, SEEDED_CSV, syntheticAblation, syntheticRun } from './synthetic-run.js';

/** The charts of a page: data-chart id → its SVG text. */
function charts(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<figure class="chart" id="chart-[^"]*" data-chart="([^"]+)">([\s\S]*?)<\/figure>/g)) out.set(m[1]!, m[2]!);
  return out;
}

/** Every way a page could reach outside itself. */
function externalReferences(html: string): string[] {
  const found: string[] = [];
  for (const re of [/https?:\/\//gi, /@import/gi, /url\((?!#)/gi, /\ssrc\s*=/gi, /<script/gi, /<link/gi, /<img/gi, /<iframe/gi, /<object/gi, /<embed/gi, /xlink:href/gi]) {
    for (const m of html.matchAll(re)) found.push(html.slice(Math.max(0, m.index! - 40), m.index! + 60));
  }
  for (const m of html.matchAll(/href="([^"]*)"/g)) if (!m[1]!.startsWith('#') && !/^[\w.-]+\/report\.html$/.test(m[1]!)) found.push(m[0]);
  return found;
}

test('html: text and attributes are escaped; raw() is the only way in for markup', () => {
  assert.equal(esc(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(h('p', { title: '"><script>', hidden: true, skip: undefined }, '<b>', raw('<i>ok</i>'), 3).html, '<p title="&quot;&gt;&lt;script&gt;" hidden>&lt;b&gt;<i>ok</i>3</p>');
  assert.throws(() => h('p onclick', null), /bad tag name/);
  assert.throws(() => h('p', { 'on"x': '1' }), /bad attribute name/);
  const md = markdownToHtml('# Title\n\nSome **bold** and `code` <b>.\n\n| a | b\\|c |\n|---|---|\n| <x> | **1** |\n');
  assert.equal(
    md.html,
    '<h2>Title</h2><p>Some <strong>bold</strong> and <code>code</code> &lt;b&gt;.</p>' +
      '<div class="scroll"><table><thead><tr><th>a</th><th>b|c</th></tr></thead><tbody><tr><td>&lt;x&gt;</td><td><strong>1</strong></td></tr></tbody></table></div>',
  );
});

test('ema, emaSpan and downsample: hand-computed values', () => {
  // α = 0.5: s = 0.5, 1.25, 2.125 over weights 0.5, 0.75, 0.875.
  const e = ema([1, 2, 3], 0.5);
  assert.deepEqual(e.map((x) => Number(x.toFixed(6))), [1, 1.666667, 2.428571]);
  assert.deepEqual(ema([4, 4, 4], 0.1).map((x) => Number(x.toFixed(12))), [4, 4, 4]);
  assert.equal(emaSpan(60), 10);
  assert.equal(emaSpan(32768), 328);
  assert.deepEqual(downsample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4), [0, 3, 6, 9]);
  assert.deepEqual(downsample([1, 2, 3], 10), [1, 2, 3]);
  assert.deepEqual(downsample([1, 2, 3], 1), [3]);
});

test('metrics.jsonl: step lines and dev evaluations; a cut-off line is skipped and counted', () => {
  const m = parseMetrics(
    '{"step":1,"task":"a","loss":2,"loss_per_token":2,"lr":0,"grad_norm":3}\n' +
      '{"step":2,"split":"dev","average_f1":0.5,"f1":{"a":0.5}}\n' +
      '{"step":3,"task":"a","loss":1.5,"loss_per_t\n',
  );
  assert.deepEqual(m.steps, [{ step: 1, task: 'a', loss_per_token: 2, lr: 0, grad_norm: 3, examples_per_s: undefined, seconds: undefined, rss_bytes: undefined }]);
  assert.deepEqual(m.evals, [{ step: 2, split: 'dev', average_f1: 0.5, f1: { a: 0.5 } }]);
  assert.equal(m.skipped, 1);
});

test('per-step series of a long run are thinned to MAX_POINTS per task, first and last step kept; the EMA uses every step', () => {
  const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ step: i + 1, task: i % 2 ? 'b' : 'a', loss_per_token: i % 2 ? 1 : 2, lr: 1, grad_norm: 1 }));
  const { points, span } = seriesOf(parseMetrics(lines.join('\n')), 'loss_per_token', true);
  assert.equal(span, 15);
  for (const task of ['a', 'b']) {
    const raw = points.filter((p) => p.task === task && p.kind === 'raw');
    assert.equal(raw.length, MAX_POINTS);
    assert.equal(raw[0]!.step, task === 'a' ? 1 : 2);
    assert.equal(raw.at(-1)!.step, task === 'a' ? 2999 : 3000);
    assert.equal(points.filter((p) => p.task === task && p.kind === 'smoothed').length, MAX_POINTS);
  }
});

test('run report: every section, four charts with data, the best dev step marked, the final dev point added', async () => {
  const dir = await syntheticRun({ steps: 100, evalEvery: 20 });
  const file = await writeRunReport(dir);
  assert.equal(file, join(dir, 'report.html'));
  const html = readFileSync(file, 'utf8');
  const c = charts(html);
  assert.deepEqual([...c.keys()], ['loss', 'lr', 'grad-norm', 'dev-f1']);
  for (const [id, svg] of c) {
    assert.match(svg, /^<figcaption>[^<]+<\/figcaption><svg /, id);
    // A line per task with a vertex per step drawn (or a symbol per point).
    const lines = [...svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/g)].map((m) => m[1]!);
    assert.ok(lines.length > 0, `${id}: no line mark`);
    assert.ok(lines.some((l) => (l.match(/L/g) ?? []).length >= 3), `${id}: lines without points`);
  }
  // Dev evaluations at 20, 40, 60, 80 peak at 60 (the synthetic run's best); step 100's final table adds a point.
  const d = await readRunData(dir);
  assert.equal(d.bestStep, 60);
  assert.deepEqual([...new Set(devPoints(d).map((p) => `${p.step}:${p.kind}`))], ['20:dev evaluation', '40:dev evaluation', '60:dev evaluation', '80:dev evaluation', '100:final table']);
  assert.match(c.get('dev-f1')!, /best: step 60/);
  for (const id of ['run', 'training', 'dev', 'results', 'confusion', 'worst', 'config']) assert.match(html, new RegExp(`<section id="${id}">`));
  // Results: per-type rows and the averages, no paper column for a demo run.
  assert.match(html, /<h4>dev · demo_ner: per entity type<\/h4><table>.*?<td>PER<\/td><td>0\.7000<\/td>/);
  assert.match(html, /<td>weighted avg<\/td><td>0\.9000<\/td><td>0\.8000<\/td><td>0\.8500<\/td>/);
  assert.doesNotMatch(html, /paper F1/);
  // Confusion (dev, demo_slots): of 30 sentences, k % 4 ≥ 1 turns PER into ORG (22 sentences), k % 4 ≥ 2
  // drops LOC (14), k % 4 = 3 adds a spurious MISC (7); every sentence has two PER, one LOC, one DATE.
  const conf = /<h3>dev · demo_slots<\/h3>(.*?)<\/table>/.exec(html)![1]!;
  assert.match(conf, /<th>DATE<\/th><td class="diag">30<\/td>/);
  assert.match(conf, /<th>LOC<\/th><td class="zero">·<\/td><td class="diag">16<\/td><td class="zero">·<\/td><td class="zero">·<\/td><td class="zero">·<\/td><td class="off">14<\/td><td>30<\/td>/);
  assert.match(conf, /<th>PER<\/th><td class="zero">·<\/td><td class="zero">·<\/td><td class="zero">·<\/td><td class="off">22<\/td><td class="diag">38<\/td><td class="zero">·<\/td><td>60<\/td>/);
  assert.match(conf, /<th>\(spurious\)<\/th><td class="zero">·<\/td><td class="zero">·<\/td><td class="off">7<\/td>/);
  // Worst dev sentences: 20 per task, the 3-wrong ones (k = 3, 7, …) first, a sentence with nothing wrong never.
  const worst = html.slice(html.indexOf('<section id="worst">'), html.indexOf('<section id="config">'));
  assert.equal((worst.match(/class="sentence"/g) ?? []).length, 40);
  assert.match(worst, /<strong>1\.<\/strong> sentence 4 \(line 28\): 3 of 8 tags wrong, sentence F1 0\.5000/);
  assert.doesNotMatch(worst, /sentence 1 \(line 1\)/);
  assert.match(worst, /<th>predicted<\/th><td class="bad">B-ORG<\/td><td class="bad">B-MISC<\/td>/);
  assert.match(html, /<pre># hyperloader resolved config: every default filled in\nexperiment:\n  name: synthetic/);
  assert.match(html, /<dt>trainable parameters<\/dt><dd>556,560<\/dd><dt>frozen parameters<\/dt><dd>43,440<\/dd>/);
  assert.match(html, /<dt>peak resident memory \(RSS\)<\/dt><dd>1\.00 GiB<\/dd>/);
});

test('run report: no script, and nothing that loads from anywhere (no URL, @import, url(), src)', async () => {
  const dir = await syntheticRun({ steps: 80 });
  const html = await runReportHtml(dir);
  assert.deepEqual(externalReferences(html), []);
  assert.doesNotMatch(html, /xmlns/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
});

test('run report: markup in task names, tokens, types and the config is escaped everywhere, charts included', async () => {
  const dir = await syntheticRun({ steps: 60, hostile: true });
  const html = await runReportHtml(dir);
  assert.doesNotMatch(html, /<script|<img|<b>|<style>@import/i);
  assert.equal((html.match(/<style>/g) ?? []).length, 1);
  // No src or event-handler attribute in any tag, once the (escaped) attribute values are taken out.
  const tags = [...html.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0].replace(/"[^"]*"/g, '""'));
  assert.deepEqual(tags.filter((t) => /\s(src|on\w+)\s*=/i.test(t)), []);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(html, /&lt;\/td&gt;&lt;script&gt;alert\(&quot;t&quot;\)&lt;\/script&gt;/);
  assert.match(html, /# &lt;\/pre&gt;&lt;script src=&quot;https:\/\/evil.example\/x.js&quot;&gt;/);
  // The task name is a legend entry of the SVG charts too, escaped there.
  for (const [id, svg] of charts(html)) if (id !== 'dev-f1') assert.ok(svg.includes(esc(HOSTILE_TASK)), id);
  assert.ok(!html.includes(HOSTILE_TOKEN));
});

test('run report of a 1,000-step run (3 tasks, 500 dev sentences each) is under 2 MB', async () => {
  const dir = await syntheticRun({ steps: 1000, tasks: ['a', 'b', 'c'], evalEvery: 100, devSentences: 500 });
  const file = await writeRunReport(dir);
  const bytes = statSync(file).size;
  process.stderr.write(`1,000-step report: ${(bytes / 1024).toFixed(0)} KiB\n`);
  assert.ok(bytes < 2 * 2 ** 20, `${bytes} bytes`);
  assert.equal(charts(readFileSync(file, 'utf8')).size, 4);
});

test('run report without metrics, results or predictions says what is missing instead of failing', async () => {
  const dir = await syntheticRun({ steps: 10 });
  for (const f of ['metrics.jsonl', 'results.json']) writeFileSync(join(dir, f), '');
  const html = await runReportHtml(dir);
  assert.match(html, /No training steps in metrics\.jsonl/);
  assert.match(html, /No dev evaluation yet/);
  assert.match(html, /results\.json cannot be read: /);
  await assert.rejects(runReportHtml(join(dir, 'nope')), /is not a run directory/);
});

test('run report of a paper-config run shows the paper F1 column where results.md does (paperRowFor)', async () => {
  const tasks = ['movieTrivia', 'movie', 'restaurant', 'atis', 'snips', 'mtod', 'mtop'];
  const dir = await syntheticRun({ steps: 20, tasks, config: 'configs/paper/hyperloader.yaml', devSentences: 4 });
  const html = await runReportHtml(dir);
  const test = html.slice(html.indexOf('<h3>test</h3>'));
  assert.match(test, /<th>paper F1<\/th>/);
  assert.match(test, /<td>atis<\/td>(<td>[^<]*<\/td>){7}<td>0\.9599<\/td>/);
  assert.match(test, /<td>average<\/td>(<td>[^<]*<\/td>){7}<td>0\.8811<\/td>/);
  assert.match(test, /Paper: HyperLoader, full data/);
  // Dev has no paper column (the paper reports test F1).
  assert.doesNotMatch(html.slice(html.indexOf('<h3>dev</h3>'), html.indexOf('<h3>test</h3>')), /paper F1/);
});

test('ablation: F1 columns, means and sample standard deviations per variant, hand-computed', () => {
  const { columns, rows } = parseComparisonCsv(SEEDED_CSV);
  const cols = f1Columns(columns, rows)!;
  assert.equal(cols.split, 'test');
  assert.deepEqual(cols.tasks.map((t) => t.task), ['demo_slots', 'demo_ner']);
  const bars = barData(rows, cols);
  const avg = bars.find((b) => b.variant === 'hyperloader' && b.task === 'average')!;
  assert.equal(avg.n, 2);
  assert.ok(Math.abs(avg.mean - 0.845) < 1e-12);
  assert.ok(Math.abs(avg.sd - Math.SQRT2 * 0.01) < 1e-12);
  assert.deepEqual(meanSd([2, 4, 4, 4, 5, 5, 7, 9]), { mean: 5, sd: Math.sqrt(32 / 7) });
  // Without test columns for every run, dev is charted.
  const devOnly = parseComparisonCsv('variant,seed,dev_a,dev_average,test_a,test_average\nx,1,0.5,0.5,,\n');
  assert.equal(f1Columns(devOnly.columns, devOnly.rows)!.split, 'dev');
});

test('ablation report: three charts with seed error bars, the comparison tables, no external reference', async () => {
  const md = '# Ablation: ab\n\n## test F1\n\n| variant | seed | demo_slots | average |\n|---|---|---|---|\n| hyperloader | 1 | 0.8800 | **0.8350** |\n';
  const dir = syntheticAblation(SEEDED_CSV, md);
  const html = await ablationReportHtml(dir);
  const c = charts(html);
  assert.deepEqual([...c.keys()], ['f1-per-task', 'f1-vs-params', 'f1-vs-time']);
  // 3 variants × 3 bars (2 tasks + average); an error bar for each; a dot per run in the scatter plots.
  const bars = /<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)<\/g>/.exec(c.get('f1-per-task')!)![1]!;
  assert.equal((bars.match(/<path /g) ?? []).length, 9);
  const rules = /<g class="mark-rule role-mark[^"]*"[^>]*>(.*?)<\/g>/.exec(c.get('f1-per-task')!)![1]!;
  assert.equal((rules.match(/<line /g) ?? []).length, 9);
  for (const id of ['f1-vs-params', 'f1-vs-time']) {
    const dots = /<g class="mark-symbol role-mark[^"]*"[^>]*>(.*?)<\/g>/.exec(c.get(id)!)![1]!;
    assert.equal((dots.match(/<path /g) ?? []).length, 6, id);
  }
  assert.match(html, /<h3>test F1<\/h3><div class="scroll"><table><thead><tr><th>variant<\/th>/);
  assert.match(html, /<td><strong>0\.8350<\/strong><\/td>/);
  assert.doesNotMatch(html, /Ablation: ab<\/h2>/);
  assert.deepEqual(externalReferences(html), []);
});

test('ablation report: a chart whose column is absent is skipped with a note; no comparison.csv is an error', async () => {
  const dir = syntheticAblation('variant,seed,dev_a,dev_average,trainable_parameters\nhyperloader,42,0.5,0.5,100\nlora,42,0.4,0.4,10\n');
  const html = await ablationReportHtml(dir);
  assert.deepEqual([...charts(html).keys()], ['f1-per-task', 'f1-vs-params']);
  assert.match(html, /F1 against time per step: skipped, comparison.csv has no seconds_per_step values\./);
  assert.match(html, /One run per variant/);
  // No comparison.md: the CSV itself is the table.
  assert.match(html, /<th>trainable_parameters<\/th>/);
  await assert.rejects(ablationReportHtml(join(dir, 'missing')), /has no comparison\.csv/);
});
