/**
 * The decode-and-score pipeline of SPEC §5: for one task, every sentence goes through the
 * Sentinel+Tag source, batched greedy decoding with the task's generated weights (computed once
 * for the whole run), decoded text → sBIO → BIO, aligned to the gold length by position, and
 * seqeval micro P/R/F1. Gold is NOT the dataset's tags as such: it is decoded the same way from
 * the truncated label ids, so a sentence whose target does not fit in maxTargetLength tokens is
 * scored only on the words whose tags survived — what the model could see, as the authors did.
 */
import * as tf from '@tensorflow/tfjs';
import { bioToSbio, truncateToSentinels, toSource, toTarget, fromTargetText, alignToGold } from '../data/sentinel.js';
import { tagCodec, type TagCodec } from '../data/sentinel-codec.js';
import type { Sentence } from '../data/types.js';
import { greedyGenerate } from '../model/generate.js';
import type { PeftModel } from '../peft/model.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { collate } from '../data/collate.js';
import { averageOf, type SplitResults, type TaskScore } from './report.js';
import { scoreMode, type Mode } from './seqeval.js';
import { accuracyScoreOf } from './accuracy.js';
import { fromOneTokenEntities } from '../data/per-token.js';

/** How a task is scored: seqeval span F1, or token accuracy for per-token tags. */
export type TaskMetric = 'f1' | 'accuracy';

/** One sentence ready for decoding. */
export interface EvalItem {
  /** Position in the caller's sentence list (batches are length-sorted; rows come back in this order). */
  index: number;
  /** The sentence after the sentinel limit (truncateToSentinels). */
  sentence: Sentence;
  /** Source ids (Sentinel+Tag source, </s> appended, truncated to maxSourceLength). */
  sourceIds: number[];
  /** Gold IOB2 tags decoded from the truncated label ids. */
  gold: string[];
  /** Gold tags the tokenizer could not encode, taken from the dataset instead (see decodeGold). */
  undecodableGold: number;
}

/** One scored sentence: the words that were scored, their gold tags and the aligned prediction. */
export interface PredictionRow {
  tokens: string[];
  gold: string[];
  pred: string[];
}

/** Decoded target texts (special tokens already skipped) for a batch, in the batch's order. */
export type BatchGenerator = (batch: readonly EvalItem[]) => Promise<string[]>;

export interface LengthOptions {
  maxSourceLength: number;
  maxTargetLength: number;
  codec?: TagCodec;
}

/** How sentences become texts: the model (the real path), or a `generate` test seam, or both (the seam wins). */
export type DecodeSource = { model: PeftModel; generate?: BatchGenerator } | { model?: PeftModel; generate: BatchGenerator };

export type EvaluateTaskOptions = EvaluateTaskSettings & DecodeSource;

export interface EvaluateTaskSettings extends LengthOptions {
  tokenizer: Tokenizer;
  task: string;
  sentences: readonly Sentence[];
  /** Sentences per decoding batch. */
  batchSize: number;
  /** New tokens at most per sentence (greedy decoding stops earlier when every row has emitted </s>). */
  maxDecodeLength: number;
  /** seqeval mode: 'default' (conlleval-compatible, the paper's) or 'strict' (IOB2). */
  mode: Mode;
  /**
   * data.tasks[].metric: `accuracy` for per-token tags (loaded as one-token entities, see
   * data/per-token.ts): rows are unwrapped to the tags as written and scored by token accuracy.
   */
  metric?: TaskMetric;
  /** Called after each batch with sentences done and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface TaskEvaluation {
  score: TaskScore;
  /** One row per input sentence, in input order. */
  rows: PredictionRow[];
  /**
   * Words not scored because the sentinel limit or the maxTargetLength truncation dropped their
   * tags (worth a log line: they are invisible in the F1).
   */
  unscoredWords: number;
  /** Gold tags the tokenizer cannot encode (scored from the dataset; the model can never emit them). */
  undecodableGold: number;
}

/**
 * Gold tags as the model sees them: the target text tokenised with maxTargetLength truncation,
 * decoded with special tokens skipped, split on whitespace, sBIO → BIO. A cut inside a type name
 * leaves that fragment as the gold type, as the authors scored.
 *
 * One repair: a tag the tokenizer cannot encode (a word-level vocabulary that lacks a type seen
 * only in dev/test) becomes `<unk>`, which decoding drops, and every later gold tag would shift
 * onto the wrong word. So the label ids are decoded one sentinel-delimited segment at a time, and
 * a segment holding `<unk>` is replaced by the dataset's own tag for that word and counted in
 * `undecodable` (the caller warns: such a tag can never be predicted).
 */
export function decodeGold(tags: readonly string[], tokenizer: Tokenizer, maxTargetLength: number, codec: TagCodec = tagCodec): { gold: string[]; undecodable: number } {
  const labelIds = tokenizer.encode(toTarget(tags, codec), { maxLength: maxTargetLength });
  const sbio = bioToSbio(tags, codec);
  const pieces: string[] = [];
  let undecodable = 0;
  let word = -1;
  let segment: number[] = [];
  const close = () => {
    if (word < 0 || segment.length === 0) return;
    if (segment.includes(tokenizer.unkId) && word < sbio.length) {
      pieces.push(sbio[word]!);
      undecodable++;
    } else pieces.push(tokenizer.decode(segment, { skipSpecialTokens: true }));
  };
  for (const id of labelIds) {
    if (tokenizer.sentinelIndex(id) >= 0) {
      close();
      word++;
      segment = [];
    } else if (id !== tokenizer.eosId && id !== tokenizer.padId) segment.push(id);
  }
  close();
  return { gold: fromTargetText(pieces.join(' '), codec), undecodable };
}

/** decodeGold's tags alone. */
export function goldFromLabels(tags: readonly string[], tokenizer: Tokenizer, maxTargetLength: number, codec: TagCodec = tagCodec): string[] {
  return decodeGold(tags, tokenizer, maxTargetLength, codec).gold;
}

/** Decoded model output → IOB2 tags cut or padded with O to the gold length, by position. */
export function predictedTags(decodedText: string, goldLength: number, codec: TagCodec = tagCodec): string[] {
  return alignToGold(fromTargetText(decodedText, codec), goldLength);
}

/** Source ids and gold for one sentence. */
export function prepareItem(sentence: Sentence, index: number, tokenizer: Tokenizer, opts: LengthOptions): EvalItem {
  const kept = truncateToSentinels(sentence).sentence;
  const { gold, undecodable } = decodeGold(kept.tags, tokenizer, opts.maxTargetLength, opts.codec);
  if (gold.length > kept.tokens.length) {
    // The codec keeps every tag one whitespace-free word, so decoding cannot add tags; if it did, rows would misalign.
    throw new Error(`sentence ${index + 1}: ${gold.length} gold tags decoded from ${kept.tokens.length} words`);
  }
  const sourceIds = tokenizer.encode(toSource(kept.tokens), { maxLength: opts.maxSourceLength });
  return { index, sentence: kept, sourceIds, gold, undecodableGold: undecodable };
}

/**
 * Batches of items with similar source lengths (longest first, so a batch that does not fit in
 * memory fails at once rather than at the end), which keeps padding — and decoding time — low.
 * The sort is stable, so equal lengths keep their input order.
 */
export function lengthSortedBatches<T extends { sourceIds: readonly number[] }>(items: readonly T[], batchSize: number): T[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const sorted = [...items].sort((a, b) => b.sourceIds.length - a.sourceIds.length);
  const batches: T[][] = [];
  for (let i = 0; i < sorted.length; i += batchSize) batches.push(sorted.slice(i, i + batchSize));
  return batches;
}

/**
 * Greedy decoding with the model and the task's modules computed once (SPEC §3: generated weights
 * depend only on task, stack, layer and position). Call `release()` when done.
 */
export function modelGenerator(model: PeftModel, tokenizer: Tokenizer, task: string, maxDecodeLength: number): { generate: BatchGenerator; release: () => void } {
  const frozen = model.frozenModules(task);
  const generate: BatchGenerator = async (batch) => {
    const padded = collate(
      batch.map((it) => ({ source: it.sourceIds, target: [] })),
      { padId: tokenizer.padId, decoderStartId: model.t5.cfg.decoder_start_token_id },
    );
    const shape: [number, number] = [padded.size, padded.sourceLength];
    const inputIds = tf.tensor2d(padded.inputIds, shape, 'int32');
    const mask = tf.tensor2d(padded.attentionMask, shape, 'int32');
    try {
      // greedyGenerate is async (it reads each step's tokens), so it cannot sit inside tf.tidy; it
      // disposes its own intermediates, and the inputs are disposed here.
      const rows = await greedyGenerate(model.t5, inputIds, mask, { maxNewTokens: maxDecodeLength, hooks: frozen.hooks });
      return rows.map((ids) => tokenizer.decode(ids, { skipSpecialTokens: true }));
    } finally {
      tf.dispose([inputIds, mask]);
    }
  };
  return { generate, release: frozen.release };
}

/**
 * seqeval scores of one task's rows as a TaskScore: micro P/R/F1 and entity counts (the table),
 * and the classification report (per type, macro and weighted averages).
 */
export function taskScoreOf(task: string, rows: readonly PredictionRow[], mode: Mode): TaskScore {
  const s = scoreMode(
    rows.map((r) => r.gold),
    rows.map((r) => r.pred),
    { mode, scheme: 'IOB2' },
  );
  return {
    task,
    precision: s.micro.precision,
    recall: s.micro.recall,
    f1: s.micro.f1,
    sentences: rows.length,
    gold: s.counts.n_gold,
    predicted: s.counts.n_pred,
    correct: s.counts.tp,
    metric: 'f1',
    per_type: s.per_type,
    macro: s.macro,
    weighted: s.weighted,
  };
}

/** Decodes and scores one task's sentences (SPEC §5). */
export async function evaluateTask(opts: EvaluateTaskOptions): Promise<TaskEvaluation> {
  const codec = opts.codec ?? tagCodec;
  const items = opts.sentences.map((s, i) => prepareItem(s, i, opts.tokenizer, { ...opts, codec }));
  const total = items.length;
  const rows = new Array<PredictionRow>(total);
  // The seam replaces model decoding entirely, so the task's modules are then not computed.
  const decoder = opts.generate
    ? { generate: opts.generate, release: () => {} }
    : modelGenerator(opts.model!, opts.tokenizer, opts.task, opts.maxDecodeLength); // DecodeSource guarantees a model here
  let done = 0;
  try {
    for (const batch of lengthSortedBatches(items, opts.batchSize)) {
      const texts = await decoder.generate(batch);
      if (texts.length !== batch.length) throw new Error(`generator returned ${texts.length} texts for a batch of ${batch.length}`);
      batch.forEach((it, k) => {
        rows[it.index] = {
          tokens: it.sentence.tokens.slice(0, it.gold.length),
          gold: it.gold,
          pred: predictedTags(texts[k]!, it.gold.length, codec),
        };
      });
      done += batch.length;
      opts.onProgress?.(done, total);
    }
  } finally {
    decoder.release();
  }
  const unscoredWords = opts.sentences.reduce((n, s, i) => n + s.tokens.length - rows[i]!.gold.length, 0);
  const undecodableGold = items.reduce((n, it) => n + it.undecodableGold, 0);
  const perToken = opts.metric === 'accuracy';
  const scored = perToken ? rows.map((r) => ({ tokens: r.tokens, gold: fromOneTokenEntities(r.gold), pred: fromOneTokenEntities(r.pred) })) : rows;
  const base = perToken ? accuracyScoreOf(opts.task, scored) : taskScoreOf(opts.task, scored, opts.mode);
  const score = { ...base, unscored_words: unscoredWords, undecodable_gold: undecodableGold };
  return { score, rows: scored, unscoredWords, undecodableGold };
}

export interface EvalProgress {
  task: string;
  /** Sentences decoded so far, over all tasks of the split. */
  done: number;
  total: number;
  elapsedSeconds: number;
  sentencesPerSecond: number;
}

export type EvaluateTasksOptions = EvaluateTasksSettings & DecodeSource;

export interface EvaluateTasksSettings extends Omit<EvaluateTaskSettings, 'task' | 'sentences' | 'onProgress' | 'metric'> {
  split: SplitResults['split'];
  /** The tasks in table order, each with its split's sentences (and its metric, default f1). */
  tasks: readonly { task: string; sentences: readonly Sentence[]; metric?: TaskMetric }[];
  onProgress?: (p: EvalProgress) => void;
  /** Called as each task finishes (e.g. to write its predictions file before the next task decodes). */
  onTaskDone?: (task: string, evaluation: TaskEvaluation) => void | Promise<void>;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** Every task of one split, in order, and the unweighted average over tasks (the paper's headline). */
export async function evaluateTasks(opts: EvaluateTasksOptions): Promise<SplitResults> {
  const now = opts.now ?? (() => performance.now());
  const total = opts.tasks.reduce((n, t) => n + t.sentences.length, 0);
  const start = now();
  let before = 0;
  const scores: TaskScore[] = [];
  for (const { task, sentences, metric } of opts.tasks) {
    const evaluation = await evaluateTask({
      ...opts,
      task,
      sentences,
      metric,
      onProgress: (done) => {
        const elapsedSeconds = (now() - start) / 1000;
        const all = before + done;
        opts.onProgress?.({ task, done: all, total, elapsedSeconds, sentencesPerSecond: elapsedSeconds > 0 ? all / elapsedSeconds : 0 });
      },
    });
    before += sentences.length;
    scores.push(evaluation.score);
    await opts.onTaskDone?.(task, evaluation);
  }
  return { split: opts.split, tasks: scores, average: averageOf(scores) };
}
