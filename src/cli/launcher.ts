/** `--launcher local|slurm`, `--slurm-opt`, `--dry-run`: how ablate and sweep start a grid's runs. */
import type { Argv } from 'yargs';
import { HyperloaderError } from '../errors.js';
import { displayPath, type PreparedGrid } from '../train/grid.js';
import { arraySpec, launchGridOnSlurm } from '../train/slurm.js';

export const LAUNCHERS = ['local', 'slurm'] as const;

export interface LauncherArgs {
  launcher: (typeof LAUNCHERS)[number];
  slurmOpt?: string[];
  dryRun?: boolean;
}

export function withLauncherOptions<T>(y: Argv<T>) {
  return y
    .option('launcher', {
      choices: LAUNCHERS,
      default: 'local' as const,
      describe: 'local: train the runs here, one after another; slurm: submit them as one Slurm job array (one task per run)',
    })
    .option('slurm-opt', {
      type: 'string',
      array: true,
      describe: 'with --launcher slurm: KEY=VALUE for a launcher.slurm key (partition, time, gpus-per-task, cpus-per-task, mem, account, qos, max-parallel, signal-seconds, container) or any other sbatch option (repeatable)',
    })
    .option('dry-run', { type: 'boolean', describe: 'with --launcher slurm: write the grid folder and the sbatch script, submit nothing' });
}

export function checkLauncherArgs(args: LauncherArgs): void {
  if (args.launcher !== 'slurm' && (args.dryRun || (args.slurmOpt?.length ?? 0) > 0)) {
    throw new HyperloaderError(`${args.dryRun ? '--dry-run' : '--slurm-opt'} goes with --launcher slurm`, { exitCode: 2 });
  }
}

/** Submits a prepared grid to Slurm and says what happened (stdout). */
export async function submitToSlurm(prepared: PreparedGrid, args: LauncherArgs): Promise<void> {
  const out = await launchGridOnSlurm(prepared, { slurmOpts: args.slurmOpt ?? [], dryRun: args.dryRun });
  const grid = displayPath(prepared.gridDir);
  const lines: string[] = [];
  for (const s of out.skipped) lines.push(`  ${prepared.grid.runs[s.index]!.label}: not submitted (${s.why})`);
  if (out.runs.length === 0) lines.push(`nothing to submit: every run of this plan is finished or already queued (hyperloader status ${grid})`);
  else if (out.jobId === undefined) lines.push(`dry run: ${displayPath(out.script)} written (array ${arraySpec(out.runs)}, ${out.runs.length} runs); submit it with sbatch ${displayPath(out.script)}, or run this again without --dry-run`);
  else {
    lines.push(
      `submitted job array ${out.jobId} (tasks ${arraySpec(out.runs)}: ${out.runs.length} run${out.runs.length === 1 ? '' : 's'}) from ${displayPath(out.script)}`,
      `  logs: ${grid}/slurm/${out.jobId}_<task>.out`,
      `  follow: hyperloader status ${grid}`,
      `  tables: hyperloader collect ${grid}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}
