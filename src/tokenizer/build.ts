/**
 * A word-level tokenizer for a config's tasks (`hyperloader tokenizer build`): one id per train
 * word seen at least `minCount` times, every tag token of every split (so gold always encodes,
 * even a type seen only in dev or test), `<unk>` for the rest. Every word and every tag is then
 * exactly one token, which keeps tag k at the same target position as word k in the source: the
 * alignment a backbone trained from scratch learns through its cross-attention position bias
 * (docs/real-data.md).
 */
import { buildWordLevelTokenizer, SHAPE_TOKENS, type WordLevelTokenizer } from './word-level.js';

export interface TokenizerBuildInput {
  /** Words of the training sentences (what the vocabulary is counted from). */
  train: readonly (readonly string[])[];
  /** Every token a target can hold besides the sentinels: `O`, `I` and each (encoded) type name. */
  tags: readonly string[];
  /** Sentences to report coverage on (dev and test), by name. */
  heldOut?: Record<string, readonly (readonly string[])[]>;
}

export interface TokenizerBuildOptions {
  /** Keep words seen at least this often in train (rarer ones become `<unk>`, so the model learns what `<unk>` means). */
  minCount: number;
  lowercase?: boolean;
  /** Unknown words become shape tokens (`<unk:Cap>` …) instead of `<unk>`. */
  unknownShapes?: boolean;
  maxWords?: number;
}

export interface TokenizerBuildReport {
  vocabSize: number;
  words: number;
  tags: number;
  /** Per held-out set: word tokens, and how many of them are unknown (`<unk>` or a shape token). */
  coverage: Record<string, { tokens: number; unknown: number }>;
}

export function buildTaskTokenizer(input: TokenizerBuildInput, opts: TokenizerBuildOptions): { tokenizer: WordLevelTokenizer; report: TokenizerBuildReport } {
  const tokenizer = buildWordLevelTokenizer(input.train, { minCount: opts.minCount, maxWords: opts.maxWords, lowercase: opts.lowercase, unknownShapes: opts.unknownShapes, keep: input.tags });
  const unknownIds = new Set([tokenizer.unkId, ...(opts.unknownShapes ? SHAPE_TOKENS.map((t) => tokenizer.tokenToId(t)!) : [])]);
  const coverage: TokenizerBuildReport['coverage'] = {};
  for (const [name, sentences] of Object.entries(input.heldOut ?? {})) {
    let tokens = 0;
    let unknown = 0;
    for (const s of sentences) {
      for (const w of s) {
        tokens++;
        // One word, one id (the source puts a sentinel between words, so words never merge).
        if (unknownIds.has(tokenizer.encode(w, { addEos: false })[0]!)) unknown++;
      }
    }
    coverage[name] = { tokens, unknown };
  }
  const tags = new Set(input.tags).size;
  const shapes = opts.unknownShapes ? SHAPE_TOKENS.length : 0;
  return { tokenizer, report: { vocabSize: tokenizer.vocabSize, words: tokenizer.vocabSize - 3 - shapes - 100 - tags, tags, coverage } };
}
