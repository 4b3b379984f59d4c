/**
 * Evaluating a model on one split of every task, as `train` (periodic dev evaluation), `eval` and
 * the end of a run do: decode, score, write each task's predictions, log the F1 and a few decoded
 * sentences beside their gold, and warn about gold the tokenizer cannot write.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { TagCodec } from '../data/sentinel-codec.js';
import type { Sentence } from '../data/types.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { PeftModel } from '../peft/model.js';
import { progress } from '../runtime/progress.js';
import { evaluateTasks } from './evaluate.js';
import { sampleLine, writePredictions } from './predictions.js';
import type { SplitResults } from './report.js';
import { decodeTiming } from './timing.js';

/** What evaluating or tagging needs of a loaded run (train/prepare.ts builds one from a config). */
export interface EvalTarget {
  config: Config;
  tokenizer: Tokenizer;
  tasks: readonly { name: string; splits: Record<'dev' | 'test', readonly Sentence[]> }[];
  codec: TagCodec;
  model: PeftModel;
}

export interface SplitOutput {
  /** Write predictions/<task>.<split>.txt here (null: write nothing). */
  runDir: string | null;
  /** Write them under predictions/step-<N>/ instead (periodic dev evaluation). */
  step?: number;
  /** Log this many decoded sentences per task beside their gold (the first ones of the split). */
  samples?: number;
}

/** Evaluates one split of every task and writes its predictions; the caller writes the tables. */
export async function evaluateSplit(run: EvalTarget, split: 'dev' | 'test', output: SplitOutput, logger: Logger, tty = false, only?: string[]): Promise<SplitResults> {
  const c = run.config;
  const tasks = run.tasks.filter((t) => !only || only.includes(t.name)).map((t) => ({ task: t.name, sentences: t.splits[split], metric: c.data.tasks.find((x) => x.name === t.name)?.metric }));
  const total = tasks.reduce((s, t) => s + t.sentences.length, 0);
  const bar = progress({ total, label: `eval ${split}`, unit: 'sentences', logger, tty });
  const started = performance.now();
  try {
    const results = await evaluateTasks({
      model: run.model,
      tokenizer: run.tokenizer,
      codec: run.codec,
      split,
      tasks,
      batchSize: c.eval.batch_size,
      maxSourceLength: c.data.max_source_length,
      maxTargetLength: c.data.max_target_length,
      maxDecodeLength: c.eval.max_decode_length,
      mode: c.eval.f1_mode,
      onProgress: (p) => bar.update(p.done, { task: p.task }),
      onTaskDone: async (task, ev) => {
        if (output.runDir) await writePredictions(output.runDir, task, split, ev.rows, output.step);
        logger.info({ split, task, f1: ev.score.f1 }, `${split} ${task}: F1 ${ev.score.f1.toFixed(4)}`);
        ev.rows.slice(0, output.samples ?? 0).forEach((row, i) => {
          logger.info({ split, task, sample: i + 1, tokens: row.tokens, gold: row.gold, pred: row.pred }, `  ${task} ${split} #${i + 1}: ${sampleLine(row)}`);
        });
        if (ev.undecodableGold > 0) {
          logger.warn(
            { split, task, undecodable_gold: ev.undecodableGold },
            `${split} ${task}: ${ev.undecodableGold} gold tag(s) cannot be written with this tokenizer (they become <unk>); ` +
              'they were scored from the dataset, but the model can never produce them. Rebuild the tokenizer with `hyperloader tokenizer build --config …`',
          );
        }
      },
    });
    // Decoding dominates (scoring and writing predictions are milliseconds): eval's throughput figure.
    return { ...results, decode: decodeTiming(total, (performance.now() - started) / 1000, c.eval.batch_size) };
  } finally {
    bar.stop();
  }
}
