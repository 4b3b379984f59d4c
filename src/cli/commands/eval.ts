/** `hyperloader eval`: re-evaluate a saved run and write its F1 tables and predictions. */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../common.js';
import { HyperloaderError } from '../../errors.js';
import { createLogger, levelFromFlags } from '../../runtime/logger.js';
import { evaluateCheckpoint, prepareRun } from '../../train/prepare.js';
import { chooseCheckpoint, openRun } from '../../train/runs.js';
import { describeHolder, holderAlive, readLock } from '../../train/lock.js';
import { assertWritableDir } from '../../runtime/fs.js';
import { reportAfter, withReportOption } from './report.js';

export interface Args extends GlobalArgs {
  run: string;
  split?: ('dev' | 'test')[];
  checkpoint?: 'best' | 'last';
  tasks?: string[];
  report?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'eval',
  describe: 'Evaluate a saved run: seqeval F1 tables (results.md/.json/.csv) and predictions in the run directory',
  builder: (y) =>
    withReportOption(y)
      .option('run', { type: 'string', demandOption: 'pass the run directory, e.g. --run runs/quickstart', describe: 'run directory' })
      .option('split', { type: 'string', array: true, choices: ['dev', 'test'], describe: 'splits (default: the config\'s eval.splits)' })
      .option('checkpoint', { choices: ['best', 'last'] as const, describe: 'which checkpoint (default: training.select, else last)' })
      .option('tasks', { type: 'string', array: true, describe: 'only these tasks' })
      .example('$0 eval --run runs/quickstart', 'dev and test tables of the quickstart run')
      .example('$0 eval --run runs/paper --split test --checkpoint best', 'test F1 of the best dev checkpoint') as unknown as Argv<Args>,
  handler: async (args) => {
    const logger = createLogger({ level: levelFromFlags(args) });
    const { runDir, config } = await openRun(args.run, args.backend);
    const tasks = args.tasks?.flatMap((t) => t.split(',')).filter(Boolean);
    const unknown = tasks?.filter((t) => !config.data.tasks.some((c) => c.name === t)) ?? [];
    if (unknown.length > 0) {
      throw new HyperloaderError(`--tasks: ${unknown.join(', ')} not in this run (it has ${config.data.tasks.map((t) => t.name).join(', ')})`, { exitCode: 2 });
    }
    // eval writes results.* and predictions/, which a trainer still running on the run also writes.
    const held = readLock(runDir);
    if (held && held.pid !== process.pid && holderAlive(held)) {
      throw new HyperloaderError(
        `${runDir} is still being trained by ${describeHolder(held)}; its final evaluation writes the same tables. ` +
          'Wait for it to finish, or tag text with `hyperloader predict` (it writes nothing).',
        { exitCode: 1 },
      );
    }
    await assertWritableDir(runDir, 'write the results into');
    const label = chooseCheckpoint(runDir, config, args.checkpoint);
    const run = await prepareRun(config, logger);
    try {
      const splits = args.split ?? config.eval.splits;
      const results = await evaluateCheckpoint(run, runDir, label, splits, logger, undefined, tasks);
      for (const s of results.splits) process.stdout.write(`${s.split} average F1 ${s.average.f1.toFixed(4)} (${s.tasks.map((t) => `${t.task} ${t.f1.toFixed(4)}`).join(', ')})\n`);
      process.stdout.write(`tables: ${runDir}/results.md\n`);
    } finally {
      run.model.dispose();
      run.model.t5.dispose();
    }
    await reportAfter('run', runDir, args.report);
  },
};
