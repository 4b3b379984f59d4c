/**
 * Checkpoints as one unit: a manifest (written last) lists every file with its size and sha256;
 * --resume never trains from step 0 over weights a run has; a damaged checkpoint is a user error
 * naming the file, for train, eval and predict alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tinyConfig } from './run-helpers.js';

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

function trainedRun(): { file: string; runDir: string } {
  const { file, runs } = tinyConfig();
  const r = cli(['train', '--config', file, '--quiet', '--set', 'training.steps=8', '--set', 'eval.splits=[]']);
  assert.equal(r.status, 0, r.stderr);
  return { file, runDir: join(runs, 'tiny') };
}

const noStack = (stderr: string) => assert.doesNotMatch(stderr, /internal error|\n\s+at /);

test('the manifest lists every checkpoint file with its size and sha256', () => {
  const { runDir } = trainedRun();
  const dir = join(runDir, 'checkpoints', 'last');
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  assert.equal(m.step, 8);
  assert.deepEqual(Object.keys(m.files).sort(), ['optimizer.safetensors', 'params.safetensors', 'state.json']);
  for (const [f, e] of Object.entries(m.files) as [string, { size: number; sha256: string }][]) {
    assert.equal(e.size, readFileSync(join(dir, f)).length, f);
    assert.equal(e.sha256, sha(join(dir, f)), f);
  }
});

test('state.json deleted: --resume and eval refuse (naming it), nothing is retrained or rewritten', () => {
  const { file, runDir } = trainedRun();
  const params = join(runDir, 'checkpoints/last/params.safetensors');
  const before = sha(params);
  const metrics = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8');
  unlinkSync(join(runDir, 'checkpoints/last/state.json'));
  const r = cli(['train', '--config', file, '--resume', '--set', 'training.steps=8', '--set', 'eval.splits=[]']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /checkpoints\/last is not a complete checkpoint: state\.json is missing/);
  noStack(r.stderr);
  assert.equal(sha(params), before);
  assert.equal(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8'), metrics);
  const e = cli(['eval', '--run', runDir]);
  assert.equal(e.status, 1);
  assert.match(e.stderr, /state\.json is missing/);
  noStack(e.stderr);
});

test('a truncated or corrupt file is caught by its size or sha256; without a manifest, corrupt JSON names the file', () => {
  const { file, runDir } = trainedRun();
  const dir = join(runDir, 'checkpoints/last');
  truncateSync(join(dir, 'optimizer.safetensors'), 100);
  const r = cli(['train', '--config', file, '--resume', '--set', 'training.steps=8', '--set', 'eval.splits=[]']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not a complete checkpoint: optimizer\.safetensors has 100 bytes, the manifest says \d+/);
  noStack(r.stderr);

  // An older checkpoint (no manifest) with state.json cut short.
  const { runDir: other } = trainedRun();
  const od = join(other, 'checkpoints/last');
  unlinkSync(join(od, 'manifest.json'));
  writeFileSync(join(od, 'state.json'), readFileSync(join(od, 'state.json'), 'utf8').slice(0, 40));
  const p = cli(['predict', '--run', other, '--task', 'demo_slots', 'flights to boston']);
  assert.equal(p.status, 1);
  assert.match(p.stderr, /state\.json: the checkpoint's state \(state\.json\) is not valid JSON/);
  noStack(p.stderr);
});

test('weights without a complete checkpoint are never trained over; a run that never checkpointed starts again', () => {
  const { file, runDir } = trainedRun();
  const dir = join(runDir, 'checkpoints/last');
  unlinkSync(join(dir, 'manifest.json'));
  unlinkSync(join(dir, 'state.json'));
  const before = sha(join(dir, 'params.safetensors'));
  const r = cli(['train', '--config', file, '--resume', '--set', 'training.steps=8', '--set', 'eval.splits=[]']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /cannot resume .*: it has no complete "last" checkpoint .* but it does have checkpoints\/last\/optimizer\.safetensors, checkpoints\/last\/params\.safetensors.*delete .*checkpoints and .*metrics\.jsonl/);
  noStack(r.stderr);
  assert.equal(sha(join(dir, 'params.safetensors')), before);

  // With no checkpoint at all (killed before the first one), --resume starts from step 0.
  rmSync(join(runDir, 'checkpoints'), { recursive: true });
  const again = cli(['train', '--config', file, '--resume', '--set', 'training.steps=8', '--set', 'eval.splits=[]']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /from the start: no checkpoint had been written/);
  const steps = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8]);
});
