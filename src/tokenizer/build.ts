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
  /** Sentences to report coverage on (dev and test), by name; with their gold tags, coverage is also counted inside entities. */
  heldOut?: Record<string, readonly { tokens: readonly string[]; tags?: readonly string[] }[]>;
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
  /**
   * Per held-out set: word tokens, and how many of them are unknown (`<unk>` or a shape token);
   * the same for the words inside entities (gold tag other than O), where unknown words cost most:
   * a name never seen in train is what NER must tag.
   */
  coverage: Record<string, { tokens: number; unknown: number; entityTokens: number; entityUnknown: number }>;
}

export function buildTaskTokenizer(input: TokenizerBuildInput, opts: TokenizerBuildOptions): { tokenizer: WordLevelTokenizer; report: TokenizerBuildReport } {
  const tokenizer = buildWordLevelTokenizer(input.train, { minCount: opts.minCount, maxWords: opts.maxWords, lowercase: opts.lowercase, unknownShapes: opts.unknownShapes, keep: input.tags });
  const unknownIds = new Set([tokenizer.unkId, ...(opts.unknownShapes ? SHAPE_TOKENS.map((t) => tokenizer.tokenToId(t)!) : [])]);
  const coverage: TokenizerBuildReport['coverage'] = {};
  for (const [name, sentences] of Object.entries(input.heldOut ?? {})) {
    const c = { tokens: 0, unknown: 0, entityTokens: 0, entityUnknown: 0 };
    for (const s of sentences) {
      s.tokens.forEach((w, i) => {
        // One word, one id (the source puts a sentinel between words, so words never merge).
        const unknown = unknownIds.has(tokenizer.encode(w, { addEos: false })[0]!);
        const inEntity = s.tags !== undefined && s.tags[i] !== 'O';
        c.tokens++;
        if (unknown) c.unknown++;
        if (inEntity) c.entityTokens++;
        if (inEntity && unknown) c.entityUnknown++;
      });
    }
    coverage[name] = c;
  }
  const tags = new Set(input.tags).size;
  const shapes = opts.unknownShapes ? SHAPE_TOKENS.length : 0;
  return { tokenizer, report: { vocabSize: tokenizer.vocabSize, words: tokenizer.vocabSize - 3 - shapes - 100 - tags, tags, coverage } };
}
