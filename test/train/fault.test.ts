/**
 * Fault tests: a trainer SIGKILLed at 20 moments — some random, some in the middle of a
 * checkpoint write (writes slowed with HYPERLOADER_TEST_CHECKPOINT_PAUSE_MS, the kill sent while
 * the temporary checkpoint folder exists) — and resumed each time ends exactly where an
 * uninterrupted run does: every step logged once with the same loss, the same final weights, no
 * file lost or left half-written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readSafetensors } from '../../src/model/safetensors.js';
import { binPath, repoRoot } from '../helpers/paths.js';
import { cli, tinyConfig } from './run-helpers.js';

const metricsOf = (runDir: string) =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((m) => m.task !== undefined);

/** A seeded generator for the kill moments, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test('SIGKILL at 20 moments (8 in the middle of checkpoint writes), resumed each time: the same losses and weights as an uninterrupted run', { timeout: 600_000 }, async () => {
  const { file, runs } = tinyConfig();
  const sets = ['--set', 'training.steps=40', '--set', 'training.checkpoint_every=2', '--set', 'eval.splits=[]', '--quiet'];
  const straight = cli(['train', '--config', file, '--name', 'straight', ...sets]);
  assert.equal(straight.status, 0, straight.stderr);

  const runDir = join(runs, 'killed');
  const ckpts = join(runDir, 'checkpoints');
  const random = lcg(20261202);
  const env = { ...process.env, HYPERLOADER_TEST_CHECKPOINT_PAUSE_MS: '150' };
  let kills = 0;
  let midWrite = 0;
  for (let attempt = 0; attempt < 60; attempt++) {
    const resume = existsSync(join(runDir, 'config.yaml')) ? ['--resume'] : [];
    const child = spawn(process.execPath, [binPath, 'train', '--config', file, '--name', 'killed', ...resume, ...sets], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    let finished: number | null | undefined;
    void exited.then((c) => (finished = c));
    if (kills < 20) {
      // Two kills in five wait for a checkpoint write in progress (its temporary folder); the rest come at a random moment.
      const inWrite = kills % 5 < 2;
      const deadline = Date.now() + (inWrite ? 20_000 : 400 + random() * 2500);
      while (finished === undefined && Date.now() < deadline) {
        if (inWrite && existsSync(ckpts) && readdirSync(ckpts).some((n) => n.includes('.tmp-')) && random() < 0.5) break;
        await sleep(inWrite ? 10 : 25);
      }
      if (finished === undefined) {
        const wasWriting = existsSync(ckpts) && readdirSync(ckpts).some((n) => n.includes('.tmp-'));
        child.kill('SIGKILL');
        await exited;
        kills++;
        if (wasWriting) midWrite++;
        continue;
      }
    }
    const code = await exited;
    assert.equal(code, 0, stderr);
    break;
  }
  assert.equal(kills, 20);
  assert.ok(midWrite >= 4, `only ${midWrite} kills landed in a checkpoint write`);
  assert.equal(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status, 'finished');

  const a = metricsOf(join(runs, 'straight'));
  const b = metricsOf(runDir);
  assert.deepEqual(b.map((x) => x.step), a.map((x) => x.step), 'every step logged exactly once');
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i].loss - b[i].loss) <= 1e-5 * Math.abs(a[i].loss), `step ${a[i].step}: ${a[i].loss} vs ${b[i].loss}`);
  const pa = await readSafetensors(join(runs, 'straight/checkpoints/last/params.safetensors'));
  const pb = await readSafetensors(join(runDir, 'checkpoints/last/params.safetensors'));
  assert.deepEqual([...pb.keys()].sort(), [...pa.keys()].sort());
  for (const [name, t] of pa) {
    const u = pb.get(name)!;
    for (let i = 0; i < t.data.length; i++) assert.ok(Math.abs(t.data[i] - u.data[i]) <= 1e-6, `${name}[${i}]`);
  }
  // Nothing half-written or left over: no temporary checkpoint folders or files, no lock.
  assert.deepEqual(readdirSync(ckpts).sort(), ['last']);
  assert.deepEqual(readdirSync(runDir).filter((n) => n.includes('.tmp') || n === 'run.lock'), []);
});
