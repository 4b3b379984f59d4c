/** `hyperloader collect GRID`: a grid's comparison.md/.csv from the runs as they stand (missing ones marked). */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../common.js';
import { displayPath, findGridDir } from '../../train/grid.js';
import { collectGrid } from '../../train/grid-status.js';
import { reportAfter, withReportOption } from './report.js';

export interface Args extends GlobalArgs {
  grid: string;
  report?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'collect <grid>',
  describe: "Write a grid's comparison.md/.csv (ablate's columns) from its runs; callable any time, runs without results are marked",
  builder: (y) =>
    withReportOption(y)
      .positional('grid', { type: 'string', demandOption: true, describe: 'the grid folder (runs/<grid>), or its name under runs/' })
      .example('$0 collect runs/quickstart', 'runs/quickstart/comparison.md and .csv') as unknown as Argv<Args>,
  handler: async (args) => {
    const dir = findGridDir(args.grid);
    const { rows, missing } = await collectGrid(dir);
    const d = displayPath(dir);
    process.stdout.write(
      `${rows.length - missing.length} of ${rows.length} runs done: ${d}/comparison.md (and .csv)\n` +
        missing.map((m) => `  ${m.label}: ${m.state}${m.step === null ? '' : ` (step ${m.step}/${m.steps ?? '?'})`}\n`).join(''),
    );
    await reportAfter('ablation', dir, args.report);
  },
};
