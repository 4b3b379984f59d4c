import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HyperloaderError } from '../../src/errors.js';
import { acquireRunLock, LOCK_FILE, readLock } from '../../src/train/lock.js';
import { cli, cliAsync, tinyConfig } from './run-helpers.js';

/** The pid of a process that has exited (so, on this host, nobody's). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('the lock: exclusive, released, a dead holder on this host taken over with a warning, another host refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-lock-'));
  const a = acquireRunLock(dir);
  assert.equal(readLock(dir)?.pid, process.pid);
  // Held by a live process (this one, as far as another caller can tell after a fork): refused.
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), started: 'then', command: 'hyperloader train' }));
  assert.throws(() => acquireRunLock(dir), (e: unknown) => e instanceof HyperloaderError && new RegExp(`is being written by process ${process.ppid} on ${hostname()}`).test(e.message));
  a.release(); // not ours any more: left alone
  assert.equal(readLock(dir)?.pid, process.ppid);

  const dead = deadPid();
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), started: 'earlier', command: 'hyperloader train' }));
  const warnings: string[] = [];
  const b = acquireRunLock(dir, (m) => warnings.push(m));
  assert.equal(readLock(dir)?.pid, process.pid);
  assert.match(warnings.join('\n'), new RegExp(`took over the lock of process ${dead} .*no longer running`));
  b.release();
  assert.ok(!existsSync(join(dir, LOCK_FILE)));

  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere.example', started: 'then', command: 'hyperloader train' }));
  assert.throws(() => acquireRunLock(dir), (e: unknown) => e instanceof HyperloaderError && /process 1 on elsewhere\.example.*If that process is gone, delete .*run\.lock/.test(e.message));
});

test('two trainers started at once on one run: exactly one trains, every step logged once', async () => {
  const { file, runs } = tinyConfig();
  const start = () => cliAsync(['train', '--config', file, '--quiet', '--set', 'eval.splits=[]']);
  const done = (c: ReturnType<typeof cliAsync>) =>
    new Promise<{ code: number | null; err: string }>((res) => {
      let err = '';
      c.stderr!.on('data', (d) => (err += d));
      c.on('exit', (code) => res({ code, err }));
    });
  const [x, y] = await Promise.all([done(start()), done(start())]);
  const codes = [x.code, y.code].sort();
  assert.equal(codes[0], 0, `${x.err}\n${y.err}`);
  assert.notEqual(codes[1], 0);
  const loser = x.code === 0 ? y : x;
  assert.match(loser.err, /is being written by process|already exists/);
  assert.doesNotMatch(loser.err, /\n\s+at /);
  const steps = readFileSync(join(runs, 'tiny', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
  assert.deepEqual(steps, Array.from({ length: 30 }, (_, i) => i + 1));
  assert.ok(!existsSync(join(runs, 'tiny', LOCK_FILE)), 'released at the end');
});

test('eval refuses a run a live trainer holds; a run folder that cannot be written is a one-line error before any work', () => {
  const { file, runs } = tinyConfig();
  assert.equal(cli(['train', '--config', file, '--quiet', '--set', 'training.steps=4', '--set', 'eval.splits=[]']).status, 0);
  const runDir = join(runs, 'tiny');
  writeFileSync(join(runDir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), started: 'now', command: 'hyperloader train --resume' }));
  const r = cli(['eval', '--run', runDir]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`is still being trained by process ${process.pid}`));
  assert.ok(!existsSync(join(runDir, 'results.json')));

  // /sys refuses new folders (EPERM as root, EACCES otherwise).
  let writable = true;
  try {
    mkdirSync('/sys/hl-probe');
  } catch {
    writable = false;
  }
  if (!writable) {
    const ro = cli(['train', '--config', file, '--set', 'experiment.runs_dir=/sys/hl-runs']);
    assert.equal(ro.status, 1, ro.stderr);
    assert.match(ro.stderr, /cannot create the run folder in \/sys\/hl-runs: (operation not permitted|permission denied|read-only file system)/);
    assert.doesNotMatch(ro.stderr, /internal error|\n\s+at /);
  }
});
