/**
 * `hyperloader export`: one task of a run without the hypernetwork — its generated LoRA as a
 * Hugging Face PEFT adapter, its adapters and the trained T5 layer norms as plain tensors.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../common.js';
import { HyperloaderError } from '../../errors.js';
import { createLogger, levelFromFlags } from '../../runtime/logger.js';
import { initBackend } from '../../runtime/backend.js';
import { exportPeftAdapter } from '../../peft/export.js';
import { isT5LayerNorm } from '../../peft/model.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { chooseCheckpoint, openRun } from '../../train/runs.js';
import { backboneHash, buildModel, loadRunTokenizer } from '../../train/setup.js';

export interface Args extends GlobalArgs {
  run: string;
  task: string;
  format: string;
  out?: string;
  checkpoint?: 'best' | 'last';
}

export const FORMATS = ['peft'] as const;

export const command: CommandModule<object, Args> = {
  command: 'export',
  describe: "Export one task's generated LoRA as a Hugging Face PEFT adapter (plus its adapters and layer norms as tensors)",
  builder: (y) =>
    y
      .option('run', { type: 'string', demandOption: 'pass the run directory, e.g. --run runs/quickstart', describe: 'run directory' })
      .option('task', { type: 'string', demandOption: 'pass the task to export, e.g. --task demo_slots', describe: 'task name' })
      .option('format', { type: 'string', default: 'peft', describe: `output format (${FORMATS.join(', ')})` })
      .option('out', { type: 'string', describe: 'output directory (default: <run>/export/<task>)' })
      .option('checkpoint', { choices: ['best', 'last'] as const, describe: 'which checkpoint (default: training.select, else last)' })
      .example('$0 export --run runs/quickstart --task demo_slots', 'writes runs/quickstart/export/demo_slots/adapter_config.json, …') as unknown as Argv<Args>,
  handler: async (args) => {
    if (!(FORMATS as readonly string[]).includes(args.format)) {
      throw new HyperloaderError(`--format ${args.format}: unknown format; the only one is "peft" (drop --format, or pass --format peft)`, { exitCode: 2 });
    }
    const logger = createLogger({ level: levelFromFlags({ ...args, quiet: args.verbose ? false : true }) });
    const { runDir, config } = await openRun(args.run, args.backend);
    const tasks = config.data.tasks.map((t) => t.name);
    if (!tasks.includes(args.task)) {
      throw new HyperloaderError(`--task ${args.task}: not a task of ${runDir} (it has ${tasks.join(', ')}); pass one of those`, { exitCode: 2 });
    }
    const label = chooseCheckpoint(runDir, config, args.checkpoint);
    // The model alone: exporting needs no dataset, so none is read (unlike eval).
    await initBackend(config.experiment.backend, { threads: config.experiment.threads, logger });
    const { tokenizer } = await loadRunTokenizer(config);
    const { model, plan } = await buildModel(config, tasks, tokenizer);
    try {
      if (plan.source === 'none') {
        throw new HyperloaderError(`${runDir}: peft.variant "${plan.variant}" has no adapters or LoRA to export`, { exitCode: 2 });
      }
      await loadCheckpoint(runDir, label, model, null, await backboneHash(config));
      const layerNorms: Record<string, { shape: number[]; data: Float32Array }> = {};
      if (plan.trainLayerNorms || plan.trainBackbone) {
        // 1-D RMSNorm scales: the same layout in Hugging Face files and here.
        for (const [name, v] of model.t5.trainableVariables()) {
          if (isT5LayerNorm(name)) layerNorms[name] = { shape: [...v.shape], data: v.dataSync() as Float32Array };
        }
      }
      const outDir = resolve(args.out ?? join(runDir, 'export', args.task));
      const baseModel = config.model.checkpoint ?? `random-init (model.random_init in ${join(runDir, 'config.yaml')}, seed ${config.experiment.seed})`;
      const frozen = model.frozenModules(args.task);
      let written: string[];
      try {
        written = await exportPeftAdapter(frozen.modules, plan, { outDir, task: args.task, baseModel, layerNorms });
      } finally {
        frozen.release();
      }
      const lines = [`exported task ${args.task} of ${runDir} (checkpoint ${label}) to ${outDir}:`];
      for (const f of written) lines.push(`  ${f}  (${statSync(f).size.toLocaleString('en-US')} bytes)`);
      if (plan.trainBackbone) {
        lines.push(`note: this run also trained the backbone's weights; the adapter applies to the run's own backbone, not to ${baseModel}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    } finally {
      model.dispose();
      model.t5.dispose();
    }
  },
};
