/**
 * The README's first command: the offline quickstart reaches average dev F1 ≥ 0.90 (issue 7's
 * acceptance). About three minutes on 2 cores; it is the one slow test of the suite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './run-helpers.js';

test('quickstart: configs/quickstart.yaml trains offline to average dev F1 ≥ 0.90', { timeout: 15 * 60_000 }, () => {
  const runs = mkdtempSync(join(tmpdir(), 'hl-quickstart-'));
  const started = Date.now();
  const r = cli(['train', '--config', 'configs/quickstart.yaml', '--set', `experiment.runs_dir=${runs}`, '--quiet']);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(r.status, 0, r.stderr);
  const results = JSON.parse(readFileSync(join(runs, 'quickstart', 'results.json'), 'utf8'));
  const dev = results.splits.find((s: { split: string }) => s.split === 'dev');
  process.stderr.write(`quickstart: ${seconds.toFixed(0)} s, dev average F1 ${dev.average.f1.toFixed(4)}\n`);
  assert.ok(dev.average.f1 >= 0.9, `dev average F1 ${dev.average.f1}`);
  assert.match(readFileSync(join(runs, 'quickstart', 'results.md'), 'utf8'), /\*\*average\*\*/);
});
