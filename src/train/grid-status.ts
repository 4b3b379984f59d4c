/**
 * Where a grid stands (`hyperloader status`) and its comparison tables (`hyperloader collect`),
 * from the run folders (run.json's status and step, the run lock, metrics.jsonl) and, for runs a
 * Slurm launch submitted, from Slurm itself (scontrol show job; sacct when accounting is on).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { writeFileAtomic } from '../runtime/fs.js';
import { readResults } from '../eval/report.js';
import { holderAlive, readLock } from './lock.js';
import { readRunInfo, type RunInfo } from './run-folder.js';
import { comparisonCsv, comparisonMarkdown, type Row } from './comparison.js';
import { parametersPerTask } from './profile.js';
import { readGrid, runDirOf, type GridFile, type GridRun } from './grid.js';
import { querySlurmArray, taskLog, tailLines, type SlurmTaskState } from './slurm.js';
import { HyperloaderError } from '../errors.js';

/**
 * pending: not started (or queued and never run); running; requeued: queued again after a
 * preemption, time limit or requeue, continues from its checkpoint; done; failed; stopped:
 * interrupted with a checkpoint and nothing queued to continue it (launch the grid again).
 */
export type RunState = 'pending' | 'running' | 'requeued' | 'done' | 'failed' | 'stopped';

export interface RunStatus {
  index: number;
  name: string;
  label: string;
  variant: string;
  seed: number;
  state: RunState;
  step: number | null;
  steps: number | null;
  /** The last launch that included the run. */
  launcher: 'local' | 'slurm' | null;
  /** Slurm's view of its array task: `<job>_<task>`, state, reason, restarts, exit code. */
  slurm: { task: string; state: string; reason?: string; restarts?: number; exit_code?: string; source: string } | null;
  /** The array task's log (Slurm), else the run's log.jsonl when it exists. */
  log: string | null;
  /** Why it failed: run.json's error, or the end of the task's log. */
  error: string | null;
}

const RUNNING = ['RUNNING', 'COMPLETING', 'CONFIGURING', 'SIGNALING', 'STAGE_OUT', 'RESIZING'];
const QUEUED = ['PENDING', 'SUSPENDED'];
const REQUEUED = ['REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED'];

/** A run's state from its run.json, whether its lock holder lives, and its Slurm task (if any). */
export function deriveState(info: RunInfo | null, lockAlive: boolean, slurm: SlurmTaskState | undefined): RunState {
  if (info?.status === 'finished' || info?.status === 'imported') return 'done';
  if (slurm) {
    if (RUNNING.includes(slurm.state)) return 'running';
    if (REQUEUED.includes(slurm.state)) return 'requeued';
    if (QUEUED.includes(slurm.state)) return (slurm.restarts ?? 0) > 0 || info !== null ? 'requeued' : 'pending';
    // Ended (COMPLETED, FAILED, TIMEOUT, CANCELLED, NODE_FAIL, OUT_OF_MEMORY, …) without finishing the run.
    if (lockAlive) return 'running';
    return 'failed';
  }
  if (info === null) return 'pending';
  if (info.status === 'running') return lockAlive ? 'running' : 'stopped';
  if (info.status === 'failed') return 'failed';
  return 'stopped';
}

/** The step of the newest metrics.jsonl line (fresher than run.json, which is written at checkpoints). */
function lastLoggedStep(runDir: string): number | null {
  const file = join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return null;
  const size = statSync(file).size;
  const n = Math.min(size, 8192);
  const buf = Buffer.alloc(n);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, n, size - n);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n').filter((l) => l.trim() !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const step = (JSON.parse(lines[i]!) as { step?: unknown }).step;
      if (typeof step === 'number') return step;
    } catch {
      /* a line cut by the window or by a kill */
    }
  }
  return null;
}

export function gridStatus(gridDir: string): { grid: GridFile; runs: RunStatus[] } {
  const grid = readGrid(gridDir);
  if (!grid) throw new HyperloaderError(`${gridDir} has no grid.json`, { exitCode: 2 });
  // The newest launch of each run, and what Slurm says about each array job (asked once).
  const lastLaunch = new Map<number, GridFile['launches'][number]>();
  for (const l of grid.launches) for (const i of l.runs) lastLaunch.set(i, l);
  const jobs = new Map<string, Map<number, SlurmTaskState>>();
  for (const l of grid.launches) if (l.launcher === 'slurm' && l.job_id && !jobs.has(l.job_id)) jobs.set(l.job_id, new Map());
  for (const [id] of jobs) {
    const expected = grid.launches.filter((l) => l.job_id === id).flatMap((l) => l.runs);
    jobs.set(id, querySlurmArray(id, expected));
  }
  const runs = grid.runs.map((run) => runStatus(gridDir, run, lastLaunch.get(run.index), jobs));
  return { grid, runs };
}

function runStatus(gridDir: string, run: GridRun, launch: GridFile['launches'][number] | undefined, jobs: Map<string, Map<number, SlurmTaskState>>): RunStatus {
  const runDir = runDirOf(gridDir, run);
  const info = readRunInfo(runDir);
  const lock = readLock(runDir);
  const lockAlive = lock !== null && holderAlive(lock);
  const st = launch?.launcher === 'slurm' && launch.job_id ? jobs.get(launch.job_id)?.get(run.index) : undefined;
  const state = deriveState(info, lockAlive, st);
  const slurmLog = launch?.launcher === 'slurm' && launch.job_id ? taskLog(gridDir, launch.job_id, run.index, st) : undefined;
  const runLog = existsSync(join(runDir, 'log.jsonl')) ? join(runDir, 'log.jsonl') : undefined;
  let error: string | null = null;
  if (state === 'failed') {
    error = info?.error ?? null;
    if (!error && slurmLog) error = tailLines(slurmLog, 3).join(' | ') || null;
    if (!error && st) error = `Slurm: ${st.state}${st.exitCode ? ` (exit ${st.exitCode})` : ''}`;
  }
  const step = state === 'running' ? (lastLoggedStep(runDir) ?? info?.step ?? null) : (info?.step ?? null);
  return {
    index: run.index,
    name: run.name,
    label: run.label,
    variant: run.variant,
    seed: run.seed,
    state,
    step,
    steps: info?.steps ?? null,
    launcher: launch?.launcher ?? null,
    slurm: st && launch?.job_id
      ? { task: `${launch.job_id}_${run.index}`, state: st.state, reason: st.reason, restarts: st.restarts, exit_code: st.exitCode, source: st.source }
      : null,
    log: slurmLog ?? runLog ?? null,
    error,
  };
}

/** The status table `hyperloader status` prints. */
export function statusTable(grid: GridFile, gridDir: string, runs: RunStatus[], display: (p: string) => string = (p) => p): string {
  const counts = new Map<RunState, number>();
  for (const r of runs) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const order: RunState[] = ['done', 'running', 'requeued', 'pending', 'stopped', 'failed'];
  const summary = order.filter((s) => counts.get(s)).map((s) => `${counts.get(s)} ${s}`).join(', ');
  const rows = runs.map((r) => [
    String(r.index),
    r.label,
    r.state,
    r.step === null ? '' : `${r.step}/${r.steps ?? '?'}`,
    r.slurm ? `${r.slurm.task} ${r.slurm.state}${r.slurm.reason && r.slurm.reason !== 'None' ? ` (${r.slurm.reason})` : ''}${r.slurm.restarts ? ` restarts=${r.slurm.restarts}` : ''}` : (r.launcher ?? ''),
    r.log ? display(r.log) : '',
  ]);
  const head = ['#', 'run', 'state', 'step', 'slurm', 'log'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const lines = [`grid ${grid.grid} (${display(gridDir)}): ${runs.length} run${runs.length === 1 ? '' : 's'}, ${summary}`, fmt(head), ...rows.map(fmt)];
  const failed = runs.filter((r) => r.state === 'failed');
  if (failed.length > 0) {
    lines.push('', 'failed:');
    for (const r of failed) lines.push(`  ${r.label}: ${r.error ?? 'no error recorded'}${r.log ? ` (log: ${display(r.log)})` : ''}`);
  }
  return lines.join('\n') + '\n';
}

export interface CollectResult {
  dir: string;
  rows: Row[];
  /** Runs not done yet, with their state. */
  missing: RunStatus[];
}

/**
 * comparison.md / comparison.csv for the grid as it stands (ablate's writer, the same columns);
 * runs not done are listed under "not finished" with their state and step.
 */
export async function collectGrid(gridDir: string): Promise<CollectResult> {
  const { grid, runs } = gridStatus(gridDir);
  const rows: Row[] = [];
  for (const run of grid.runs) {
    const dir = runDirOf(gridDir, run);
    let perTask: number | undefined;
    try {
      perTask = await parametersPerTask((await loadConfig(join(gridDir, run.config))).config);
    } catch {
      perTask = undefined; // a config that no longer resolves here (moved data, tokenizer): the column stays empty
    }
    rows.push({
      run: { variant: run.variant, seed: run.seed, name: run.name, sets: [], overrides: run.overrides },
      info: readRunInfo(dir),
      results: readResults(dir),
      dir,
      perTask,
    });
  }
  const missing = runs.filter((r) => r.state !== 'done');
  let md = comparisonMarkdown(grid.grid, rows);
  if (grid.kind === 'sweep') md = md.replace(/^# Ablation: /, '# Sweep: ');
  if (missing.length > 0) {
    md +=
      `\n## not finished\n\n${missing.length} of ${runs.length} runs are not done (their cells are –, or from the last evaluation they wrote); \`hyperloader status\` follows them; run \`hyperloader collect\` again when they are done.\n\n` +
      '| run | seed | state | step |\n|---|---|---|---|\n' +
      missing.map((r) => `| ${r.label} | ${r.seed} | ${r.state} | ${r.step === null ? '–' : `${r.step}/${r.steps ?? '?'}`} |`).join('\n') +
      '\n';
  }
  await writeFileAtomic(join(gridDir, 'comparison.md'), md);
  await writeFileAtomic(join(gridDir, 'comparison.csv'), comparisonCsv(rows));
  return { dir: gridDir, rows, missing };
}
