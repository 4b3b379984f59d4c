/** A command whose issue has not landed: it exists in --help, and running it is an honest error. */
import type { CommandModule } from 'yargs';
import { NotImplementedError } from '../../errors.js';

export function notImplemented(command: string, describe: string, issue: number): CommandModule {
  return {
    command,
    describe: `${describe} (not implemented yet, issue #${issue})`,
    builder: (y) => y.strict(false),
    handler: () => {
      throw new NotImplementedError(`\`hyperloader ${command.split(' ')[0]}\` (issue #${issue})`);
    },
  };
}
