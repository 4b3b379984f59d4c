/**
 * The Slurm launcher: a grid's runs as ONE job array (array task i trains grid.json's run i), and
 * what Slurm says about those tasks afterwards.
 *
 * Each array task runs `hyperloader train --config <grid>/configs/<run>.yaml` (plus --resume once
 * the run folder exists), so a requeued or restarted task continues from checkpoints/last. The
 * batch script asks for --requeue, --open-mode=append and --signal=B:USR1@N; it traps USR1 and
 * forwards it to the trainer (started as `child & wait`: the shell only runs a trap while it
 * waits, and proctrack/linuxproc does not clean up orphans), which checkpoints after its current
 * step and exits with REQUEUE_EXIT_CODE; the script then runs `scontrol requeue` on its own task.
 * On SIGTERM (scancel, scontrol requeue, preemption) Slurm signals every process of the job: the
 * trainer checkpoints by itself and the shell keeps waiting for it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile, chmod } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HyperloaderError } from '../errors.js';
import { slurmSchema, type SlurmConfig } from '../config/schema.js';
import { packageRoot, packageVersion } from '../runtime/paths.js';
import { REQUEUE_EXIT_CODE } from './run.js';
import { readRunInfo } from './run-folder.js';
import { displayPath, runDirOf, writeGrid, type PreparedGrid } from './grid.js';

/** sbatch options the launcher sets itself: --slurm-opt may not change them. */
const RESERVED = ['array', 'a', 'output', 'o', 'error', 'e', 'open-mode', 'requeue', 'no-requeue', 'signal', 'chdir', 'D', 'wrap', 'parsable', 'test-only', 'wait', 'W'];
/** --slurm-opt keys that are launcher.slurm keys (sbatch spelling → config key). */
const CONFIG_KEYS: Record<string, keyof SlurmConfig> = {
  partition: 'partition',
  time: 'time',
  'gpus-per-task': 'gpus_per_task',
  'cpus-per-task': 'cpus_per_task',
  mem: 'mem',
  account: 'account',
  qos: 'qos',
  'max-parallel': 'max_parallel',
  'signal-seconds': 'signal_seconds',
  container: 'container',
};
const NUMERIC: (keyof SlurmConfig)[] = ['gpus_per_task', 'cpus_per_task', 'max_parallel', 'signal_seconds'];

/**
 * launcher.slurm with the command line's --slurm-opt KEY=VALUE applied: a launcher.slurm key
 * (partition, time, gpus-per-task, cpus-per-task, mem, account, qos, max-parallel,
 * signal-seconds, container; - or _) replaces the config's value; any other KEY[=VALUE] becomes
 * an #SBATCH --KEY[=VALUE] line of its own.
 */
export function slurmOptions(fromConfig: SlurmConfig | undefined, opts: readonly string[]): SlurmConfig {
  const merged: Record<string, unknown> = { ...(fromConfig ?? slurmSchema.parse({})) };
  merged.extra = [...((merged.extra as string[] | undefined) ?? [])];
  const problems: string[] = [];
  for (const text of opts) {
    const eq = text.indexOf('=');
    const rawKey = (eq < 0 ? text : text.slice(0, eq)).trim().replace(/^--?/, '');
    const value = eq < 0 ? undefined : text.slice(eq + 1);
    const key = rawKey.replace(/_/g, '-');
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(key)) {
      problems.push(`--slurm-opt ${text}: expected KEY=VALUE with an sbatch long option name, e.g. --slurm-opt partition=gpu`);
    } else if (RESERVED.includes(key)) {
      problems.push(`--slurm-opt ${text}: --${key} is set by the launcher (one array task per run, logs in the grid's slurm/ folder, requeue on USR1)`);
    } else if (key.length === 1) {
      problems.push(`--slurm-opt ${text}: use sbatch's long option name (e.g. partition, not p)`);
    } else if (CONFIG_KEYS[key]) {
      const ck = CONFIG_KEYS[key];
      if (value === undefined || value === '') problems.push(`--slurm-opt ${text}: give a value (launcher.slurm.${ck})`);
      else merged[ck] = NUMERIC.includes(ck) && /^-?\d+$/.test(value) ? Number(value) : value;
    } else {
      (merged.extra as string[]).push(value === undefined ? `--${key}` : `--${key}=${value}`);
    }
  }
  const parsed = slurmSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`launcher.slurm.${issue.path.join('.')}: ${issue.message}`);
  }
  if (problems.length > 0) throw new HyperloaderError(`Slurm options (launcher.slurm and --slurm-opt):\n  ${problems.join('\n  ')}`, { exitCode: 2 });
  return parsed.data!;
}

/** Slurm time (minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]) in seconds; undefined for UNLIMITED. */
export function slurmSeconds(time: string): number | undefined {
  if (/^(UNLIMITED|INFINITE)$/.test(time)) return undefined;
  let days = 0;
  let rest = time;
  const dash = time.indexOf('-');
  if (dash >= 0) {
    days = Number(time.slice(0, dash));
    rest = time.slice(dash + 1);
    const p = rest.split(':').map(Number);
    return days * 86400 + (p[0] ?? 0) * 3600 + (p[1] ?? 0) * 60 + (p[2] ?? 0);
  }
  const p = rest.split(':').map(Number);
  if (p.length === 1) return p[0]! * 60;
  if (p.length === 2) return p[0]! * 60 + p[1]!;
  return p[0]! * 3600 + p[1]! * 60 + p[2]!;
}

/** An --array value for these task indices: ranges folded (0-3,5,7-8), with %N when throttled. */
export function arraySpec(indices: readonly number[], maxParallel?: number): string {
  const xs = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    parts.push(j === i ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',') + (maxParallel ? `%${maxParallel}` : '');
}

/** Task indices of an --array / ArrayTaskId value (`0-3,5`, `1-7:2`, `2-3%1`). */
export function expandArray(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.replace(/%\d+$/, '').replace(/^\[|\]$/g, '').split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    for (let i = a; i <= b; i += step) out.push(i);
  }
  return out;
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const sbatchValue = (s: string) => (/\s/.test(s) ? `"${s}"` : s);

export interface ScriptOptions {
  grid: string;
  gridDir: string;
  /** The working directory the tasks run in (relative paths in the configs resolve there). */
  cwd: string;
  slurm: SlurmConfig;
  /** Each array task: its index, run name, config path and run folder. */
  tasks: { index: number; name: string; config: string; runDir: string }[];
  /** The command that is `hyperloader` on the compute nodes (default: this Node and this package's bin). */
  hyperloader?: string[];
}

/** The command an array task runs as `hyperloader`: this installation, or `apptainer run --nv IMAGE`. */
export function hyperloaderCommand(slurm: SlurmConfig): string[] {
  if (slurm.container) return ['apptainer', 'run', '--nv', ...slurm.container_options, resolve(slurm.container)];
  return [process.execPath, join(packageRoot(), 'bin', 'hyperloader.js')];
}

/** The sbatch script of a grid's job array. */
export function sbatchScript(o: ScriptOptions): string {
  const s = o.slurm;
  const limit = s.time === undefined ? undefined : slurmSeconds(s.time);
  if (limit !== undefined && s.signal_seconds >= limit) {
    throw new HyperloaderError(
      `launcher.slurm.signal_seconds (${s.signal_seconds}) is not less than launcher.slurm.time (${s.time} = ${limit} s): the USR1 warning would come before the run starts; lower signal_seconds or raise time`,
      { exitCode: 2 },
    );
  }
  const cmd = o.hyperloader ?? hyperloaderCommand(s);
  const directives = [
    `--job-name=${sbatchValue(`hl-${o.grid}`)}`,
    `--array=${arraySpec(o.tasks.map((t) => t.index), s.max_parallel)}`,
    `--output=${sbatchValue(join(o.gridDir, 'slurm', '%A_%a.out'))}`,
    '--open-mode=append',
    '--requeue',
    `--signal=B:USR1@${s.signal_seconds}`,
    `--chdir=${sbatchValue(o.cwd)}`,
    ...(s.partition ? [`--partition=${s.partition}`] : []),
    ...(s.time ? [`--time=${s.time}`] : []),
    ...(s.gpus_per_task ? [`--gpus-per-task=${s.gpus_per_task}`] : []),
    ...(s.cpus_per_task ? [`--cpus-per-task=${s.cpus_per_task}`] : []),
    ...(s.mem ? [`--mem=${s.mem}`] : []),
    ...(s.account ? [`--account=${s.account}`] : []),
    ...(s.qos ? [`--qos=${s.qos}`] : []),
    ...s.extra,
  ];
  const lines = [
    '#!/bin/bash',
    `# hyperloader ${packageVersion()}: grid "${o.grid}", ${o.tasks.length} run${o.tasks.length === 1 ? '' : 's'} as one Slurm job array.`,
    `# Array task i trains run i of ${join(o.gridDir, 'grid.json')} from its resolved config,`,
    '# with --resume once its run folder exists: a requeued or restarted task continues from checkpoints/last.',
    `# USR1 (--signal, ${s.signal_seconds} s before the time limit; or \`scancel --batch -s USR1 JOB_TASK\`) is forwarded to the trainer,`,
    `# which saves a checkpoint after its current step and exits ${REQUEUE_EXIT_CODE}; this script then requeues its task.`,
    ...directives.map((d) => `#SBATCH ${d}`),
    '',
    `HL=(${cmd.map(shq).join(' ')})`,
    'CONFIG=() RUN=() NAME=()',
    ...o.tasks.map((t) => `CONFIG[${t.index}]=${shq(t.config)} RUN[${t.index}]=${shq(t.runDir)} NAME[${t.index}]=${shq(t.name)}`),
    '',
    'i=${SLURM_ARRAY_TASK_ID:?this script runs as a Slurm array task: submit it with sbatch}',
    'task="${SLURM_ARRAY_JOB_ID}_${i}"',
    'say() { echo "[hyperloader $(date -u +%Y-%m-%dT%H:%M:%SZ)] task $task (${NAME[$i]}): $*"; }',
    'say "start on $(hostname) in $PWD, restart ${SLURM_RESTART_COUNT:-0}"',
    'resume=',
    '[ -f "${RUN[$i]}/config.yaml" ] && resume=--resume',
    'child= trapped=',
    '# Slurm signals only this shell with USR1 (B:): pass it on to the trainer.',
    'trap \'trapped=1; [ -n "$child" ] && kill -USR1 "$child" 2>/dev/null\' USR1',
    '# SIGTERM reaches every process of the job: the trainer checkpoints by itself; keep waiting for it.',
    "trap 'trapped=1' TERM",
    '"${HL[@]}" train --config "${CONFIG[$i]}" $resume &',
    'child=$!',
    'while :; do',
    '  wait "$child"; rc=$?',
    '  # wait returns >128 when a trapped signal interrupts it: the trainer is still running',
    '  if [ "$rc" -gt 128 ] && [ -n "$trapped" ]; then trapped=; continue; fi',
    '  break',
    'done',
    'case $rc in',
    '  0) say "finished" ;;',
    `  ${REQUEUE_EXIT_CODE})`,
    '    say "checkpoint saved after USR1: requeueing"',
    '    scontrol requeue "$task" && exit 0',
    '    say "scontrol requeue failed: continue the run by resubmitting the grid"; exit $rc ;;',
    '  130) say "stopped (SIGTERM or SIGINT) after saving a checkpoint; a requeued task continues it" ;;',
    '  *) say "failed with exit status $rc (the trainer\'s error is above; its run log: ${RUN[$i]}/log.jsonl)" ;;',
    'esac',
    'exit $rc',
    '',
  ];
  return lines.join('\n');
}

/** Runs a Slurm client command; a missing command is a user error naming what to do. */
export function slurmCommand(cmd: string, args: string[], opts: { allowFail?: boolean } = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (opts.allowFail) return { status: 127, stdout: '', stderr: `${cmd}: not found` };
      throw new HyperloaderError(`${cmd} not found: --launcher slurm runs where Slurm's client commands are on PATH (a login node); --dry-run only writes the script`, { exitCode: 1 });
    }
    throw r.error;
  }
  const out = { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  if (out.status !== 0 && !opts.allowFail) {
    throw new HyperloaderError(`${cmd} ${args.join(' ')} failed (exit ${out.status}): ${out.stderr.trim() || out.stdout.trim()}`, { exitCode: 1 });
  }
  return out;
}

/** One array task as Slurm reports it. */
export interface SlurmTaskState {
  task: number;
  /** JobState (scontrol) or State (sacct): PENDING, RUNNING, COMPLETED, FAILED, … */
  state: string;
  reason?: string;
  restarts?: number;
  exitCode?: string;
  stdout?: string;
  /** Where it came from. */
  source: 'scontrol' | 'sacct';
}

/** `scontrol show job -o ID` (one record a line): every array task it lists, pending ranges expanded. */
export function parseScontrol(text: string): SlurmTaskState[] {
  const out: SlurmTaskState[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('JobId=')) continue;
    const f: Record<string, string> = {};
    for (const m of line.matchAll(/(?:^|\s)([A-Za-z][A-Za-z/:]*)=(\S*)/g)) if (!(m[1]! in f)) f[m[1]!] = m[2]!;
    const ids = f.ArrayTaskId === undefined ? [] : expandArray(f.ArrayTaskId);
    for (const task of ids) {
      out.push({
        task,
        state: (f.JobState ?? 'UNKNOWN').toUpperCase(),
        reason: f.Reason,
        restarts: f.Restarts === undefined ? undefined : Number(f.Restarts),
        exitCode: f.ExitCode,
        stdout: f.StdOut,
        source: 'scontrol',
      });
    }
  }
  return out;
}

/** `sacct -n -P -X -o JobID,State,ExitCode -j ID` lines: `12_3|COMPLETED|0:0`, `12_[4-5]|PENDING|0:0`. */
export function parseSacct(text: string): SlurmTaskState[] {
  const out: SlurmTaskState[] = [];
  for (const line of text.split('\n')) {
    const [id, state, exitCode] = line.trim().split('|');
    if (!id || !state) continue;
    const m = /_(\[?[\d,\-:%]+\]?)$/.exec(id);
    if (!m) continue;
    for (const task of expandArray(m[1]!)) out.push({ task, state: state.split(' ')[0]!.toUpperCase(), exitCode, source: 'sacct' });
  }
  return out;
}

/**
 * What Slurm knows about an array job's tasks: `scontrol show job` (jobs the controller still
 * holds: pending, running and recently finished), then `sacct` for the rest when accounting is on
 * (where it is off, sacct fails and those tasks stay unknown). Never throws: no Slurm, no news.
 */
export function querySlurmArray(jobId: string, expected: readonly number[] = []): Map<number, SlurmTaskState> {
  const found = new Map<number, SlurmTaskState>();
  const sc = slurmCommand('scontrol', ['show', 'job', '-o', jobId], { allowFail: true });
  if (sc.status === 0) for (const t of parseScontrol(sc.stdout)) found.set(t.task, t);
  if (found.size === 0 || expected.some((i) => !found.has(i))) {
    const sa = slurmCommand('sacct', ['-n', '-P', '-X', '-o', 'JobID,State,ExitCode', '-j', jobId], { allowFail: true });
    if (sa.status === 0) for (const t of parseSacct(sa.stdout)) if (!found.has(t.task)) found.set(t.task, t);
  }
  return found;
}

/** Slurm states in which a task is still to run or running (so a new launch leaves its run alone). */
export const ACTIVE_STATES = ['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SUSPENDED', 'STAGE_OUT', 'SIGNALING'];

export interface SlurmLaunch {
  script: string;
  /** The array job's id; undefined with dryRun. */
  jobId?: string;
  /** Grid run indices submitted (as array task indices). */
  runs: number[];
  /** Runs left out: finished, or still queued/running in an earlier launch (which job). */
  skipped: { index: number; why: string }[];
}

/**
 * Submits the selected runs of a prepared grid as one job array (or, with dryRun, only writes the
 * script): finished runs and runs an earlier launch still has queued or running are left out.
 */
export async function launchGridOnSlurm(
  prepared: PreparedGrid,
  opts: { slurmOpts: string[]; dryRun?: boolean; cwd?: string; hyperloader?: string[] },
): Promise<SlurmLaunch> {
  const { gridDir, grid, selected, base } = prepared;
  const slurm = slurmOptions(base.launcher?.slurm, opts.slurmOpts);
  const cwd = resolve(opts.cwd ?? process.cwd());
  const skipped: SlurmLaunch['skipped'] = [];
  const active = new Map<number, string>();
  if (!opts.dryRun) {
    const seen = new Set<string>();
    for (const launch of [...grid.launches].reverse()) {
      if (launch.launcher !== 'slurm' || !launch.job_id || seen.has(launch.job_id)) continue;
      seen.add(launch.job_id);
      for (const [task, st] of querySlurmArray(launch.job_id, launch.runs)) {
        if (ACTIVE_STATES.includes(st.state) && !active.has(task)) active.set(task, `${st.state.toLowerCase()} in job ${launch.job_id}_${task}`);
      }
    }
  }
  const runs: number[] = [];
  for (const i of selected) {
    const run = grid.runs[i]!;
    if (readRunInfo(runDirOf(gridDir, run))?.status === 'finished') skipped.push({ index: i, why: 'finished' });
    else if (active.has(i)) skipped.push({ index: i, why: active.get(i)! });
    else runs.push(i);
  }
  const script = join(gridDir, 'slurm', 'array.sbatch');
  if (runs.length === 0) return { script, runs, skipped };
  const text = sbatchScript({
    grid: grid.grid,
    gridDir,
    cwd,
    slurm,
    hyperloader: opts.hyperloader,
    tasks: runs.map((i) => {
      const run = grid.runs[i]!;
      return { index: i, name: run.name, config: displayPath(join(gridDir, run.config), cwd), runDir: runDirOf(gridDir, run) };
    }),
  });
  await writeFile(script, text);
  await chmod(script, 0o755);
  if (opts.dryRun) return { script, runs, skipped };
  const r = slurmCommand('sbatch', ['--parsable', script]);
  const jobId = r.stdout.trim().split(';')[0]!.trim();
  if (!/^\d+$/.test(jobId)) throw new HyperloaderError(`sbatch printed no job id (stdout: ${JSON.stringify(r.stdout)}, stderr: ${JSON.stringify(r.stderr)})`, { exitCode: 1 });
  grid.launches.push({ launcher: 'slurm', at: new Date().toISOString(), runs, job_id: jobId, script: join('slurm', 'array.sbatch') });
  await writeGrid(gridDir, grid);
  return { script, jobId, runs, skipped };
}

/** An array task's log file, when it exists: slurm/<job>_<task>.out (or what scontrol says). */
export function taskLog(gridDir: string, jobId: string, task: number, state?: SlurmTaskState): string | undefined {
  const own = join(gridDir, 'slurm', `${jobId}_${task}.out`);
  if (existsSync(own)) return own;
  if (state?.stdout && existsSync(state.stdout)) return state.stdout;
  return undefined;
}

/** The last non-empty lines of a file (for a failed task's message). */
export function tailLines(file: string, n: number): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-n);
  } catch {
    return [];
  }
}
