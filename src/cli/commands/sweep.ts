/** `hyperloader sweep`: a grid of --set overrides × seeds (grid.yaml), trained here or as one Slurm job array. */
import type { Argv, CommandModule } from 'yargs';
import { withConfigOption, type GlobalArgs } from '../common.js';
import { checkLauncherArgs, submitToSlurm, withLauncherOptions, type LauncherArgs } from '../launcher.js';
import { createLogger, levelFromFlags } from '../../runtime/logger.js';
import { readGridFile, NAME_PATTERN } from '../../train/grid-file.js';
import { displayPath, prepareGrid, runGridLocally, sweepPoints } from '../../train/grid.js';
import { collectGrid } from '../../train/grid-status.js';
import { HyperloaderError } from '../../errors.js';
import { interruptSignal } from './train.js';

export interface Args extends GlobalArgs, LauncherArgs {
  config: string;
  grid: string;
  name?: string;
  plan?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'sweep',
  describe: 'Run a grid of config overrides × seeds (grid.yaml) here or as one Slurm job array, into runs/<grid>/',
  builder: (y) =>
    withLauncherOptions(withConfigOption(y))
      .option('grid', { type: 'string', demandOption: 'pass the grid file, e.g. --grid grid.yaml', describe: 'grid.yaml: set: {dotted.key: [values…]}, seeds: [...], name:' })
      .option('name', { type: 'string', describe: "the grid's folder under runs_dir (default: the grid file's name:, else its base name)" })
      .option('plan', { type: 'boolean', describe: 'list the runs (name and overrides) without writing or training anything' })
      .example('$0 sweep -c configs/quickstart.yaml --grid lr.yaml', 'every point of lr.yaml, one after another, here')
      .example('$0 sweep -c configs/paper/hyperloader.yaml --grid lr.yaml --launcher slurm --slurm-opt partition=gpu', 'one array task per point on Slurm')
      .example('$0 sweep -c configs/quickstart.yaml --grid lr.yaml --launcher slurm --dry-run', 'only write runs/<grid>/slurm/array.sbatch') as unknown as Argv<Args>,
  handler: async (args) => {
    checkLauncherArgs(args);
    const spec = readGridFile(args.grid);
    if (args.name !== undefined) {
      if (!NAME_PATTERN.test(args.name)) throw new HyperloaderError(`--name ${args.name}: a grid name is one folder name (letters, digits, _ . + = -)`, { exitCode: 2 });
      spec.name = args.name;
    }
    const sets = args.set ?? [];
    const points = await sweepPoints(args.config, sets, spec, args.grid);
    if (args.plan) {
      const w = Math.max(3, ...points.map((p) => p.label.length));
      const lines = points.map((p) => `${p.label.padEnd(w)}  ${[...Object.entries(p.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`), ...(p.seed === undefined ? [] : [`experiment.seed=${p.seed}`])].join(' ') || '(the config as it is)'}`);
      process.stdout.write(`grid ${spec.name}: ${points.length} run${points.length === 1 ? '' : 's'}\n${'run'.padEnd(w)}  overrides\n${lines.join('\n')}\n`);
      return;
    }
    const prepared = await prepareGrid({ kind: 'sweep', name: spec.name, configFile: args.config, sets, points, gridFile: args.grid, backend: args.backend });
    if (args.launcher === 'slurm') return submitToSlurm(prepared, args);
    const level = levelFromFlags(args);
    const interrupt = interruptSignal();
    try {
      await runGridLocally(prepared, { makeLogger: (logFile) => createLogger({ level, logFile }), signal: interrupt.signal });
    } finally {
      interrupt.dispose();
    }
    const { rows, missing } = await collectGrid(prepared.gridDir);
    process.stdout.write(`${rows.length - missing.length} of ${rows.length} runs done and compared: ${displayPath(prepared.gridDir)}/comparison.md (and .csv)\n`);
  },
};
