/**
 * `hyperloader params --config X [--json]`: trainable and frozen parameter counts per component
 * (task embeddings, each stack's embeddings, projector and generators, T5 layer norms, backbone),
 * computed from shapes — nothing is downloaded or allocated.
 */
import type { Argv, CommandModule } from 'yargs';
import { loadConfigFromArgs, withConfigOption, type GlobalArgs } from '../common.js';
import { parameterTable, type ParameterTable } from '../../peft/params-table.js';

export interface ParamsArgs extends GlobalArgs {
  config?: string;
  json: boolean;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (part: number, whole: number) => (whole === 0 ? '0' : ((100 * part) / whole).toFixed(3));

/** The table a person reads: one row per component, thousands separators, the share that trains. */
export function formatParameterTable(t: ParameterTable, tasks: number): string {
  const head = ['component', 'trainable', 'frozen'];
  const body = t.rows.map((r) => [r.component, fmt(r.trainable), fmt(r.frozen)]);
  const frozen = t.total - t.trainable;
  const foot = ['total', fmt(t.trainable), fmt(frozen)];
  const all = [head, ...body, foot];
  const w = [0, 1, 2].map((i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => `${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}`;
  const rule = '-'.repeat(w[0] + w[1] + w[2] + 4);
  const out = [
    `variant ${t.variant}; backbone ${t.backbone.source}${t.backbone.legacyCrossBias ? ' (with the legacy cross-attention bias)' : ''}; ${tasks} task${tasks === 1 ? '' : 's'}`,
    '',
    line(head),
    rule,
    ...body.map(line),
    rule,
    line(foot),
    '',
    `trainable ${fmt(t.trainable)} of ${fmt(t.total)} (${pct(t.trainable, t.total)}%)`,
    ...t.backbone.notes.map((n) => `note: ${n}`),
  ];
  return `${out.join('\n')}\n`;
}

/** The --json object: the variant, the totals, each row; plus where the backbone's shape came from. */
export function parameterTableJson(t: ParameterTable): object {
  return {
    variant: t.variant,
    trainable: t.trainable,
    total: t.total,
    percent_trainable: Number(pct(t.trainable, t.total)),
    rows: t.rows,
    backbone: { source: t.backbone.source, legacy_cross_attention_bias: t.backbone.legacyCrossBias },
    notes: t.backbone.notes,
  };
}

export const command: CommandModule<object, ParamsArgs> = {
  command: 'params',
  describe: 'Trainable and frozen parameter counts per component, from shapes alone (no download)',
  builder: (y: Argv<object>) =>
    withConfigOption(y)
      .option('json', { type: 'boolean', default: false, describe: 'print { variant, trainable, total, rows } as JSON' })
      .example('$0 params -c configs/paper/hyperloader.yaml', "the paper's model: 6,784,368 trainable of 229,640,688")
      .example('$0 params -c configs/paper/hyperloader.yaml --set peft.variant=adapters --json', 'HyperFormer++ as JSON')
      .example('$0 params -c configs/paper/hyperloader.yaml --set peft.lora.rank=16 --set peft.lora.alpha=16', 'LoRA rank 16') as unknown as Argv<ParamsArgs>,
  handler: async (args) => {
    const { config } = await loadConfigFromArgs(args);
    const table = await parameterTable(config);
    if (args.json) process.stdout.write(`${JSON.stringify(parameterTableJson(table), null, 2)}\n`);
    else process.stdout.write(formatParameterTable(table, config.data.tasks.length));
  },
};
