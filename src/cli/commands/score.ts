/**
 * `hyperloader score FILE…`: a drop-in for conlleval on gold/pred column files. Prints conlleval's
 * report and seqeval's classification report, or with --json seqeval's numbers in both modes.
 */
import type { Argv, CommandModule } from 'yargs';
import { HyperloaderError } from '../../errors.js';
import { readConllColumns } from '../../eval/conll-file.js';
import { conllevalCounts, formatConlleval } from '../../eval/seqeval-conlleval.js';
import { classificationReport } from '../../eval/seqeval-report.js';
import { MODES, SCHEMES, scoreSentences, type Mode, type Scheme } from '../../eval/seqeval.js';

export interface ScoreArgs {
  files: string[];
  mode: Mode;
  scheme: Scheme;
  json: boolean;
  digits: number;
}

/** The text report of one file: conlleval's lines, then seqeval's classification report for `mode`. */
function textReport(file: string, args: ScoreArgs): string {
  const { gold, pred } = readConllColumns(file);
  const result = scoreSentences(gold, pred, { scheme: args.scheme });
  let scores;
  if (args.mode === 'strict') {
    if ('error' in result.strict) {
      throw new HyperloaderError(
        `${file}: strict-mode decoding under ${args.scheme} failed (seqeval: ${result.strict.error}). ` +
          `Pick the file's tagging scheme with --scheme (${SCHEMES.join(', ')}), or score with --mode default.`,
      );
    }
    scores = result.strict;
  } else {
    scores = result.default;
  }
  const title = args.mode === 'strict' ? `seqeval, strict mode (${args.scheme}):` : 'seqeval, default mode:';
  return `${formatConlleval(conllevalCounts(gold, pred))}\n${title}\n${classificationReport(scores, args.digits)}`;
}

export const command: CommandModule<object, ScoreArgs> = {
  command: 'score <files..>',
  describe: 'Score CoNLL-style gold/pred column files like conlleval and seqeval',
  builder: (y: Argv<object>) =>
    y
      .positional('files', {
        type: 'string',
        array: true,
        defaultDescription: 'none',
        describe:
          'whitespace-separated columns, the last two being the gold and the predicted tag; a blank line between sentences; -DOCSTART- lines are skipped',
      })
      .option('mode', {
        choices: MODES,
        default: 'default' as Mode,
        describe: "which seqeval report the text output shows: 'default' (conlleval-like) or 'strict' (well-formed entities only)",
      })
      .option('scheme', { choices: SCHEMES, default: 'IOB2' as Scheme, describe: 'tagging scheme of strict mode' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print seqeval scores in both modes as JSON (several files: one JSON object per line)',
      })
      .option('digits', { type: 'number', default: 2, describe: "decimals in seqeval's report" })
      .example('$0 score runs/x/predictions/conll03.test.txt', "conlleval's report, then seqeval's")
      .example('$0 score preds.txt --json --scheme IOBES', 'both modes as JSON, strict mode decoding IOBES')
      .check((a) => {
        if (!Number.isInteger(a.digits) || a.digits < 0 || a.digits > 20) {
          throw new HyperloaderError(`--digits must be an integer from 0 to 20, got ${a.digits}`, { exitCode: 2 });
        }
        return true;
      }) as unknown as Argv<ScoreArgs>,
  handler: (args) => {
    const many = args.files.length > 1;
    for (const file of args.files) {
      if (args.json) {
        const { gold, pred } = readConllColumns(file);
        const result = scoreSentences(gold, pred, { scheme: args.scheme });
        // NaN (macro average over no types) is not JSON; it prints as null.
        process.stdout.write(`${many ? JSON.stringify(result) : JSON.stringify(result, null, 2)}\n`);
      } else {
        process.stdout.write(`${many ? `==> ${file} <==\n` : ''}${textReport(file, args)}${many ? '\n' : ''}`);
      }
    }
  },
};
