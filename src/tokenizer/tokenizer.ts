/**
 * What the rest of hyperloader needs from a tokenizer: text ↔ ids with `</s>` appended, the
 * special ids, and the sentinel ids `<extra_id_n>` that the Sentinel+Tag format is built on.
 * Implemented by the T5 SentencePiece tokenizer and by the small word-level tokenizer.
 */
export interface EncodeOptions {
  /** Append `</s>` (default true). */
  addEos?: boolean;
  /** Truncate to at most this many ids; with `addEos` the last id stays `</s>` (as HF truncation). */
  maxLength?: number;
}

export interface DecodeOptions {
  /** Drop `<pad>`, `</s>`, `<unk>` and the sentinels (HF: every special token). Default false. */
  skipSpecialTokens?: boolean;
}

export interface Tokenizer {
  /** Which implementation; also what `loadTokenizer` read from the file. */
  readonly kind: 't5-unigram' | 'word-level';
  /** Number of ids the tokenizer can emit (T5: 32100; the T5 model pads its embedding to 32128). */
  readonly vocabSize: number;
  readonly padId: number;
  readonly eosId: number;
  readonly unkId: number;
  /** The number of sentinels `<extra_id_0..n-1>` (100 for T5). */
  readonly sentinelCount: number;
  encode(text: string, opts?: EncodeOptions): number[];
  /**
   * Ids → text. Special tokens (when kept) are written as their own words, separated by one
   * space from the text around them, so Sentinel+Tag strings round-trip.
   */
  decode(ids: readonly number[], opts?: DecodeOptions): string;
  /** The id of `<extra_id_n>`. */
  sentinelId(n: number): number;
  /** The sentinel number n of an id that is `<extra_id_n>`, else -1. */
  sentinelIndex(id: number): number;
  /** Whether an id is a special token (pad, eos, unk, sentinel). */
  isSpecial(id: number): boolean;
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
}

/** Shared by both implementations: `</s>` appended, then HF-style truncation that keeps `</s>` last. */
export function finishIds(ids: number[], eosId: number, opts: EncodeOptions | undefined): number[] {
  const addEos = opts?.addEos ?? true;
  const maxLength = opts?.maxLength;
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 1)) {
    throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  }
  if (maxLength !== undefined) {
    const room = addEos ? maxLength - 1 : maxLength;
    if (ids.length > room) ids = ids.slice(0, room);
  }
  if (addEos) ids.push(eosId);
  return ids;
}

/** Splits text on literal special-token strings (longest first), keeping the tokens as parts. */
export function specialTokenSplitter(tokens: readonly string[]): (text: string) => { text: string; special: boolean }[] {
  const sorted = [...tokens].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(`(${sorted.map(escapeRegExp).join('|')})`);
  const set = new Set(tokens);
  return (text) => {
    // Cheap exit for the common case: every special token here starts with '<'.
    if (sorted.every((t) => t.startsWith('<')) && !text.includes('<')) return [{ text, special: false }];
    const parts = text.split(pattern);
    const out: { text: string; special: boolean }[] = [];
    parts.forEach((p, i) => {
      // split() with one capture group alternates text, token, text, …: odd indices are tokens.
      if (i % 2 === 1 && set.has(p)) out.push({ text: p, special: true });
      else if (p.length > 0) out.push({ text: p, special: false });
    });
    return out;
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `<extra_id_n>`: the sentinel spelling shared by T5 and the word-level tokenizer. */
export function sentinelToken(n: number): string {
  return `<extra_id_${n}>`;
}

export function checkSentinelNumber(n: number, count: number): void {
  if (!Number.isInteger(n) || n < 0 || n >= count) {
    throw new RangeError(`sentinel number must be an integer in 0..${count - 1}, got ${n}`);
  }
}
