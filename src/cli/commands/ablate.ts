/** `hyperloader ablate`: LoRA-only / adapter-only / both (or any named variants), one comparison table. */
import type { Argv, CommandModule } from 'yargs';
import { withConfigOption, type GlobalArgs } from '../common.js';
import { createLogger, levelFromFlags } from '../../runtime/logger.js';
import { ablate, ablationGrid, planAblationRuns } from '../../train/ablate.js';
import { checkLauncherArgs, submitToSlurm, withLauncherOptions, type LauncherArgs } from '../launcher.js';
import { interruptSignal } from './train.js';
import { HyperloaderError } from '../../errors.js';
import { reportAfter, withReportOption } from './report.js';

export interface Args extends GlobalArgs, LauncherArgs {
  config: string;
  variants?: string[];
  seeds?: string[];
  plan?: boolean;
  json?: boolean;
  report?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'ablate',
  describe: 'Run several PEFT variants (and seeds) of one config and write comparison.md/.csv',
  builder: (y) =>
    withReportOption(withLauncherOptions(withConfigOption(y)))
      .option('variants', { type: 'string', array: true, describe: 'variants to run (comma-separated or repeated): PEFT variants or names under ablate.variants' })
      .option('seeds', { type: 'string', array: true, describe: 'seeds to run each variant with (default: ablate.seeds, else experiment.seed)' })
      .option('plan', { type: 'boolean', describe: 'list each run (variant × seed) with its overrides and parameter counts, without training' })
      .option('json', { type: 'boolean', describe: 'with --plan: JSON, each run with its fully resolved config' })
      .example('$0 ablate --config configs/paper/ablations.yaml', "the paper's ablations (SPEC §9)")
      .example('$0 ablate --config configs/paper/ablations.yaml --plan', 'what it would run, and each variant\'s trainable parameters')
      .example('$0 ablate -c configs/quickstart.yaml --variants hyperloader,lora', 'two variants of the quickstart')
      .example('$0 ablate -c configs/paper/ablations.yaml --launcher slurm --slurm-opt partition=gpu', 'one Slurm array task per run; then hyperloader status/collect runs/<name>') as unknown as Argv<Args>,
  handler: async (args) => {
    const variants = args.variants?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    const seeds = args.seeds?.flatMap((s) => s.split(',')).filter(Boolean).map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) throw new HyperloaderError(`--seeds: "${s}" is not a non-negative integer`, { exitCode: 2 });
      return n;
    });
    if (args.plan) {
      const runs = await planAblationRuns({ configFile: args.config, sets: args.set ?? [], variants, seeds });
      if (args.json) {
        const rows = runs.map((r) => ({ variant: r.variant, seed: r.seed, name: r.name, overrides: r.sets, trainable: r.trainable, total: r.total, config: r.config }));
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      } else {
        const fmt = (n: number) => n.toLocaleString('en-US');
        const lines = runs.map((r) => `${r.name.padEnd(36)} ${fmt(r.trainable).padStart(12)} of ${fmt(r.total).padStart(12)}  ${r.sets.filter((x) => !x.startsWith('experiment.')).join(' ') || '(the config as it is)'}`);
        process.stdout.write(`${'run'.padEnd(36)} ${'trainable'.padStart(12)}    ${'total'.padStart(12)}  overrides\n${lines.join('\n')}\n`);
      }
      return;
    }
    if (args.json) throw new HyperloaderError('--json goes with --plan (a training ablation writes comparison.md/.csv)', { exitCode: 2 });
    checkLauncherArgs(args);
    if (args.launcher === 'slurm') {
      return submitToSlurm(await ablationGrid({ configFile: args.config, sets: args.set ?? [], variants, seeds, backend: args.backend }), args);
    }
    const level = levelFromFlags(args);
    const interrupt = interruptSignal();
    try {
      const { dir, rows } = await ablate({
        configFile: args.config,
        sets: args.set ?? [],
        variants,
        seeds,
        backend: args.backend,
        signal: interrupt.signal,
        makeLogger: (logFile) => createLogger({ level, logFile }),
      });
      process.stdout.write(`${rows.length} runs compared: ${dir}/comparison.md (and .csv)\n`);
      await reportAfter('ablation', dir, args.report);
    } finally {
      interrupt.dispose();
    }
  },
};
