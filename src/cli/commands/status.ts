/** `hyperloader status GRID`: each run of a grid — pending, running (step/total), requeued, done, failed — from its folder and Slurm. */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../common.js';
import { displayPath, findGridDir } from '../../train/grid.js';
import { gridStatus, statusTable } from '../../train/grid-status.js';

export interface Args extends GlobalArgs {
  grid: string;
  json?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'status <grid>',
  describe: "Each run of a grid (ablate, sweep): pending, running step/total, requeued, done or failed (with its log), from the run folders and Slurm",
  builder: (y) =>
    y
      .positional('grid', { type: 'string', demandOption: true, describe: 'the grid folder (runs/<grid>), or its name under runs/' })
      .option('json', { type: 'boolean', describe: 'one JSON object: the grid and each run' })
      .example('$0 status runs/quickstart', 'the quickstart ablation') as unknown as Argv<Args>,
  handler: (args) => {
    const dir = findGridDir(args.grid);
    const { grid, runs } = gridStatus(dir);
    if (args.json) process.stdout.write(JSON.stringify({ grid: grid.grid, dir, kind: grid.kind, runs }, null, 2) + '\n');
    else process.stdout.write(statusTable(grid, dir, runs, (p) => displayPath(p)));
    if (runs.some((r) => r.state === 'failed')) process.exitCode = 1;
  },
};
