/** eval, predict and Ctrl-C on a tiny trained run (the runner itself is tested in test/train/). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, cliAsync, tinyConfig } from '../train/run-helpers.js';

test('eval --run re-evaluates a saved run; predict tags text and prints JSON spans', () => {
  const { file, runs } = tinyConfig();
  assert.equal(cli(['train', '--config', file, '--quiet', '--set', 'training.steps=8', '--set', 'eval.splits=[]']).status, 0);
  const runDir = join(runs, 'tiny');
  assert.ok(!existsSync(join(runDir, 'results.json')), 'no evaluation when eval.splits is empty');

  const ev = cli(['eval', '--run', runDir, '--split', 'dev', '--tasks', 'demo_ner', '--quiet']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /dev average F1 \d\.\d{4} \(demo_ner \d\.\d{4}\)/);
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
  assert.equal(results.checkpoint, 'last');
  assert.equal(results.step, 8);
  assert.deepEqual(results.splits[0].tasks.map((t: { task: string }) => t.task), ['demo_ner']);
  // The predictions file re-scores to the same F1 through the conlleval-style scorer.
  const scored = JSON.parse(cli(['score', join(runDir, 'predictions', 'demo_ner.dev.txt'), '--json']).stdout);
  assert.ok(Math.abs(scored.default.micro.f1 - results.splits[0].tasks[0].f1) < 1e-12);

  const bad = cli(['eval', '--run', runDir, '--checkpoint', 'best']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no "best" checkpoint; it has "last"/);
  const notRun = cli(['eval', '--run', runs]);
  assert.equal(notRun.status, 2);
  assert.match(notRun.stderr, /is not a run directory/);

  const sentence = 'flights from boston to denver on june 5';
  const cols = cli(['predict', '--run', runDir, '--task', 'demo_slots', sentence]);
  assert.equal(cols.status, 0, cols.stderr);
  const lines = cols.stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split('\t')[0]), sentence.split(' '));
  for (const l of lines) assert.match(l.split('\t')[1], /^(O|[BI]-\S+)$/);
  const json = cli(['predict', '--run', runDir, '--task', 'demo_ner', '--json', 'Anna Berg visited Oslo .']);
  assert.equal(json.status, 0, json.stderr);
  const obj = JSON.parse(json.stdout.trim());
  assert.deepEqual(obj.tokens, ['Anna', 'Berg', 'visited', 'Oslo', '.']);
  assert.equal(obj.tags.length, 5);
  for (const s of obj.spans) assert.equal(s.text, obj.tokens.slice(s.start, s.end + 1).join(' '));
  const unknown = cli(['predict', '--run', runDir, '--task', 'nope', 'a b']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--task nope: this run knows demo_slots, demo_ner/);
  rmSync(runs, { recursive: true, force: true });
});

test('Ctrl-C (SIGINT) stops after the step, saves a checkpoint, and --resume finishes the run', async () => {
  const { file, runs } = tinyConfig();
  const child = cliAsync(['train', '--config', file, '--quiet', '--set', 'training.steps=400', '--set', 'training.checkpoint_every=1000', '--set', 'eval.splits=[]']);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const runDir = join(runs, 'tiny');
  const deadline = Date.now() + 60_000;
  while (!(existsSync(join(runDir, 'metrics.jsonl')) && readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').length > 5)) {
    if (Date.now() > deadline) throw new Error('training never started');
    await sleep(20);
  }
  child.kill('SIGINT');
  const code = await new Promise<number | null>((res) => child.on('exit', res));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted at step \d+; checkpoint saved/);
  const state = JSON.parse(readFileSync(join(runDir, 'checkpoints/last/state.json'), 'utf8'));
  assert.ok(state.step > 0 && state.step < 400);
  assert.equal(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status, 'interrupted');
  const resumed = cli(['train', '--config', file, '--quiet', '--resume', '--set', 'training.steps=400', '--set', 'training.checkpoint_every=1000', '--set', 'eval.splits=[]']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).step, 400);
  rmSync(runs, { recursive: true, force: true });
});
