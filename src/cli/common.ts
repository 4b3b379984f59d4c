/** Options every command shares, and the small glue commands use. Commands stay thin: parse → call → print. */
import type { Argv } from 'yargs';
import { BACKENDS, type Config } from '../config/schema.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { createLogger, levelFromFlags, type Logger } from '../runtime/logger.js';

export interface GlobalArgs {
  backend?: (typeof BACKENDS)[number];
  quiet?: boolean;
  verbose?: boolean;
  set?: string[];
}

export function withGlobalOptions<T>(y: Argv<T>) {
  return y
    .option('backend', {
      choices: BACKENDS,
      describe: 'tfjs backend (overrides experiment.backend)',
    })
    .option('set', {
      type: 'string',
      array: true,
      describe: 'override a config value, e.g. --set training.lr=1e-4 (repeatable)',
    })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'only warnings and errors on stderr' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'debug logs, and stack traces for every error' });
}

/** `--config FILE` for commands that read an experiment config. */
export function withConfigOption<T>(y: Argv<T>, required = true) {
  return y.option('config', {
    alias: 'c',
    type: 'string',
    demandOption: required ? 'pass the experiment config, e.g. --config configs/quickstart.yaml' : false,
    describe: 'experiment config (YAML); `extends:` and --set apply',
  });
}

/** The config named by --config with the --set overrides; --backend replaces experiment.backend. */
export async function loadConfigFromArgs(args: GlobalArgs & { config?: string }): Promise<LoadedConfig> {
  if (!args.config) throw new Error('loadConfigFromArgs: the command must declare withConfigOption');
  const loaded = await loadConfig(args.config, args.set ?? []);
  if (args.backend) loaded.config.experiment.backend = args.backend;
  return loaded;
}

/** stderr logger at the level --quiet/--verbose ask for, plus a JSON-lines file when given. */
export function loggerFromArgs(args: GlobalArgs, logFile?: string): Logger {
  return createLogger({ level: levelFromFlags(args), logFile });
}
