/** `hyperloader config`: the fully resolved config, exactly what a run saves as config.yaml. */
import type { Argv, CommandModule } from 'yargs';
import { configToYaml } from '../../config/load.js';
import { displayFile } from '../../config/origins.js';
import { resolveCacheDir } from '../../config/paths.js';
import { datasetForTask } from '../../data/registry.js';
import { loadConfigFromArgs, loggerFromArgs, withConfigOption, type GlobalArgs } from '../common.js';

export interface Args extends GlobalArgs {
  config: string;
  json?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'config',
  describe: 'Print the fully resolved config (what a run saves): every default filled in',
  builder: (y) =>
    withConfigOption(y)
      .option('json', { type: 'boolean', describe: 'print JSON instead of YAML' })
      .example('$0 config --config configs/quickstart.yaml', 'the resolved YAML')
      .example('$0 config -c configs/quickstart.yaml --set training.lr=1e-4 --set eval.splits=[test]', 'with overrides')
      .example('$0 config -c my.yaml --json', 'as JSON') as unknown as Argv<Args>, // yargs types demandOption-with-message as optional
  handler: async (args) => {
    const { config, files } = await loadConfigFromArgs(args);
    // Task and dataset names are checked here too, not first by `train` after loading everything.
    const cacheDir = resolveCacheDir(config);
    config.data.tasks.forEach((t, i) => datasetForTask(t, i, undefined, undefined, cacheDir));
    loggerFromArgs(args).debug({ files }, `config from ${files.map(displayFile).join(' → ')}`);
    process.stdout.write(args.json ? `${JSON.stringify(config, null, 2)}\n` : configToYaml(config));
  },
};
