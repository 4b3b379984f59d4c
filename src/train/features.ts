/**
 * Sentences → token ids in the Sentinel+Tag format (SPEC §5), once per run: source and target
 * strings, tokenised with truncation to the configured lengths (</s> kept last).
 */
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
