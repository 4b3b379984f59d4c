/** `hyperloader predict`: tag raw text with a trained run. */
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../common.js';
import { HyperloaderError } from '../../errors.js';
import { createLogger, levelFromFlags } from '../../runtime/logger.js';
import { prepareRun } from '../../train/prepare.js';
import { chooseCheckpoint, openRun } from '../../train/runs.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { sentencesFromConll, sentencesFromText, tagSentences } from '../../eval/tag.js';

export interface Args extends GlobalArgs {
  run: string;
  task: string;
  text?: string[];
  input?: string;
  conll?: boolean;
  json?: boolean;
  checkpoint?: 'best' | 'last';
}

export const command: CommandModule<object, Args> = {
  command: 'predict [text..]',
  describe: 'Tag raw text with a trained run: token/tag columns, or JSON spans',
  builder: (y) =>
    y
      .positional('text', { type: 'string', array: true, describe: 'a sentence (whitespace-tokenised); omit to read --input or stdin' })
      .option('run', { type: 'string', demandOption: 'pass the run directory, e.g. --run runs/quickstart', describe: 'run directory' })
      .option('task', { type: 'string', demandOption: 'pass the task whose generated weights to use, e.g. --task demo_slots', describe: 'task name' })
      .option('input', { alias: 'i', type: 'string', describe: 'a file: one sentence per line (or CoNLL columns with --conll)' })
      .option('conll', { type: 'boolean', describe: '--input is CoNLL-style: tokens in the first column, blank line between sentences' })
      .option('json', { type: 'boolean', describe: 'one JSON object per sentence: tokens, tags and entity spans' })
      .option('checkpoint', { choices: ['best', 'last'] as const, describe: 'which checkpoint (default: training.select, else last)' })
      .example('$0 predict --run runs/quickstart --task demo_slots "flights from boston to denver on june 5"', 'tag one sentence')
      .example('$0 predict --run runs/quickstart --task demo_ner --input sentences.txt --json', 'JSON spans for a file') as unknown as Argv<Args>,
  handler: async (args) => {
    let text: string;
    if (args.text && args.text.length > 0) text = args.text.join(' ');
    else if (args.input) {
      try {
        text = readFileSync(args.input, 'utf8');
      } catch (e) {
        throw new HyperloaderError(`--input ${args.input}: ${(e as Error).message}`, { exitCode: 2 });
      }
    } else if (!process.stdin.isTTY) text = readFileSync(0, 'utf8');
    else throw new HyperloaderError('nothing to tag: give a sentence, --input FILE, or pipe text on stdin', { exitCode: 2 });
    const sentences = args.conll ? sentencesFromConll(text) : sentencesFromText(text);
    if (sentences.length === 0) throw new HyperloaderError('nothing to tag: the input has no words', { exitCode: 2 });
    const logger = createLogger({ level: levelFromFlags({ ...args, quiet: args.verbose ? false : true }) });
    const { runDir, config } = await openRun(args.run, args.backend);
    const label = chooseCheckpoint(runDir, config, args.checkpoint);
    const run = await prepareRun(config, logger);
    try {
      await loadCheckpoint(runDir, label, run.model, null, run.backbone);
      const tagged = await tagSentences(run, args.task, sentences, { batchSize: config.eval.batch_size });
      tagged.forEach((t, i) => {
        if (t.windows > 1) {
          logger.warn(
            { sentence: i + 1, words: t.tokens.length, windows: t.windows },
            `sentence ${i + 1} has ${t.tokens.length} words, more than the model reads at once (99 words and data.max_source_length ${config.data.max_source_length} tokens): ` +
              `tagged in ${t.windows} consecutive windows; an entity crossing a window edge comes out split`,
          );
        }
      });
      for (const t of tagged) {
        if (args.json) process.stdout.write(JSON.stringify({ tokens: t.tokens, tags: t.tags, spans: t.spans }) + '\n');
        else process.stdout.write(t.tokens.map((tok, i) => `${tok}\t${t.tags[i]}`).join('\n') + '\n\n');
      }
    } finally {
      run.model.dispose();
      run.model.t5.dispose();
    }
  },
};
