/** Options every command shares, and the small glue commands use. Commands stay thin: parse → call → print. */
import type { Argv } from 'yargs';
import { BACKENDS } from '../config/schema.js';

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
