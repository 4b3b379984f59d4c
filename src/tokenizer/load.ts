/** Opens a tokenizer file and picks the implementation from what the file holds. */
import { readFile } from 'node:fs/promises';
import { HyperloaderError } from '../errors.js';
import { T5Tokenizer } from './t5-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';
import { WordLevelTokenizer } from './word-level.js';

/**
 * `model.type` "Unigram" → the T5 SentencePiece tokenizer; "WordLevel" → the word-level one.
 * Anything else is a user error naming the file.
 */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  let json: { model?: { type?: string } };
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new HyperloaderError(`cannot load tokenizer ${path}: ${(e as Error).message}. Expected a Hugging Face tokenizer.json.`, { cause: e });
  }
  const type = json?.model?.type;
  if (type === 'Unigram') return T5Tokenizer.fromJson(json as Parameters<typeof T5Tokenizer.fromJson>[0], path);
  if (type === 'WordLevel') return WordLevelTokenizer.fromJson(json as Parameters<typeof WordLevelTokenizer.fromJson>[0], path);
  throw new HyperloaderError(
    `${path}: model.type is ${JSON.stringify(type)}; supported tokenizers are "Unigram" (T5 SentencePiece) and "WordLevel" (from buildWordLevelTokenizer).`,
  );
}
