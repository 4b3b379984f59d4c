/**
 * SIGUSR1, what a grid's Slurm batch script forwards before a time limit or on preemption: the
 * trainer finishes its step, saves a checkpoint and exits with the requeue code (75); --resume then
 * finishes the run with the losses of one that was never stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, cliAsync, tinyConfig } from './run-helpers.js';
import { REQUEUE_EXIT_CODE } from '../../src/train/run.js';

const losses = (runDir: string) =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; loss: number })
    .map((m) => [m.step, m.loss]);

test('SIGUSR1: checkpoint after the current step, exit 75; --resume continues with the same losses', async () => {
  assert.equal(REQUEUE_EXIT_CODE, 75);
  const sets = ['--set', 'training.steps=60', '--set', 'training.checkpoint_every=1000', '--set', 'eval.splits=[]', '--quiet'];
  const { file, runs } = tinyConfig();
  const runDir = join(runs, 'tiny');
  const child = cliAsync(['train', '--config', file, ...sets]);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 60_000;
  while (!(existsSync(join(runDir, 'metrics.jsonl')) && readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').length > 5)) {
    if (Date.now() > deadline) throw new Error(`training never started: ${stderr}`);
    await sleep(20);
  }
  child.kill('SIGUSR1');
  const code = await new Promise<number | null>((res) => child.on('exit', res));
  assert.equal(code, 75, stderr);
  const stopped = Number(/preempted at step (\d+) \(SIGUSR1\); checkpoint saved/.exec(stderr)?.[1]);
  assert.ok(stopped > 0 && stopped < 60, stderr);
  // The checkpoint is the step it stopped after (checkpoint_every would not have written one).
  assert.equal(JSON.parse(readFileSync(join(runDir, 'checkpoints/last/state.json'), 'utf8')).step, stopped);
  const info = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  assert.deepEqual([info.status, info.step], ['interrupted', stopped]);

  const resumed = cli(['train', '--config', file, '--resume', ...sets]);
  assert.equal(resumed.status, 0, resumed.stderr);
  const again = tinyConfig();
  assert.equal(cli(['train', '--config', again.file, ...sets]).status, 0);
  const want = losses(join(again.runs, 'tiny'));
  assert.equal(want.length, 60);
  assert.deepEqual(losses(runDir), want);
});
