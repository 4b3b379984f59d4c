/** `hyperloader train`: a multi-task training run under runs/<name>/ (src/train/run.ts does the work). */
import type { Argv, CommandModule } from 'yargs';
import { loadConfigFromArgs, withConfigOption, type GlobalArgs } from '../common.js';
import { createLogger, levelFromFlags } from '../../runtime/logger.js';
import { DEFAULT_SAMPLES, PREEMPTED, REQUEUE_EXIT_CODE, train } from '../../train/run.js';
import { HyperloaderError } from '../../errors.js';
import { reportAfter, withReportOption } from './report.js';

export interface Args extends GlobalArgs {
  config: string;
  name?: string;
  resume?: boolean;
  samples: number;
  report?: boolean;
}

/**
 * Ctrl-C once: finish the step, save a checkpoint, stop. Twice: stop at once. SIGUSR1 (what a
 * grid's Slurm batch script forwards before a time limit or preemption): finish the step, save a
 * checkpoint, exit with REQUEUE_EXIT_CODE so the task is requeued.
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupt: finishing this step and saving a checkpoint (Ctrl-C again to quit at once)\n');
    ac.abort();
  };
  const onUsr1 = () => {
    if (ac.signal.aborted) return;
    process.stderr.write(`\nSIGUSR1 (preemption or time limit): finishing this step and saving a checkpoint, then exiting with ${REQUEUE_EXIT_CODE} to be requeued\n`);
    ac.abort(PREEMPTED);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  process.on('SIGUSR1', onUsr1);
  return { signal: ac.signal, dispose: () => (process.off('SIGINT', onSigint), process.off('SIGTERM', onSigint), process.off('SIGUSR1', onUsr1)) };
}

export const command: CommandModule<object, Args> = {
  command: 'train',
  describe: 'Multi-task training: a run directory under runs/<name>/ with checkpoints, logs and F1 tables',
  builder: (y) =>
    withReportOption(withConfigOption(y))
      .option('name', { type: 'string', describe: 'run name (default: experiment.name, else the config file name)' })
      .option('resume', { type: 'boolean', describe: 'continue the existing run directory exactly where its last checkpoint left off' })
      .option('samples', {
        type: 'number',
        default: DEFAULT_SAMPLES,
        describe: 'at each dev evaluation (training.eval_every), log this many decoded dev sentences per task beside their gold',
      })
      .example('$0 train --config configs/quickstart.yaml', 'the offline quickstart (a few minutes on a laptop CPU)')
      .example('$0 train -c configs/paper/hyperloader.yaml --backend tensorflow', "the paper's run on a CUDA machine")
      .example('$0 train -c configs/quickstart.yaml --resume', 'continue an interrupted run') as unknown as Argv<Args>,
  handler: async (args) => {
    if (!Number.isInteger(args.samples) || args.samples < 0) throw new HyperloaderError(`--samples must be a non-negative integer, got ${args.samples}`, { exitCode: 2 });
    const sets = [...(args.set ?? [])];
    if (args.name) sets.push(`experiment.name=${args.name}`);
    const { config } = await loadConfigFromArgs({ ...args, set: sets });
    const level = levelFromFlags(args);
    const interrupt = interruptSignal();
    try {
      const { runDir, results } = await train({
        config,
        resume: args.resume,
        signal: interrupt.signal,
        samples: args.samples,
        makeLogger: (logFile) => createLogger({ level, logFile }),
      });
      const dev = results?.splits.find((s) => s.split === 'dev');
      const test = results?.splits.find((s) => s.split === 'test');
      process.stdout.write(
        `done: ${runDir}\n` +
          (dev ? `  dev average F1  ${dev.average.f1.toFixed(4)}\n` : '') +
          (test ? `  test average F1 ${test.average.f1.toFixed(4)}\n` : '') +
          `  tables: ${runDir}/results.md (also .json, .csv); predictions in ${runDir}/predictions/\n`,
      );
      await reportAfter('run', runDir, args.report);
    } finally {
      interrupt.dispose();
    }
  },
};
