/**
 * The T5 tokenizer: SentencePiece unigram over the `nmt_nfkc` normalizer, read from a Hugging
 * Face `tokenizer.json`, with `<pad>`=0, `</s>`=1, `<unk>`=2 and the sentinels `<extra_id_n>`
 * (= 32099 − n for T5) as single ids, and `</s>` appended.
 *
 * It reproduces sentencepiece (the reference the T5 ids come from) exactly; see unigram.ts for
 * why the segmenter is our own and sp-normalizer.ts for why the normalizer is. Text that
 * contains special-token strings follows HF's slow T5Tokenizer (legacy=True): split on the
 * special tokens, strip the whitespace next to them, encode each remaining piece on its own
 * with sentencepiece (so a piece right after a sentinel gets the `▁` dummy prefix too).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { HyperloaderError } from '../errors.js';
import { SentencePieceNormalizer } from './sp-normalizer.js';
import { UnigramSegmenter, type UnigramPiece } from './unigram.js';
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

/** The vendored stock T5 tokenizer (t5-base vocabulary, shared by t5-small/base/large and v1.1). */
export const DEFAULT_T5_TOKENIZER_PATH = fileURLToPath(new URL('../../../assets/t5-tokenizer/tokenizer.json', import.meta.url));

const META_SPACE = '\u2581';

/** The parts of a tokenizer.json this class reads. */
interface TokenizerJson {
  added_tokens?: { id: number; content: string; special?: boolean }[];
  normalizer?: { type: string; precompiled_charsmap?: string | null; normalizers?: unknown[] } | null;
  model?: { type?: string; unk_id?: number | null; vocab?: [string, number][]; byte_fallback?: boolean };
}

let defaultInstance: Promise<T5Tokenizer> | undefined;

export class T5Tokenizer implements Tokenizer {
  readonly kind = 't5-unigram' as const;
  readonly vocabSize: number;
  readonly padId: number;
  readonly eosId: number;
  readonly unkId: number;
  readonly sentinelCount = SENTINEL_COUNT;

  private readonly pieces: string[];
  private readonly pieceIds: Map<string, number>;
  private readonly specialIds: Set<number>;
  private readonly sentinelIds: number[];
  private readonly sentinelNumberOf = new Map<number, number>();
  private readonly normalizer: SentencePieceNormalizer;
  private readonly segmenter: UnigramSegmenter;
  private readonly split: ReturnType<typeof specialTokenSplitter>;
  private readonly utf8 = new TextEncoder();

  /** Reads a Hugging Face `tokenizer.json` holding a SentencePiece Unigram model. */
  static async fromFile(tokenizerJsonPath: string): Promise<T5Tokenizer> {
    let text: string;
    try {
      text = await readFile(tokenizerJsonPath, 'utf8');
    } catch (e) {
      throw new HyperloaderError(
        `cannot read tokenizer file ${tokenizerJsonPath}: ${(e as Error).message}. Point model.tokenizer (or the path you passed) at a Hugging Face tokenizer.json.`,
        { cause: e },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new HyperloaderError(`${tokenizerJsonPath} is not valid JSON (${(e as Error).message}); it should be a Hugging Face tokenizer.json.`);
    }
    return T5Tokenizer.fromJson(json as TokenizerJson, tokenizerJsonPath);
  }

  /** The vendored stock T5 tokenizer (assets/t5-tokenizer/tokenizer.json), loaded once. */
  static default(): Promise<T5Tokenizer> {
    // A failed load is not cached, so a later call can succeed once the file is there.
    defaultInstance ??= T5Tokenizer.fromFile(DEFAULT_T5_TOKENIZER_PATH).catch((e: unknown) => {
      defaultInstance = undefined;
      throw e;
    });
    return defaultInstance;
  }

  /** Builds from a parsed tokenizer.json; `source` names it in error messages. */
  static fromJson(json: TokenizerJson, source = 'tokenizer.json'): T5Tokenizer {
    const model = json.model;
    if (model?.type !== 'Unigram' || !Array.isArray(model.vocab)) {
      throw new HyperloaderError(
        `${source}: model.type is ${JSON.stringify(model?.type)}, expected "Unigram" with a vocab list (a SentencePiece T5 tokenizer.json).`,
      );
    }
    if (model.byte_fallback) {
      throw new HyperloaderError(`${source}: model.byte_fallback is true; byte-fallback unigram models are not supported (T5 has none).`);
    }
    return new T5Tokenizer(json, model.vocab, model.unk_id ?? 0, readCharsmap(json, source), source);
  }

  private constructor(json: TokenizerJson, vocab: [string, number][], unkId: number, charsmap: Uint8Array, source: string) {
    const added = json.added_tokens ?? [];
    this.pieces = vocab.map(([p]) => p);
    for (const t of added) this.pieces[t.id] = t.content;
    this.vocabSize = this.pieces.length;
    this.pieceIds = new Map(this.pieces.map((p, i) => [p, i]));
    const need = (token: string): number => {
      const id = this.pieceIds.get(token);
      if (id === undefined) throw new HyperloaderError(`${source}: the vocabulary has no ${token} token; this is not a T5 tokenizer.`);
      return id;
    };
    this.padId = need('<pad>');
    this.eosId = need('</s>');
    this.unkId = unkId;
    this.sentinelIds = Array.from({ length: SENTINEL_COUNT }, (_, n) => need(sentinelToken(n)));
    this.sentinelIds.forEach((id, n) => this.sentinelNumberOf.set(id, n));

    // Added tokens (pad/eos/unk and the sentinels) are matched in the raw text, never segmented:
    // sentencepiece keeps control symbols out of its piece trie.
    const addedIds = new Set(added.map((t) => t.id));
    this.specialIds = new Set([...added.filter((t) => t.special !== false).map((t) => t.id), this.padId, this.eosId, this.unkId, ...this.sentinelIds]);
    const pieces: UnigramPiece[] = vocab.map(([piece, score], id) => ({ piece, score, segmentable: !addedIds.has(id) && id !== unkId }));
    this.segmenter = new UnigramSegmenter(pieces, unkId);
    this.normalizer = new SentencePieceNormalizer(charsmap);
    this.split = specialTokenSplitter([...new Set([...added.map((t) => t.content), '<pad>', '</s>', '<unk>'])]);
  }

  encode(text: string, opts?: EncodeOptions): number[] {
    const parts = this.split(text);
    const ids: number[] = [];
    parts.forEach((part, i) => {
      if (part.special) {
        ids.push(this.pieceIds.get(part.text)!);
        return;
      }
      // Legacy HF rule: whitespace next to a special token is stripped (Python str.strip set).
      let piece = part.text;
      if (i > 0 && parts[i - 1]!.special) piece = piece.replace(LEADING_SPACE, '');
      if (i + 1 < parts.length && parts[i + 1]!.special) piece = piece.replace(TRAILING_SPACE, '');
      if (piece.length > 0) for (const id of this.encodePiece(piece)) ids.push(id);
    });
    return finishIds(ids, this.eosId, opts);
  }

  /** sentencepiece's `encode` of plain text: normalize, then segment. No `</s>`. */
  encodePiece(text: string): number[] {
    return this.segmenter.segment(this.normalizer.normalize(this.utf8.encode(text)));
  }

  /**
   * Text runs decode as sentencepiece does (`▁` → space, the dummy-prefix space dropped);
   * kept special tokens are written as separate words.
   */
  decode(ids: readonly number[], opts?: DecodeOptions): string {
    const skip = opts?.skipSpecialTokens ?? false;
    const words: string[] = [];
    let run = '';
    const flush = (): void => {
      if (run === '') return;
      const t = run.replaceAll(META_SPACE, ' ');
      const text = t.startsWith(' ') ? t.slice(1) : t;
      if (text !== '') words.push(text);
      run = '';
    };
    for (const id of ids) {
      // Ids past the tokenizer (the T5 model pads its embedding to 32128 rows) read as <unk>.
      const token = this.pieces[id] ?? this.pieces[this.unkId]!;
      if (this.specialIds.has(id) || this.pieces[id] === undefined) {
        flush();
        if (!skip) words.push(token);
      } else {
        run += token;
      }
    }
    flush();
    return words.join(' ');
  }

  sentinelId(n: number): number {
    checkSentinelNumber(n, SENTINEL_COUNT);
    return this.sentinelIds[n]!;
  }

  sentinelIndex(id: number): number {
    return this.sentinelNumberOf.get(id) ?? -1;
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  idToToken(id: number): string | undefined {
    return this.pieces[id];
  }

  tokenToId(token: string): number | undefined {
    return this.pieceIds.get(token);
  }
}

/** Python's str.isspace() set, which str.strip() removes. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING_SPACE = new RegExp(`^[${PY_SPACE}]+`);
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`);

function readCharsmap(json: TokenizerJson, source: string): Uint8Array {
  const n = json.normalizer;
  if (n == null) return new Uint8Array(0);
  if (n.type === 'Precompiled') return Buffer.from(n.precompiled_charsmap ?? '', 'base64');
  throw new HyperloaderError(
    `${source}: normalizer.type is ${JSON.stringify(n.type)}; only SentencePiece's "Precompiled" charsmap (as in T5's tokenizer.json) is supported.`,
  );
}
