/**
 * Grids (ablate, sweep) without a cluster: grid.yaml and its errors, run names, the sbatch script,
 * --slurm-opt, reading scontrol/sacct, the run states, and a local sweep whose folder `status`
 * and `collect` read. The launcher on a real Slurm cluster is tested in test/slurm/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gridPoints, parseGridSpec } from '../../src/train/grid-file.js';
import { arraySpec, expandArray, parseSacct, parseScontrol, sbatchScript, slurmOptions, slurmSeconds } from '../../src/train/slurm.js';
import { deriveState } from '../../src/train/grid-status.js';
import { slurmSchema } from '../../src/config/schema.js';
import type { RunInfo } from '../../src/train/run-folder.js';
import { cli, tinyConfig } from './run-helpers.js';

const spec = (doc: unknown) => parseGridSpec(doc, 'g.yaml', 'g');
const problems = (doc: unknown) => {
  try {
    spec(doc);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('no error');
};

test('grid.yaml: each problem is named by its key path', () => {
  const msg = problems({ sets: {}, set: { 'training.lr': 0.001, 'peft.variant': [], 'experiment.seed': [1], 'a..b': [1], 'eval.splits': [['dev'], ['dev']] }, seeds: [1, 1, -2] });
  assert.match(msg, /^invalid grid g\.yaml \(8 problems\):/);
  assert.match(msg, /g\.yaml: sets: unknown key \(did you mean set\?\)/);
  assert.match(msg, /g\.yaml: set\.training\.lr: expected a list of the values to try, e\.g\. \[0\.001\]/);
  assert.match(msg, /g\.yaml: set\.peft\.variant: an empty list/);
  assert.match(msg, /g\.yaml: set\.experiment\.seed: a grid names its runs itself; list seeds under seeds:/);
  assert.match(msg, /g\.yaml: set\.a\.\.b: not a dotted key path/);
  assert.match(msg, /g\.yaml: set\.eval\.splits\[1\]: \["dev"\] is listed twice/);
  assert.match(msg, /g\.yaml: seeds\[1\]: 1 is listed twice/);
  assert.match(msg, /g\.yaml: seeds\[2\]: expected a non-negative integer, got -2/);
  assert.match(problems({ name: 'a/b', set: { x: [1] } }), /g\.yaml: name: expected a folder name/);
  assert.match(problems({}), /g\.yaml: set: the grid is empty/);
  assert.match(problems({ set: { 'launcher.slurm.time': ['1:00:00'] } }), /set\.launcher\.slurm\.time: launcher options are not part of a run/);
});

test('grid points: the cross product in file order, each with each seed, named by the keys that vary', () => {
  const s = spec({ name: 'lrs', set: { 'training.lr': [0.001, 0.003], 'peft.variant': ['hyperloader', 'lora'], 'eval.splits': [['dev']] }, seeds: [1, 2] });
  assert.equal(s.name, 'lrs');
  const points = gridPoints(s);
  assert.deepEqual(points.map((p) => p.label), [
    'lr=0.001_variant=hyperloader-seed1', 'lr=0.001_variant=hyperloader-seed2', 'lr=0.001_variant=lora-seed1', 'lr=0.001_variant=lora-seed2',
    'lr=0.003_variant=hyperloader-seed1', 'lr=0.003_variant=hyperloader-seed2', 'lr=0.003_variant=lora-seed1', 'lr=0.003_variant=lora-seed2',
  ]);
  assert.deepEqual(points[5], { label: 'lr=0.003_variant=hyperloader-seed2', variant: 'lr=0.003_variant=hyperloader', seed: 2, overrides: { 'training.lr': 0.003, 'peft.variant': 'hyperloader', 'eval.splits': ['dev'] } });
  // Two keys with the same last segment keep their whole key; one seed adds no suffix; no varying key: "base".
  const twin = gridPoints(spec({ set: { 'peft.adapter.reduction_factor': [4, 8], 'peft.lora.reduction_factor': [2, 3] }, seeds: [7] }));
  assert.equal(twin[1]!.label, 'peft.adapter.reduction_factor=4_peft.lora.reduction_factor=3');
  assert.equal(twin[1]!.seed, 7);
  assert.deepEqual(gridPoints(spec({ seeds: [3, 4] })).map((p) => p.label), ['base-seed3', 'base-seed4']);
});

test('array specs fold ranges and unfold them again', () => {
  assert.equal(arraySpec([0, 1, 2, 3]), '0-3');
  assert.equal(arraySpec([5, 0, 1, 7, 8, 3]), '0-1,3,5,7-8');
  assert.equal(arraySpec([2], 4), '2%4');
  assert.deepEqual(expandArray('0-1,3,5,7-8'), [0, 1, 3, 5, 7, 8]);
  assert.deepEqual(expandArray('2-3%1'), [2, 3]);
  assert.deepEqual(expandArray('[4-5]'), [4, 5]);
  assert.deepEqual(expandArray('1-7:3'), [1, 4, 7]);
  assert.equal(slurmSeconds('30'), 1800);
  assert.equal(slurmSeconds('1:30'), 90);
  assert.equal(slurmSeconds('4:00:00'), 14400);
  assert.equal(slurmSeconds('1-02:03:04'), 93784);
  assert.equal(slurmSeconds('2-3'), 183600);
  assert.equal(slurmSeconds('UNLIMITED'), undefined);
});

test('--slurm-opt: launcher.slurm keys replace the config, other options become #SBATCH lines, reserved and bad ones are refused', () => {
  const fromConfig = slurmSchema.parse({ partition: 'cpu', time: '1:00:00', extra: ['--exclusive'] });
  const s = slurmOptions(fromConfig, ['partition=gpu', 'gpus-per-task=1', 'cpus_per_task=4', 'constraint=a100', 'no-kill']);
  assert.equal(s.partition, 'gpu');
  assert.equal(s.gpus_per_task, 1);
  assert.equal(s.cpus_per_task, 4);
  assert.equal(s.time, '1:00:00');
  assert.deepEqual(s.extra, ['--exclusive', '--constraint=a100', '--no-kill']);
  assert.equal(s.signal_seconds, 180);
  const bad = (() => {
    try {
      slurmOptions(undefined, ['array=0-3', 'time=soon', 'mem=lots', 'p=gpu', 'partition=']);
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  })();
  assert.match(bad, /--slurm-opt array=0-3: --array is set by the launcher/);
  assert.match(bad, /--slurm-opt p=gpu: use sbatch's long option name/);
  assert.match(bad, /--slurm-opt partition=: give a value \(launcher\.slurm\.partition\)/);
  assert.match(bad, /launcher\.slurm\.time: expected a Slurm time/);
  assert.match(bad, /launcher\.slurm\.mem: expected a Slurm memory size/);
});

test('the sbatch script: one array task per run, requeue on USR1, a trap that forwards it, valid bash', () => {
  const slurm = slurmSchema.parse({ partition: 'gpu', time: '2:00:00', gpus_per_task: 1, mem: '16G', account: 'lab', qos: 'normal', max_parallel: 2, signal_seconds: 300, extra: ['--constraint=a100'] });
  const tasks = [0, 1, 3].map((i) => ({ index: i, name: `g/run ${i}`, config: `runs/g/configs/run'${i}.yaml`, runDir: `/r/g/run${i}` }));
  const text = sbatchScript({ grid: 'g', gridDir: '/r/g', cwd: '/home/u/proj', slurm, tasks, hyperloader: ['/usr/bin/node', '/opt/hl/bin/hyperloader.js'] });
  const directives = text.split('\n').filter((l) => l.startsWith('#SBATCH')).map((l) => l.slice(8));
  assert.deepEqual(directives, [
    '--job-name=hl-g', '--array=0-1,3%2', '--output=/r/g/slurm/%A_%a.out', '--open-mode=append', '--requeue', '--signal=B:USR1@300', '--chdir=/home/u/proj',
    '--partition=gpu', '--time=2:00:00', '--gpus-per-task=1', '--mem=16G', '--account=lab', '--qos=normal', '--constraint=a100',
  ]);
  assert.ok(text.includes(`CONFIG[3]='runs/g/configs/run'\\''3.yaml' RUN[3]='/r/g/run3' NAME[3]='g/run 3'`), text);
  assert.ok(text.includes(`HL=('/usr/bin/node' '/opt/hl/bin/hyperloader.js')`));
  assert.match(text, /trap 'trapped=1; \[ -n "\$child" \] && kill -USR1 "\$child" 2>\/dev\/null' USR1/);
  assert.match(text, /"\$\{HL\[@\]\}" train --config "\$\{CONFIG\[\$i\]\}" \$resume &\nchild=\$!/);
  assert.match(text, /\n  75\)\n.*\n    scontrol requeue "\$task" && exit 0/);
  const syntax = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
  assert.equal(syntax.status, 0, syntax.stderr);
  // Apptainer: the image runs `train` with the GPU driver bound.
  const sif = sbatchScript({ grid: 'g', gridDir: '/r/g', cwd: '/p', tasks, slurm: slurmSchema.parse({ container: '/images/hl.sif', container_options: ['--bind', '/scratch'] }) });
  assert.ok(sif.includes(`HL=('apptainer' 'run' '--nv' '--bind' '/scratch' '/images/hl.sif')`), sif);
  // The USR1 warning must come before the time limit.
  assert.throws(() => sbatchScript({ grid: 'g', gridDir: '/r/g', cwd: '/p', tasks, slurm: slurmSchema.parse({ time: '2', signal_seconds: 120 }) }), /signal_seconds \(120\) is not less than launcher\.slurm\.time \(2 = 120 s\)/);
});

// Real `scontrol show job -o` records (Slurm 22.05, test/slurm's cluster), shortened.
const SCONTROL = [
  'JobId=6 ArrayJobId=6 ArrayTaskId=2-3 ArrayTaskThrottle=1 JobName=hl-rq UserId=root(0) JobState=PENDING Reason=JobArrayTaskLimit Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 ExitCode=0:0 RunTime=00:00:00 StdOut=/r/rq/slurm/6_%a.out Power=',
  'JobId=7 ArrayJobId=6 ArrayTaskId=0 JobName=hl-rq UserId=root(0) JobState=PENDING Reason=BeginTime Dependency=(null) Requeue=1 Restarts=1 BatchFlag=1 ExitCode=0:0 StdOut=/r/rq/slurm/6_0.out Power=',
  'JobId=8 ArrayJobId=6 ArrayTaskId=1 JobName=hl-rq UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 ExitCode=1:0 StdOut=/r/rq/slurm/6_1.out Power=',
].join('\n');

test('scontrol and sacct output: every array task with its state, pending ranges expanded', () => {
  const t = parseScontrol(SCONTROL);
  assert.deepEqual(t.map((x) => [x.task, x.state, x.reason, x.restarts, x.exitCode]), [
    [2, 'PENDING', 'JobArrayTaskLimit', 0, '0:0'],
    [3, 'PENDING', 'JobArrayTaskLimit', 0, '0:0'],
    [0, 'PENDING', 'BeginTime', 1, '0:0'],
    [1, 'FAILED', 'NonZeroExitCode', 0, '1:0'],
  ]);
  assert.equal(t[3]!.stdout, '/r/rq/slurm/6_1.out');
  const s = parseSacct('12_0|COMPLETED|0:0\n12_1|CANCELLED by 0|0:15\n12_[2-3]|PENDING|0:0\n');
  assert.deepEqual(s.map((x) => [x.task, x.state, x.exitCode, x.source]), [
    [0, 'COMPLETED', '0:0', 'sacct'], [1, 'CANCELLED', '0:15', 'sacct'], [2, 'PENDING', '0:0', 'sacct'], [3, 'PENDING', '0:0', 'sacct'],
  ]);
});

test('a run\'s state from its run.json, its lock and its Slurm task', () => {
  const info = (status: RunInfo['status']) => ({ status }) as RunInfo;
  const sl = (state: string, restarts = 0) => ({ task: 0, state, restarts, source: 'scontrol' as const });
  const cases: [RunInfo | null, boolean, ReturnType<typeof sl> | undefined, string][] = [
    [null, false, undefined, 'pending'],
    [info('running'), true, undefined, 'running'],
    [info('running'), false, undefined, 'stopped'],
    [info('interrupted'), false, undefined, 'stopped'],
    [info('failed'), false, undefined, 'failed'],
    [info('finished'), false, sl('RUNNING'), 'done'],
    [null, false, sl('PENDING'), 'pending'],
    [info('interrupted'), false, sl('PENDING', 1), 'requeued'],
    [info('interrupted'), false, sl('REQUEUED'), 'requeued'],
    [info('running'), false, sl('RUNNING'), 'running'],
    [info('running'), false, sl('COMPLETING'), 'running'],
    [info('failed'), false, sl('FAILED'), 'failed'],
    [info('running'), false, sl('TIMEOUT'), 'failed'],
    [null, false, sl('CANCELLED'), 'failed'],
  ];
  for (const [i, lock, s, want] of cases) assert.equal(deriveState(i, lock, s), want, JSON.stringify([i, lock, s]));
});

test('launcher.slurm in a config is validated with its key path, and a run resumes whatever launcher options say', () => {
  const bad = tinyConfig('launcher:\n  slurm: { time: "soon", mem: 16, gpus: 1 }\n');
  const r = cli(['config', '--config', bad.file]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /tiny\.yaml:\d+:\d+: launcher\.slurm\.time: expected a Slurm time/);
  assert.match(r.stderr, /launcher\.slurm\.mem: /);
  assert.match(r.stderr, /launcher\.slurm\.gpus: /);
  const { file } = tinyConfig('launcher:\n  slurm: { time: "1:00:00", partition: cpu }\n');
  const sets = ['--set', 'training.steps=2', '--set', 'eval.splits=[]', '--quiet'];
  assert.equal(cli(['train', '--config', file, ...sets]).status, 0);
  const resumed = cli(['train', '--config', file, '--resume', ...sets, '--set', 'launcher.slurm.time=2:00:00']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const other = cli(['train', '--config', file, '--resume', ...sets, '--set', 'training.lr=0.01']);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /the config differs .*training\.lr: 0\.001 → 0\.01/);
});

test('a local sweep: grid.json, one resolved config per run, comparison; status and collect read it; a changed plan is refused', () => {
  const { file, runs, dir } = tinyConfig();
  const gridFile = join(dir, 'g.yaml');
  writeFileSync(gridFile, 'name: lrs\nset:\n  training.lr: [1.0e-3, 2.0e-3]\n  peft.variant: [lora]\n');
  const sets = ['--set', 'training.steps=4', '--set', 'eval.splits=[dev]'];
  const plan = cli(['sweep', '--config', file, '--grid', gridFile, '--plan', ...sets]);
  assert.equal(plan.status, 0, plan.stderr);
  assert.match(plan.stdout, /grid lrs: 2 runs\n/);
  assert.match(plan.stdout, /lr=0\.001 +training\.lr=0\.001 peft\.variant="lora"/);
  assert.ok(!existsSync(join(runs, 'lrs')), '--plan writes nothing');

  const r = cli(['sweep', '--config', file, '--grid', gridFile, '--quiet', ...sets]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 of 2 runs done and compared: .*lrs\/comparison\.md/);
  const grid = JSON.parse(readFileSync(join(runs, 'lrs', 'grid.json'), 'utf8'));
  assert.equal(grid.kind, 'sweep');
  assert.deepEqual(grid.runs.map((x: { name: string; config: string; overrides: unknown }) => [x.name, x.config, x.overrides]), [
    ['lrs/lr=0.001', 'configs/lr=0.001.yaml', { 'training.lr': 0.001, 'peft.variant': 'lora' }],
    ['lrs/lr=0.002', 'configs/lr=0.002.yaml', { 'training.lr': 0.002, 'peft.variant': 'lora' }],
  ]);
  assert.deepEqual(grid.launches.map((l: { launcher: string; runs: number[] }) => [l.launcher, l.runs]), [['local', [0, 1]]]);
  // The run was trained from its grid config: the same resolved config, and no launcher section.
  const runConfig = readFileSync(join(runs, 'lrs', 'lr=0.002', 'config.yaml'), 'utf8');
  assert.equal(runConfig, readFileSync(join(runs, 'lrs', 'configs', 'lr=0.002.yaml'), 'utf8'));
  assert.match(runConfig, /lr: 0\.002/);
  assert.match(readFileSync(join(runs, 'lrs', 'comparison.md'), 'utf8'), /^# Sweep: lrs\n[\s\S]*\| lr=0\.001 \| 7 \|/);

  const st = cli(['status', join(runs, 'lrs')]);
  assert.equal(st.status, 0, st.stderr);
  assert.match(st.stdout, /grid lrs \(.*\): 2 runs, 2 done\n/);
  assert.match(st.stdout, /\n1 +lr=0\.002 +done +4\/4 +local +\S+log\.jsonl\n/);

  // A run folder removed (as if never started): collect marks it, status says pending.
  const moved = join(runs, 'lrs', 'lr=0.002');
  spawnSync('mv', [moved, `${moved}.away`]);
  const col = cli(['collect', join(runs, 'lrs')]);
  assert.equal(col.status, 0, col.stderr);
  assert.match(col.stdout, /1 of 2 runs done: .*\n  lr=0\.002: pending\n/);
  assert.match(readFileSync(join(runs, 'lrs', 'comparison.md'), 'utf8'), /## not finished[\s\S]*\| lr=0\.002 \| 7 \| pending \| – \|/);
  spawnSync('mv', [`${moved}.away`, moved]);

  const changed = cli(['sweep', '--config', file, '--grid', gridFile, ...sets, '--set', 'training.warmup_steps=1']);
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /run lr=0\.001 was planned with another config .*training\.warmup_steps: 3 → 1/);
  const badValue = join(dir, 'bad.yaml');
  writeFileSync(badValue, 'set:\n  training.lr: [1.0e-3, fast]\n');
  const bad = cli(['sweep', '--config', file, '--grid', badValue]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad\.yaml: set\.training\.lr\[1\] = "fast": .*training\.lr/);
  const dry = cli(['sweep', '--config', file, '--grid', gridFile, '--dry-run']);
  assert.equal(dry.status, 2);
  assert.match(dry.stderr, /--dry-run goes with --launcher slurm/);
  const none = cli(['status', join(dir, 'nope')]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no grid at .*nope/);
});

test('ablate writes the grid layout too: grid.json and configs/, which status reads', () => {
  const { file, runs } = tinyConfig();
  const r = cli(['ablate', '--config', file, '--variants', 'lora', '--set', 'training.steps=3', '--set', 'eval.splits=[]', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const grid = JSON.parse(readFileSync(join(runs, 'tiny', 'grid.json'), 'utf8'));
  assert.deepEqual(grid.runs.map((x: { label: string; variant: string; seed: number; config: string }) => [x.label, x.variant, x.seed, x.config]), [['lora', 'lora', 7, 'configs/lora.yaml']]);
  const st = cli(['status', join(runs, 'tiny'), '--json']);
  assert.equal(st.status, 0, st.stderr);
  assert.deepEqual(JSON.parse(st.stdout).runs.map((x: { state: string; step: number }) => [x.state, x.step]), [['done', 3]]);
});

test('a run lock left on another node by the same Slurm job (requeued elsewhere) is taken over; another job\'s is not', async () => {
  const { acquireRunLock } = await import('../../src/train/lock.js');
  const { mkdtempSync: mk, writeFileSync: wf } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mk(join(tmpdir(), 'hl-lock-'));
  const foreign = (job: string) => wf(join(dir, 'run.lock'), JSON.stringify({ pid: 4242, host: 'node-that-died', started: '2026-01-01T00:00:00Z', command: 'train', slurm_job: job }) + '\n');
  const before = process.env.SLURM_JOB_ID;
  try {
    process.env.SLURM_JOB_ID = '77';
    foreign('76');
    assert.throws(() => acquireRunLock(dir), /being written by process 4242 on node-that-died .*If that process is gone, delete/);
    foreign('77');
    const warnings: string[] = [];
    const lock = acquireRunLock(dir, (m) => warnings.push(m));
    assert.match(warnings.join('\n'), /took over the lock of process 4242 on node-that-died/);
    assert.equal(JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')).slurm_job, '77');
    lock.release();
    assert.ok(!existsSync(join(dir, 'run.lock')));
  } finally {
    if (before === undefined) delete process.env.SLURM_JOB_ID;
    else process.env.SLURM_JOB_ID = before;
  }
});
