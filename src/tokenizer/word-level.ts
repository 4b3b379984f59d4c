/**
 * A word-level tokenizer for the offline quickstart: one id per word seen in the training
 * sentences, so a tiny T5 needs no SentencePiece vocabulary. Same id layout as T5:
 * `<pad>`=0, `</s>`=1, `<unk>`=2, then the words, then `<extra_id_99>` … `<extra_id_0>`, so
 * `<extra_id_n>` = vocabSize − 1 − n.
 *
 * Saved as a Hugging Face tokenizer.json (WordLevel model, WhitespaceSplit, `$A </s>`), so the
 * file also loads in HF `tokenizers`.
 *
 * Lowercase fallback (`lowercase`): the vocabulary holds lowercased words, and a word not found as
 * written is looked up lowercased. Tags stay exactly as written (they are matched first), so
 * `B-Actor`'s type `Actor` still decodes as `Actor`. The flag is kept in the file under
 * `hyperloader.lowercase_fallback` (HF `tokenizers` ignores it and would look words up as written).
 *
 * Unknown-word shapes (`unknownShapes`): instead of one `<unk>`, a word outside the vocabulary
 * becomes one of a few shape tokens (`<unk:Cap>`, `<unk:CAPS>`, `<unk:num>` …, see wordShape).
 * A model trained from scratch sees rare words only as `<unk>`; its shape keeps what matters most
 * for named entities (a capitalised unknown word is usually a name). Kept under
 * `hyperloader.unknown_shapes`; HF `tokenizers` maps such words to `<unk>`.
 */
import { writeFile } from 'node:fs/promises';
import { HyperloaderError } from '../errors.js';
import {
  checkSentinelNumber,
  finishIds,
  sentinelToken,
  specialTokenSplitter,
  type DecodeOptions,
  type EncodeOptions,
  type Tokenizer,
} from './tokenizer.js';
import { SENTINEL_COUNT } from '../data/sentinel.js';

const HEAD = ['<pad>', '</s>', '<unk>'] as const;

export interface WordLevelOptions {
  /** Keep only words seen at least this often (default 1). */
  minCount?: number;
  /** Keep at most this many words, most frequent first (default: all). */
  maxWords?: number;
  /** Tokens kept whatever their count, before the words (tag names: gold must always encode). */
  keep?: readonly string[];
  /** Lowercase the counted words and look unknown words up lowercased (see the header). */
  lowercase?: boolean;
  /** Map unknown words to shape tokens instead of `<unk>` (see the header). */
  unknownShapes?: boolean;
}

/** The shape tokens, in vocabulary order. */
export const SHAPE_TOKENS = ['<unk:Cap>', '<unk:CAPS>', '<unk:lower>', '<unk:num>', '<unk:alnum>', '<unk:punct>', '<unk:mixed>'] as const;

/** The shape token of a word: its case pattern, digits, or punctuation. */
export function wordShape(word: string): (typeof SHAPE_TOKENS)[number] {
  const letters = /\p{L}/u.test(word);
  const digits = /\p{N}/u.test(word);
  if (digits && !letters) return /^[\p{N}.,:/+-]+$/u.test(word) ? '<unk:num>' : '<unk:mixed>';
  if (digits) return '<unk:alnum>';
  if (!letters) return '<unk:punct>';
  if (word === word.toLowerCase()) return '<unk:lower>';
  if (word === word.toUpperCase()) return word.length > 1 ? '<unk:CAPS>' : '<unk:Cap>';
  const first = [...word][0]!;
  return first === first.toUpperCase() && first !== first.toLowerCase() ? '<unk:Cap>' : '<unk:mixed>';
}

/** Builds the vocabulary from token lists (words and tags alike); ties in frequency sort by text. */
export function buildWordLevelTokenizer(sentences: readonly (readonly string[])[], opts: WordLevelOptions = {}): WordLevelTokenizer {
  const minCount = opts.minCount ?? 1;
  const shapes: readonly string[] = opts.unknownShapes ? SHAPE_TOKENS : [];
  const reserved = new Set<string>([...HEAD, ...shapes, ...Array.from({ length: SENTINEL_COUNT }, (_, n) => sentinelToken(n))]);
  const keep: string[] = [];
  for (const token of opts.keep ?? []) {
    if (token === '' || /\s/.test(token)) throw new HyperloaderError(`cannot keep ${JSON.stringify(token)} as one word-level token: it is empty or holds whitespace`);
    if (!reserved.has(token) && !keep.includes(token)) keep.push(token);
  }
  const kept = new Set(keep);
  const counts = new Map<string, number>();
  for (const sentence of sentences) {
    for (const token of sentence) {
      // encode() splits on whitespace, so a token with spaces inside is several words.
      for (const raw of token.split(/\s+/)) {
        const word = opts.lowercase ? raw.toLowerCase() : raw;
        if (word !== '' && !reserved.has(word) && !kept.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
      }
    }
  }
  let words = [...counts].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([w]) => w);
  if (opts.maxWords !== undefined) words = words.slice(0, opts.maxWords);
  const vocab = [...HEAD, ...shapes, ...keep, ...words, ...Array.from({ length: SENTINEL_COUNT }, (_, i) => sentinelToken(SENTINEL_COUNT - 1 - i))];
  return new WordLevelTokenizer(vocab, { lowercase: opts.lowercase, unknownShapes: opts.unknownShapes });
}

export class WordLevelTokenizer implements Tokenizer {
  readonly kind = 'word-level' as const;
  readonly vocabSize: number;
  readonly padId = 0;
  readonly eosId = 1;
  readonly unkId = 2;
  readonly sentinelCount = SENTINEL_COUNT;
  private readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;
  /** Unknown words are looked up lowercased too (see the header). */
  readonly lowercase: boolean;
  /** Unknown words become shape tokens (see the header). */
  readonly unknownShapes: boolean;
  private readonly split = specialTokenSplitter([...HEAD, ...Array.from({ length: SENTINEL_COUNT }, (_, n) => sentinelToken(n))]);

  /** `vocab[id]` is the token of id; it must follow the layout described at the top of this file. */
  constructor(vocab: readonly string[], opts: { lowercase?: boolean; unknownShapes?: boolean } = {}) {
    const problem = layoutProblem(vocab);
    if (problem) throw new HyperloaderError(`word-level vocabulary is malformed: ${problem}`);
    this.vocab = vocab;
    this.vocabSize = vocab.length;
    this.ids = new Map(vocab.map((w, i) => [w, i]));
    this.lowercase = opts.lowercase ?? false;
    this.unknownShapes = opts.unknownShapes ?? false;
    const missing = this.unknownShapes ? SHAPE_TOKENS.find((t) => !this.ids.has(t)) : undefined;
    if (missing) throw new HyperloaderError(`word-level vocabulary is malformed: unknown_shapes is on but ${missing} is not in it`);
  }

  /** Reads the `model` of a WordLevel tokenizer.json (as written by `toJson`). */
  static fromJson(
    json: { model?: { type?: string; vocab?: Record<string, number> }; hyperloader?: { lowercase_fallback?: boolean; unknown_shapes?: boolean } },
    source = 'tokenizer.json',
  ): WordLevelTokenizer {
    const vocab = json.model?.vocab;
    if (json.model?.type !== 'WordLevel' || vocab === undefined || typeof vocab !== 'object') {
      throw new HyperloaderError(`${source}: expected model.type "WordLevel" with a vocab object.`);
    }
    const list: string[] = [];
    for (const [word, id] of Object.entries(vocab)) list[id] = word;
    try {
      return new WordLevelTokenizer(list, { lowercase: json.hyperloader?.lowercase_fallback === true, unknownShapes: json.hyperloader?.unknown_shapes === true });
    } catch (e) {
      throw new HyperloaderError(`${source}: ${(e as Error).message}. Rebuild it with buildWordLevelTokenizer.`);
    }
  }

  encode(text: string, opts?: EncodeOptions): number[] {
    const ids: number[] = [];
    for (const part of this.split(text)) {
      if (part.special) ids.push(this.ids.get(part.text)!);
      else for (const w of part.text.split(/\s+/)) if (w !== '') ids.push(this.wordId(w));
    }
    return finishIds(ids, this.eosId, opts);
  }

  private wordId(w: string): number {
    const id = this.ids.get(w);
    if (id !== undefined) return id;
    const lower = this.lowercase ? this.ids.get(w.toLowerCase()) : undefined;
    if (lower !== undefined) return lower;
    return this.unknownShapes ? this.ids.get(wordShape(w))! : this.unkId;
  }

  decode(ids: readonly number[], opts?: DecodeOptions): string {
    const skip = opts?.skipSpecialTokens ?? false;
    const words: string[] = [];
    for (const id of ids) {
      const special = this.isSpecial(id) || this.vocab[id] === undefined;
      if (!(skip && special)) words.push(this.vocab[id] ?? this.vocab[this.unkId]!);
    }
    return words.join(' ');
  }

  sentinelId(n: number): number {
    checkSentinelNumber(n, SENTINEL_COUNT);
    return this.vocabSize - 1 - n;
  }

  sentinelIndex(id: number): number {
    const n = this.vocabSize - 1 - id;
    return n >= 0 && n < SENTINEL_COUNT ? n : -1;
  }

  isSpecial(id: number): boolean {
    return id < HEAD.length || this.sentinelIndex(id) >= 0;
  }

  idToToken(id: number): string | undefined {
    return this.vocab[id];
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** A Hugging Face tokenizer.json for this vocabulary. */
  toJson(): object {
    const special = (content: string, id: number) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    const specials = this.vocab.map((w, id) => [w, id] as const).filter(([, id]) => this.isSpecial(id));
    const eos = { SpecialToken: { id: '</s>', type_id: 0 } };
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map(([w, id]) => special(w, id)),
      normalizer: null,
      pre_tokenizer: { type: 'WhitespaceSplit' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ Sequence: { id: 'A', type_id: 0 } }, eos],
        pair: [{ Sequence: { id: 'A', type_id: 0 } }, eos, { Sequence: { id: 'B', type_id: 0 } }, eos],
        special_tokens: { '</s>': { id: '</s>', ids: [this.eosId], tokens: ['</s>'] } },
      },
      decoder: null,
      model: { type: 'WordLevel', vocab: Object.fromEntries(this.vocab.map((w, i) => [w, i])), unk_token: '<unk>' },
      ...(this.lowercase || this.unknownShapes
        ? { hyperloader: { ...(this.lowercase ? { lowercase_fallback: true } : {}), ...(this.unknownShapes ? { unknown_shapes: true } : {}) } }
        : {}),
    };
  }

  async save(path: string): Promise<void> {
    await writeFile(path, JSON.stringify(this.toJson(), null, 1) + '\n');
  }
}

function layoutProblem(vocab: readonly string[]): string | undefined {
  const n = vocab.length;
  if (n < HEAD.length + SENTINEL_COUNT) return `it has ${n} entries, fewer than the ${HEAD.length + SENTINEL_COUNT} special tokens`;
  for (let i = 0; i < n; i++) if (typeof vocab[i] !== 'string') return `id ${i} has no token`;
  for (let i = 0; i < HEAD.length; i++) if (vocab[i] !== HEAD[i]) return `id ${i} must be ${HEAD[i]}, found ${JSON.stringify(vocab[i])}`;
  for (let k = 0; k < SENTINEL_COUNT; k++) {
    if (vocab[n - 1 - k] !== sentinelToken(k)) return `id ${n - 1 - k} must be ${sentinelToken(k)}, found ${JSON.stringify(vocab[n - 1 - k])}`;
  }
  if (new Set(vocab).size !== n) return 'a token appears twice';
  return undefined;
}
