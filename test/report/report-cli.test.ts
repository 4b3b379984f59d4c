import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tinyConfig } from '../train/run-helpers.js';

test('train --no-report writes no report; `report --run` writes it; `report` needs exactly one of --run/--ablation', () => {
  const { file, runs } = tinyConfig();
  const r = cli(['train', '--config', file, '--set', 'training.steps=4', '--no-report', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const run = join(runs, 'tiny');
  assert.ok(existsSync(join(run, 'results.json')));
  assert.ok(!existsSync(join(run, 'report.html')));
  assert.doesNotMatch(r.stdout, /report:/);

  const rep = cli(['report', '--run', run]);
  assert.equal(rep.status, 0, rep.stderr);
  assert.equal(rep.stdout.trim(), join(run, 'report.html'));
  assert.match(readFileSync(join(run, 'report.html'), 'utf8'), /<h1>Run report: tiny<\/h1>/);

  for (const args of [['report'], ['report', '--run', run, '--ablation', run]]) {
    const bad = cli(args);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /pass exactly one of --run DIR or --ablation DIR/);
  }
  const missing = cli(['report', '--run', join(runs, 'nope')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /is not a run directory/);
});

test('ablate writes the ablation report (three charts) and each run\'s report, linked from it', () => {
  const { file, runs } = tinyConfig();
  const r = cli(['ablate', '--config', file, '--variants', 'hyperloader,lora', '--set', 'training.steps=4', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const dir = join(runs, 'tiny');
  assert.match(r.stdout, new RegExp(`report: ${join(dir, 'report.html')}`));
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.deepEqual([...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]), ['f1-per-task', 'f1-vs-params', 'f1-vs-time']);
  for (const v of ['hyperloader', 'lora']) {
    assert.ok(existsSync(join(dir, v, 'report.html')), v);
    assert.match(html, new RegExp(`<td>${v}</td><td>7</td><td>${v}</td><td><a href="${v}/report.html">report</a></td>`));
  }
  assert.match(html, /<h3>dev F1<\/h3>/);
});
