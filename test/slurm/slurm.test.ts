/**
 * The Slurm launcher on a real single-node Slurm cluster (./cluster.ts starts one; skipped, with the
 * reason, where that cannot be done): a dry run's script passes `sbatch --test-only`; the quickstart
 * ablation as one job array gives the same comparison and losses as the local launcher; a task
 * requeued by `scontrol requeue` and one preempted by USR1 (the batch script forwards it, the
 * trainer checkpoints and exits 75, the script requeues the task) finish with the losses of an
 * uninterrupted run.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli } from '../train/run-helpers.js';
import { startCluster, type Cluster } from './cluster.js';
import { parseScontrol, type SlurmTaskState } from '../../src/train/slurm.js';

const started = await startCluster();
const skip = 'skip' in started ? started.skip : false;
const cluster = 'skip' in started ? undefined : (started as Cluster);
after(async () => cluster?.stop());

const work = mkdtempSync(join(tmpdir(), 'hl-slurm-grid-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The quickstart, tiny: a few steps of batch 8 on a tenth of the demo data, dev evaluation only. */
const tiny = (runsDir: string, steps: number, extra: string[] = []) =>
  [
    `experiment.runs_dir=${runsDir}`,
    'experiment.backend=wasm',
    `training.steps=${steps}`,
    'training.batch_size=8',
    'training.warmup_steps=2',
    'training.checkpoint_every=4',
    'training.log_every=10',
    'data.fraction=0.1',
    'eval.max_decode_length=24',
    ...extra,
  ].flatMap((s) => ['--set', s]);

function tasks(jobId: string): Map<number, SlurmTaskState> {
  const r = cluster!.run('scontrol', ['show', 'job', '-o', jobId]);
  return new Map(parseScontrol(r.stdout).map((t) => [t.task, t]));
}

/** Polls `scontrol show job` every 0.3 s until `done` holds for the job's tasks. */
async function waitFor(jobId: string, what: string, done: (t: Map<number, SlurmTaskState>) => boolean, seconds = 120): Promise<Map<number, SlurmTaskState>> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const t = tasks(jobId);
    const failed = [...t.values()].filter((x) => ['FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY'].includes(x.state));
    if (failed.length > 0) {
      const logs = failed.map((f) => (f.stdout && existsSync(f.stdout) ? `${f.stdout}:\n${readFileSync(f.stdout, 'utf8').slice(-2000)}` : '(no log)'));
      assert.fail(`job ${jobId} tasks ${failed.map((f) => `${f.task} ${f.state}`).join(', ')} while waiting for ${what}\n${logs.join('\n')}`);
    }
    if (done(t)) return t;
    if (Date.now() > deadline) assert.fail(`job ${jobId}: ${what} did not happen in ${seconds} s: ${JSON.stringify([...t.values()])}`);
    await sleep(300);
  }
}

const allCompleted = (n: number) => (t: Map<number, SlurmTaskState>) => t.size === n && [...t.values()].every((x) => x.state === 'COMPLETED');

const losses = (runDir: string) =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; loss?: number })
    .filter((m) => m.loss !== undefined)
    .map((m) => [m.step, m.loss]);

const csvRows = (file: string) => {
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i]!])));
};

test('--launcher slurm --dry-run writes the grid folder and an sbatch script that sbatch --test-only accepts', { skip }, () => {
  const runs = join(work, 'dry');
  const r = cli(['ablate', '-c', 'configs/quickstart.yaml', '--variants', 'hyperloader,lora', '--seeds', '1,2', ...tiny(runs, 8), '--launcher', 'slurm', '--dry-run', '--slurm-opt', 'time=30', '--slurm-opt', 'mem=1G', '--slurm-opt', 'comment=hl-test']);
  assert.equal(r.status, 0, r.stderr);
  const script = join(runs, 'quickstart', 'slurm', 'array.sbatch');
  assert.match(r.stdout, /dry run: .*array\.sbatch written \(array 0-3, 4 runs\)/);
  const text = readFileSync(script, 'utf8');
  for (const line of ['#SBATCH --array=0-3', '#SBATCH --requeue', '#SBATCH --open-mode=append', '#SBATCH --signal=B:USR1@180', '#SBATCH --time=30', '#SBATCH --mem=1G', '#SBATCH --comment=hl-test', `#SBATCH --output=${join(runs, 'quickstart', 'slurm', '%A_%a.out')}`]) {
    assert.ok(text.includes(line + '\n'), `${line} missing from\n${text}`);
  }
  const grid = JSON.parse(readFileSync(join(runs, 'quickstart', 'grid.json'), 'utf8'));
  assert.deepEqual(grid.runs.map((x: { label: string }) => x.label), ['hyperloader-seed1', 'hyperloader-seed2', 'lora-seed1', 'lora-seed2']);
  assert.deepEqual(grid.launches, [], 'a dry run launches nothing');
  for (const run of grid.runs) assert.ok(existsSync(join(runs, 'quickstart', run.config)));
  const test = cluster!.run('sbatch', ['--test-only', script]);
  assert.equal(test.status, 0, test.stderr);
  assert.match(test.stderr, /sbatch: Job \d+ to start at/);
  // Nothing was queued.
  assert.equal(cluster!.run('squeue', ['-h']).stdout.trim(), '');
});

test('the quickstart ablation as one Slurm job array: status follows it, collect gives the local launcher\'s comparison and losses', { skip }, async () => {
  const slurmRuns = join(work, 'slurm');
  const localRuns = join(work, 'local');
  const args = ['ablate', '-c', 'configs/quickstart.yaml', '--variants', 'hyperloader,lora', '--seeds', '1,2'];
  const sub = cli([...args, ...tiny(slurmRuns, 8, ['eval.splits=[dev]']), '--launcher', 'slurm']);
  assert.equal(sub.status, 0, sub.stderr);
  const jobId = /submitted job array (\d+) \(tasks 0-3: 4 runs\)/.exec(sub.stdout)?.[1];
  assert.ok(jobId, sub.stdout);
  const grid = join(slurmRuns, 'quickstart');

  // Meanwhile, the same grid with the local launcher (this process's CPU is otherwise idle).
  const local = cli([...args, ...tiny(localRuns, 8, ['eval.splits=[dev]']), '--quiet']);
  assert.equal(local.status, 0, local.stderr);

  await waitFor(jobId, 'all four tasks COMPLETED', allCompleted(4));
  const status = cli(['status', grid, '--json']);
  assert.equal(status.status, 0, status.stderr);
  const st = JSON.parse(status.stdout) as { runs: { label: string; state: string; step: number; steps: number; slurm: { task: string; state: string }; log: string }[] };
  assert.equal(st.runs.length, 4);
  st.runs.forEach((r, i) => {
    assert.equal(r.state, 'done', JSON.stringify(r));
    assert.equal(`${r.step}/${r.steps}`, '8/8');
    assert.deepEqual([r.slurm.task, r.slurm.state], [`${jobId}_${i}`, 'COMPLETED']);
    assert.equal(r.log, join(grid, 'slurm', `${jobId}_${i}.out`));
    assert.match(readFileSync(r.log, 'utf8'), new RegExp(`task ${jobId}_${i} \\(quickstart/${r.label}\\): finished`));
  });

  const col = cli(['collect', grid]);
  assert.equal(col.status, 0, col.stderr);
  assert.match(col.stdout, /4 of 4 runs done/);
  const fromSlurm = csvRows(join(grid, 'comparison.csv'));
  const fromLocal = csvRows(join(localRuns, 'quickstart', 'comparison.csv'));
  const same = Object.keys(fromLocal[0]!).filter((k) => /^(variant|seed|dev_.*|test_.*|trainable_parameters|total_parameters|parameters_per_task)$/.test(k));
  assert.ok(same.includes('dev_average') && same.includes('trainable_parameters'), same.join(','));
  assert.deepEqual(fromSlurm.map((r) => same.map((k) => r[k])), fromLocal.map((r) => same.map((k) => r[k])));
  for (const label of ['hyperloader-seed1', 'hyperloader-seed2', 'lora-seed1', 'lora-seed2']) {
    assert.deepEqual(losses(join(grid, label)), losses(join(localRuns, 'quickstart', label)), label);
    // The decoded dev sentences too, file by file (the F1s of a few steps are small; these say more).
    const files = readdirSync(join(grid, label, 'predictions')).filter((f) => f.endsWith('.txt'));
    assert.ok(files.length >= 2, files.join(','));
    for (const f of files) assert.equal(readFileSync(join(grid, label, 'predictions', f), 'utf8'), readFileSync(join(localRuns, 'quickstart', label, 'predictions', f), 'utf8'), `${label}/${f}`);
  }

  // Both launchers share the layout: submitting the finished grid again submits nothing, and the
  // local launcher skips every run.
  const again = cli([...args, ...tiny(slurmRuns, 8, ['eval.splits=[dev]']), '--launcher', 'slurm']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /nothing to submit/);
  const locally = cli([...args, ...tiny(slurmRuns, 8, ['eval.splits=[dev]'])]);
  assert.equal(locally.status, 0, locally.stderr);
  assert.equal((locally.stderr.match(/finished already, skipped/g) ?? []).length, 4, locally.stderr);
});

test('a task requeued by scontrol and one preempted by USR1 finish with the losses of uninterrupted runs', { skip }, async () => {
  const gridFile = join(work, 'rq.yaml');
  writeFileSync(gridFile, 'name: rq\nseeds: [1, 2]\n');
  const slurmRuns = join(work, 'rq-slurm');
  const localRuns = join(work, 'rq-local');
  const sub = cli(['sweep', '-c', 'configs/quickstart.yaml', '--grid', gridFile, ...tiny(slurmRuns, 40, ['eval.splits=[]']), '--launcher', 'slurm']);
  assert.equal(sub.status, 0, sub.stderr);
  const jobId = /submitted job array (\d+) \(tasks 0-1: 2 runs\)/.exec(sub.stdout)?.[1];
  assert.ok(jobId, sub.stdout);
  const grid = join(slurmRuns, 'rq');
  const run = (i: number) => join(grid, `base-seed${i + 1}`);
  const logged = (i: number) => (existsSync(join(run(i), 'metrics.jsonl')) ? readFileSync(join(run(i), 'metrics.jsonl'), 'utf8').split('\n').length - 1 : 0);
  await waitFor(jobId, 'both tasks training', (t) => t.get(0)?.state === 'RUNNING' && t.get(1)?.state === 'RUNNING' && logged(0) >= 6 && logged(1) >= 6);

  // Task 0: requeued from outside (SIGTERM to the job; the trainer checkpoints by itself).
  assert.equal(cluster!.run('scontrol', ['requeue', `${jobId}_0`]).status, 0);
  // Task 1: USR1 to the batch shell only, as --signal=B:USR1@N sends it before a time limit.
  assert.equal(cluster!.run('scancel', ['--batch', '--signal=USR1', `${jobId}_1`]).status, 0);
  await waitFor(jobId, 'both tasks requeued (PENDING, one restart)', (t) => [0, 1].every((i) => t.get(i)?.state === 'PENDING' && t.get(i)?.restarts === 1));
  const held = JSON.parse(cli(['status', grid, '--json']).stdout) as { runs: { state: string; step: number }[] };
  assert.deepEqual(held.runs.map((r) => r.state), ['requeued', 'requeued']);
  for (const r of held.runs) assert.ok(r.step > 0 && r.step < 40, JSON.stringify(r));
  const log1 = readFileSync(join(grid, 'slurm', `${jobId}_1.out`), 'utf8');
  assert.match(log1, /preempted at step \d+ \(SIGUSR1\); checkpoint saved/);
  assert.match(log1, /checkpoint saved after USR1: requeueing/);

  // Release them now rather than after Slurm's 120 s requeue hold.
  for (const i of [0, 1]) assert.equal(cluster!.run('scontrol', ['update', `JobId=${jobId}_${i}`, 'StartTime=now']).status, 0);
  await waitFor(jobId, 'both tasks COMPLETED after their restart', allCompleted(2));
  for (const i of [0, 1]) {
    const log = readFileSync(join(grid, 'slurm', `${jobId}_${i}.out`), 'utf8');
    assert.match(log, /restart 1/, 'the restarted task appends to the same log');
    assert.match(readFileSync(join(run(i), 'log.jsonl'), 'utf8'), /resumed .* at step \d+/);
    assert.equal(JSON.parse(readFileSync(join(run(i), 'run.json'), 'utf8')).status, 'finished');
  }

  const local = cli(['sweep', '-c', 'configs/quickstart.yaml', '--grid', gridFile, ...tiny(localRuns, 40, ['eval.splits=[]']), '--quiet']);
  assert.equal(local.status, 0, local.stderr);
  for (const i of [0, 1]) {
    const want = losses(join(localRuns, 'rq', `base-seed${i + 1}`));
    assert.equal(want.length, 40);
    assert.deepEqual(losses(run(i)), want, `run ${i}`);
  }
});

test('a task that fails is shown failed by status, with the trainer\'s error and the log path', { skip }, async () => {
  const gridFile = join(work, 'broken.yaml');
  writeFileSync(gridFile, 'name: broken\nset:\n  model.tokenizer: [/nonexistent/tokenizer.json]\n');
  const runs = join(work, 'broken');
  const sub = cli(['sweep', '-c', 'configs/quickstart.yaml', '--grid', gridFile, ...tiny(runs, 4), '--launcher', 'slurm']);
  assert.equal(sub.status, 0, sub.stderr);
  const jobId = /submitted job array (\d+)/.exec(sub.stdout)?.[1];
  assert.ok(jobId, sub.stdout);
  const deadline = Date.now() + 60_000;
  while (tasks(jobId).get(0)?.state !== 'FAILED') {
    if (Date.now() > deadline) assert.fail(`task never failed: ${JSON.stringify([...tasks(jobId).values()])}`);
    await sleep(300);
  }
  const grid = join(runs, 'broken');
  const st = cli(['status', grid]);
  assert.equal(st.status, 1, 'status exits 1 when a run failed');
  const log = join(grid, 'slurm', `${jobId}_0.out`);
  assert.match(st.stdout, new RegExp(`\\n0 +base +failed +${jobId}_0 FAILED \\(NonZeroExitCode\\) +${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
  assert.match(st.stdout, /\nfailed:\n  base: .*nonexistent\/tokenizer\.json.* \(log: .*_0\.out\)\n/);
  assert.match(readFileSync(log, 'utf8'), /failed with exit status 1/);
});
