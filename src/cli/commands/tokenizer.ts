/**
 * `hyperloader tokenizer build --config X [--min-count N] [--lowercase] [--out F] [--force]`: a
 * word-level tokenizer.json for the config's tasks (src/tokenizer/build.ts), written to `--out` or
 * to the config's `model.tokenizer`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { resolveConfigPath } from '../../config/paths.js';
import { bioToSbio } from '../../data/sentinel.js';
import type { Sentence } from '../../data/types.js';
import { HyperloaderError } from '../../errors.js';
import { writeFileAtomic } from '../../runtime/fs.js';
import { buildTaskTokenizer } from '../../tokenizer/build.js';
import { codecFor, loadTasks } from '../../train/setup.js';
import { loadConfigFromArgs, withConfigOption, type GlobalArgs } from '../common.js';

export interface Args extends GlobalArgs {
  action: 'build';
  config?: string;
  'min-count': number;
  lowercase: boolean;
  'unknown-shapes': boolean;
  'max-words'?: number;
  out?: string;
  force: boolean;
  json: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'tokenizer <action>',
  describe: "Build a word-level tokenizer for a config's tasks (one id per word and per tag)",
  builder: (y: Argv<object>) =>
    withConfigOption(y)
      .positional('action', { choices: ['build'] as const, describe: 'build: write tokenizer.json', demandOption: true })
      .option('min-count', { type: 'number', default: 2, describe: 'keep train words seen at least this often; rarer ones become <unk> (so the model learns <unk>)' })
      .option('lowercase', { type: 'boolean', default: false, describe: 'count words lowercased and look unknown words up lowercased (tags keep their case)' })
      .option('unknown-shapes', {
        type: 'boolean',
        default: false,
        describe: 'unknown words become shape tokens (<unk:Cap>, <unk:num>, …) instead of <unk>: helps named entities',
      })
      .option('max-words', { type: 'number', describe: 'keep at most this many words, most frequent first' })
      .option('out', { type: 'string', describe: "where to write tokenizer.json (default: the config's model.tokenizer)" })
      .option('force', { type: 'boolean', default: false, describe: 'overwrite an existing file' })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
      .example('$0 tokenizer build --config configs/cpu/atis-snips.yaml', 'writes the file model.tokenizer names')
      .example('$0 tokenizer build --config X --min-count 1 --out my-tokenizer.json', '') as unknown as Argv<Args>,
  handler: async (args) => {
    const minCount = args['min-count'];
    if (!Number.isInteger(minCount) || minCount < 1) throw new HyperloaderError(`--min-count must be a positive integer, got ${minCount}`, { exitCode: 2 });
    const { config } = await loadConfigFromArgs(args);
    let out: string;
    if (args.out) out = resolve(args.out);
    else if (config.model.tokenizer) out = resolveConfigPath(config, config.model.tokenizer);
    else {
      throw new HyperloaderError(`${args.config} sets no model.tokenizer: pass --out FILE (and point model.tokenizer at it)`, { exitCode: 2 });
    }
    if (existsSync(out) && !args.force) throw new HyperloaderError(`${out} exists; pass --force to overwrite it`, { exitCode: 2 });

    const tasks = await loadTasks(config);
    const codec = codecFor(tasks);
    const tags = new Set<string>();
    for (const t of tasks) for (const s of [...t.splits.train, ...t.splits.dev, ...t.splits.test]) for (const tag of bioToSbio(s.tags, codec)) tags.add(tag);
    const heldOut: Record<string, Sentence[]> = {};
    for (const t of tasks) {
      heldOut[`${t.name} dev`] = t.splits.dev;
      if (t.splits.test.length > 0) heldOut[`${t.name} test`] = t.splits.test;
    }
    const { tokenizer, report } = buildTaskTokenizer(
      { train: tasks.flatMap((t) => t.splits.train.map((s) => s.tokens)), tags: [...tags].sort(), heldOut },
      { minCount, lowercase: args.lowercase, unknownShapes: args['unknown-shapes'], maxWords: args['max-words'] },
    );
    await writeFileAtomic(out, JSON.stringify(tokenizer.toJson(), null, 1) + '\n');

    const shape = config.model.random_init;
    const note =
      shape && shape.vocab_size !== report.vocabSize
        ? `set model.random_init.vocab_size to ${report.vocabSize} (the config has ${shape.vocab_size})`
        : undefined;
    if (args.json) {
      process.stdout.write(JSON.stringify({ path: out, ...report, ...(note ? { note } : {}) }, null, 2) + '\n');
      return;
    }
    const lines = [
      `wrote ${out}: ${report.vocabSize} ids (${report.words} words seen ≥ ${minCount}× in train${args.lowercase ? ', lowercased' : ''}, ${report.tags} tag tokens, ` +
        `3 special${args['unknown-shapes'] ? ' + 7 unknown-word shapes' : ''}, 100 sentinels)`,
      ...Object.entries(report.coverage).map(
        ([name, c]) => `  ${name}: ${c.unknown} of ${c.tokens} words unknown (${percent(c.unknown, c.tokens)}); inside entities ${c.entityUnknown} of ${c.entityTokens} (${percent(c.entityUnknown, c.entityTokens)})`,
      ),
    ];
    if (note) lines.push(note);
    process.stdout.write(lines.join('\n') + '\n');
  },
};

const percent = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;
