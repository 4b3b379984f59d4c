export type { DecodeOptions, EncodeOptions, Tokenizer } from './tokenizer.js';
export { sentinelToken } from './tokenizer.js';
export { T5Tokenizer, DEFAULT_T5_TOKENIZER_PATH } from './t5-tokenizer.js';
export { WordLevelTokenizer, buildWordLevelTokenizer, type WordLevelOptions } from './word-level.js';
export { loadTokenizer } from './load.js';
