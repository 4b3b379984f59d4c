/**
 * Sequence labelling as text-to-text: the Sentinel+Tag format with simplified BIO (SPEC §5).
 *
 *   BIO    O      O     B-fromloc.city_name  I-fromloc.city_name
 *   sBIO   O      O     fromloc.city_name    I
 *   source <extra_id_0> fly <extra_id_1> from <extra_id_2> new <extra_id_3> york <extra_id_4>
 *   target <extra_id_0> O <extra_id_1> O <extra_id_2> fromloc.city_name <extra_id_3> I <extra_id_4>
 *
 * Sentences longer than the sentinels allow: T5 has exactly 100 sentinels, <extra_id_0..99>, and
 * the format needs one before every word plus one after the last, so a sentence keeps at most
 * MAX_SENTINEL_WORDS = 99 words (closing sentinel <extra_id_99>); later words are dropped from
 * the source AND from the gold tags alike, the same way the 128-token truncation drops the tail
 * of both sides (and that limit cuts first in practice: 99 words need ≥ 199 tokens). Reusing
 * sentinels modulo 100 was rejected: a repeated sentinel makes the word ↔ tag alignment ambiguous.
 * Nothing is scored beyond the kept words; `truncateToSentinels` tells how many were dropped.
 */
import { HyperloaderError } from '../errors.js';
import type { Sentence } from './types.js';
import { tagCodec, type TagCodec } from './sentinel-codec.js';

/** T5's sentinel tokens: <extra_id_0> … <extra_id_99>. */
export const SENTINEL_COUNT = 100;
/** Words a sentence can keep: one sentinel before each, one after the last. */
export const MAX_SENTINEL_WORDS = SENTINEL_COUNT - 1;

export function sentinel(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= SENTINEL_COUNT) throw new RangeError(`no T5 sentinel <extra_id_${i}>`);
  return `<extra_id_${i}>`;
}

/** sBIO marker for "inside the entity the previous typed tag opened". */
export const SBIO_INSIDE = 'I';
export const OUTSIDE = 'O';

const BIO_TAG = /^([BI])-(.+)$/s;

/**
 * IOB2 → sBIO: `B-X` → `X`, `I-X` → `I`, `O` → `O`. The entity type is not repeated on `I`,
 * so the decoder spends its tokens on one type name per entity. Types pass through the codec
 * (default: the escaping `tagCodec`), which leaves ordinary names alone and maps names that
 * would not survive the tokenizer, or that read as `I`/`O`, to safe ones (sentinel-codec.ts).
 */
export function bioToSbio(tags: readonly string[], codec: TagCodec = tagCodec): string[] {
  return tags.map((tag, i) => {
    if (tag === OUTSIDE) return OUTSIDE;
    const m = BIO_TAG.exec(tag);
    if (!m) throw new HyperloaderError(`tag ${i + 1} (${JSON.stringify(tag)}) is not IOB2: expected O, B-<type> or I-<type>`);
    return m[1] === 'B' ? codec.encode(m[2]) : SBIO_INSIDE;
  });
}

/**
 * sBIO → IOB2: a typed tag opens `B-X`, the `I`s that follow it become `I-X`, and an `I` with no
 * open entity (at the start, or after `O`) becomes `O` — a model's stray `I` is scored as no entity.
 */
export function sbioToBio(stags: readonly string[], codec: TagCodec = tagCodec): string[] {
  let open: string | null = null;
  return stags.map((s) => {
    if (s === OUTSIDE) {
      open = null;
      return OUTSIDE;
    }
    if (s === SBIO_INSIDE) return open === null ? OUTSIDE : `I-${open}`;
    open = codec.decode(s);
    return `B-${open}`;
  });
}

/**
 * Keeps the first MAX_SENTINEL_WORDS words (and their tags) of a longer sentence; see the header
 * for why. Returns the sentence itself when it fits.
 */
export function truncateToSentinels(sentence: Sentence): { sentence: Sentence; dropped: number } {
  const n = sentence.tokens.length;
  if (n <= MAX_SENTINEL_WORDS) return { sentence, dropped: 0 };
  return {
    sentence: { tokens: sentence.tokens.slice(0, MAX_SENTINEL_WORDS), tags: sentence.tags.slice(0, MAX_SENTINEL_WORDS) },
    dropped: n - MAX_SENTINEL_WORDS,
  };
}

/** `<extra_id_0> x0 <extra_id_1> x1 … <extra_id_n>`, at most MAX_SENTINEL_WORDS items kept. */
function interleave(items: readonly string[]): string {
  const n = Math.min(items.length, MAX_SENTINEL_WORDS);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(sentinel(i), items[i]);
  parts.push(sentinel(n));
  return parts.join(' ');
}

/**
 * The encoder input: a sentinel before every word and one after the last. An empty word is a
 * reader bug and is refused; a word with an odd space inside (e.g. U+00A0 in a user's CoNLL file)
 * is harmless here, since only the target side is split on whitespace.
 */
export function toSource(tokens: readonly string[]): string {
  tokens.forEach((w, i) => {
    if (w.length === 0) throw new HyperloaderError(`word ${i + 1} of the sentence is empty; check the reader's input for doubled separators`);
  });
  return interleave(tokens);
}

/** The decoder target for IOB2 `tags`: the same sentinels with sBIO tags instead of words. */
export function toTarget(tags: readonly string[], codec: TagCodec = tagCodec): string {
  return interleave(bioToSbio(tags.slice(0, MAX_SENTINEL_WORDS), codec));
}

/** Source and target for one sentence, after the sentinel limit. */
export function toSentinelPair(sentence: Sentence, codec: TagCodec = tagCodec): { source: string; target: string } {
  if (sentence.tokens.length !== sentence.tags.length) {
    throw new HyperloaderError(`sentence has ${sentence.tokens.length} words but ${sentence.tags.length} tags`);
  }
  return { source: toSource(sentence.tokens), target: toTarget(sentence.tags, codec) };
}

/**
 * IOB2 tags from decoded decoder output (decoded with special tokens skipped, so the sentinels,
 * padding and </s> are gone): split on whitespace, then sBIO → BIO. Used for predictions and,
 * identically, for the gold side decoded from the (truncated) label ids.
 */
export function fromTargetText(decodedText: string, codec: TagCodec = tagCodec): string[] {
  const stags = decodedText.split(/\s+/).filter((s) => s.length > 0);
  return sbioToBio(stags, codec);
}

/**
 * The prediction aligned to the gold sentence by position: cut to `goldLength`, or padded with
 * `O` (a tag the model did not emit counts as no entity). No realignment by sentinel.
 */
export function alignToGold(pred: readonly string[], goldLength: number): string[] {
  if (pred.length >= goldLength) return pred.slice(0, goldLength);
  return [...pred, ...new Array<string>(goldLength - pred.length).fill(OUTSIDE)];
}
