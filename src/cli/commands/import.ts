/** `hyperloader import`: a run directory from a state dict saved by the paper authors' PyTorch code. */
import type { Argv, CommandModule } from 'yargs';
import { loadConfigFromArgs, loggerFromArgs, withConfigOption, type GlobalArgs } from '../common.js';
import { importAuthorRun } from '../../train/import-author.js';

export interface Args extends GlobalArgs {
  authors: string;
  config: string;
  name?: string;
}

export const command: CommandModule<object, Args> = {
  command: 'import',
  describe: "Create a run from the paper authors' PyTorch state dict (.safetensors, their names), ready for eval, predict and export",
  builder: (y) =>
    withConfigOption(y)
      .option('authors', {
        type: 'string',
        demandOption: "pass the authors' state dict, e.g. --authors model.safetensors",
        describe: "state dict saved by the authors' HyperLoader code, as .safetensors",
      })
      .option('name', { type: 'string', describe: 'run name (default: experiment.name, else the config file name)' })
      .example('$0 import --authors hyperloader.safetensors --config configs/paper/hyperloader.yaml --name authors', 'the authors\' t5-base model as runs/authors')
      .example('$0 eval --run runs/authors --split test', 'then evaluate it here') as unknown as Argv<Args>,
  handler: async (args) => {
    const { config } = await loadConfigFromArgs(args);
    if (args.name) config.experiment.name = args.name;
    const logger = loggerFromArgs(args);
    const r = await importAuthorRun({ authorsFile: args.authors, config, configSource: args.config, logger });
    const fmt = (n: number) => n.toLocaleString('en-US');
    const out = [
      `imported ${args.authors} into ${r.runDir}`,
      `  tasks: ${r.config.data.tasks.map((t) => t.name).join(', ')}${r.ignoredTasks.length > 0 ? ` (left out, not in data.tasks: ${r.ignoredTasks.join(', ')})` : ''}`,
      `  backbone: ${r.backboneDir ? `from the file, written to ${r.backboneDir}` : `${r.config.model.checkpoint} (checked against the file)`}`,
      `  parameters: ${fmt(r.trainable)} trainable of ${fmt(r.total)}`,
      ...r.adjusted.map((a) => `  set ${a}: the authors trained the PEFT parameters and the T5 layer norms only`),
      `next: hyperloader eval --run ${r.runDir}`,
    ];
    process.stdout.write(out.join('\n') + '\n');
  },
};
