/**
 * Sentences → token ids in the Sentinel+Tag format (SPEC §5), once per run: source and target
 * strings, tokenised with truncation to the configured lengths (</s> kept last).
 */
import type { TrainingConfig } from '../config/schema.js';
import { TaskSampler } from '../data/sampler.js';
import type { Sentence } from '../data/types.js';
import { MAX_SENTINEL_WORDS, toSource, toTarget, truncateToSentinels } from '../data/sentinel.js';
import { tagCodec, type TagCodec } from '../data/sentinel-codec.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { Example } from '../data/collate.js';

export interface FeatureOptions {
  maxSourceLength: number;
  maxTargetLength: number;
  codec?: TagCodec;
}

export function toExample(s: Sentence, tokenizer: Tokenizer, opts: FeatureOptions): Example {
  const { sentence } = truncateToSentinels(s);
  return {
    source: tokenizer.encode(toSource(sentence.tokens), { maxLength: opts.maxSourceLength }),
    target: tokenizer.encode(toTarget(sentence.tags, opts.codec ?? tagCodec), { maxLength: opts.maxTargetLength }),
  };
}

export function toExamples(sentences: readonly Sentence[], tokenizer: Tokenizer, opts: FeatureOptions): Example[] {
  return sentences.map((s) => toExample(s, tokenizer, opts));
}

/** What a batch pads to on account of this example: its source and target tokens together. */
export function exampleLength(e: Example): number {
  return e.source.length + e.target.length;
}

/** The run's task sampler over tokenised examples (training.temperature, batch_size, group_by_length). */
export function samplerFor(examples: Record<string, readonly Example[]>, t: TrainingConfig, seed: number): TaskSampler {
  return new TaskSampler({
    sizes: Object.fromEntries(Object.entries(examples).map(([k, v]) => [k, v.length])),
    temperature: t.temperature,
    seed,
    batchSize: t.batch_size,
    groupByLength: t.group_by_length,
    lengths: t.group_by_length > 1 ? Object.fromEntries(Object.entries(examples).map(([k, v]) => [k, v.map(exampleLength)])) : undefined,
  });
}

export interface Truncation {
  sentences: number;
  /** Sentences with more words than the sentinels can mark (their tail is dropped). */
  overSentinels: number;
  /** Sentences whose Sentinel+Tag source / target is cut at maxSourceLength / maxTargetLength tokens. */
  source: number;
  target: number;
}

/** How many sentences the format's limits cut, and where (reported before training and by `data stats`). */
export function truncationOf(sentences: readonly Sentence[], tokenizer: Tokenizer, opts: FeatureOptions): Truncation {
  const out: Truncation = { sentences: sentences.length, overSentinels: 0, source: 0, target: 0 };
  for (const s of sentences) {
    const { sentence, dropped } = truncateToSentinels(s);
    if (dropped > 0) out.overSentinels++;
    if (tokenizer.encode(toSource(sentence.tokens)).length > opts.maxSourceLength) out.source++;
    if (tokenizer.encode(toTarget(sentence.tags, opts.codec ?? tagCodec)).length > opts.maxTargetLength) out.target++;
  }
  return out;
}

/** "3 over 99 words, 12 sources over 128 tokens" (empty when nothing is cut). */
export function describeTruncation(t: Truncation, opts: FeatureOptions): string {
  const parts: string[] = [];
  if (t.overSentinels > 0) parts.push(`${t.overSentinels} over ${MAX_SENTINEL_WORDS} words`);
  if (t.source > 0) parts.push(`${t.source} source${t.source === 1 ? '' : 's'} over ${opts.maxSourceLength} tokens`);
  if (t.target > 0) parts.push(`${t.target} target${t.target === 1 ? '' : 's'} over ${opts.maxTargetLength} tokens`);
  return parts.join(', ');
}
