/**
 * The `hyperloader` command line. Each command lives in ./commands/<name>.ts and exports `command`
 * (a yargs CommandModule); this file only wires them up and turns errors into exit codes.
 */
import yargs, { type CommandModule } from 'yargs';
import { HyperloaderError } from '../errors.js';
import { fileSystemError } from '../runtime/fs.js';
import { withGlobalOptions } from './common.js';
import { command as train } from './commands/train.js';
import { command as evaluate } from './commands/eval.js';
import { command as ablate } from './commands/ablate.js';
import { command as download } from './commands/download.js';
import { command as data } from './commands/data.js';
import { command as predict } from './commands/predict.js';
import { command as params } from './commands/params.js';
import { command as score } from './commands/score.js';
import { command as config } from './commands/config.js';
import { command as doctor } from './commands/doctor.js';
import { command as exportCommand } from './commands/export.js';
import { command as importCommand } from './commands/import.js';
import { command as tokenizer } from './commands/tokenizer.js';
import { command as profile } from './commands/profile.js';
import { command as report } from './commands/report.js';
import { command as sweep } from './commands/sweep.js';
import { command as status } from './commands/status.js';
import { command as collect } from './commands/collect.js';

// Each command has its own argument type; the list only needs them to be commands.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: ReadonlyArray<CommandModule<any, any>> = [train, evaluate, ablate, download, data, predict, params, score, config, doctor, exportCommand, importCommand, tokenizer, profile, report, sweep, status, collect];

/** Runs the CLI on argv (without node and script); resolves to the process exit code. `commands` is for tests. */
export async function run(argv: string[], commands: ReadonlyArray<CommandModule<any, any>> = COMMANDS): Promise<number> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    let parser = withGlobalOptions(yargs(argv))
      .scriptName('hyperloader')
      .usage('$0 <command> [options]\n\nHyperLoader (arXiv 2407.01411) on TensorFlow.js: multi-task sequence labelling with hypernetwork-generated adapters and LoRA in T5.')
      .strict()
      .demandCommand(1, 'Name a command; see the list above.')
      .recommendCommands()
      .help()
      .alias('help', 'h')
      .version()
      .wrap(Math.min(110, process.stdout.columns || 110))
      .fail((msg, err) => {
        if (err) throw err;
        throw new HyperloaderError(`${msg}\nRun \`hyperloader --help\` for usage.`, { exitCode: 2 });
      });
    for (const c of commands) parser = parser.command(c as never);
    await parser.parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (caught) {
    // A file-system error the user can fix (permissions, a read-only mount, a full disk) wherever
    // it surfaced: one line naming the path, not a stack trace.
    const path = (caught as NodeJS.ErrnoException)?.path;
    const err = (path && fileSystemError(caught, path, 'write or read')) || caught;
    if (err instanceof HyperloaderError) {
      process.stderr.write(`hyperloader: ${err.message}\n`);
      if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    // A bug: keep the stack.
    process.stderr.write(`hyperloader: internal error (a bug; please report it)\n${(err as Error)?.stack ?? String(err)}\n`);
    return 70;
  }
}
