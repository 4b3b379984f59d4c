/**
 * Sentences → token ids in the Sentinel+Tag format (SPEC §5), once per run: source and target
 * strings, tokenised with truncation to the configured lengths (</s> kept last).
 */
import type { TrainingConfig } from '../config/schema.js';
import { TaskSampler } from '../data/sampler.js';
import type { Sentence } from '../data/types.js';
import { toSource, toTarget, truncateToSentinels } from '../data/sentinel.js';
import { tagCodec, type TagCodec } from '../data/sentinel-codec.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { Example } from './batch.js';

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
