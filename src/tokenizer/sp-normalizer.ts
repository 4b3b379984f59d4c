/**
 * SentencePiece's text normalizer (normalizer.cc), driven by the precompiled charsmap that
 * tokenizer.json carries for T5 (`nmt_nfkc`), with SentencePiece's default options:
 * add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces.
 *
 * Why not `@huggingface/tokenizers`' Precompiled normalizer: in 0.2.0 it ignores the charsmap
 * and approximates it with JavaScript's `String.prototype.normalize('NFKC')` plus two
 * hand-written character lists. The charsmap is the rule table SentencePiece itself applies
 * (longest byte-prefix match, then the replacement string), so reading it is the only way to
 * agree with sentencepiece on every input, including characters where the Unicode version of
 * the JS engine's NFKC and the table differ.
 *
 * Works on UTF-8 bytes, as SentencePiece does; the output is the normalized byte string in
 * which spaces are `▁` (U+2581), with one leading `▁` (the dummy prefix) and no leading,
 * trailing or repeated spaces.
 */
import { DoubleArrayTrie } from './double-array.js';

const SPACE = 0x20;
/** U+2581 LOWER ONE EIGHTH BLOCK in UTF-8: SentencePiece's visible space. */
const META_SPACE = [0xe2, 0x96, 0x81] as const;
/** U+FFFD in UTF-8, what SentencePiece emits (per byte) for malformed UTF-8. */
const REPLACEMENT = Uint8Array.of(0xef, 0xbf, 0xbd);

export class SentencePieceNormalizer {
  private readonly trie: DoubleArrayTrie | null;
  /** Replacement strings, null-terminated, addressed by the trie's values. */
  private readonly replacements: Uint8Array;
  private readonly replacementCache = new Map<number, Uint8Array>();

  /**
   * @param charsmap the decoded `precompiled_charsmap`: a little-endian uint32 trie size,
   *   the double-array trie, then the replacement strings. An empty charsmap means
   *   "identity" (SentencePiece's `identity` normalizer still handles whitespace).
   */
  constructor(charsmap: Uint8Array) {
    if (charsmap.length === 0) {
      this.trie = null;
      this.replacements = new Uint8Array(0);
      return;
    }
    if (charsmap.length <= 4) throw new Error('precompiled charsmap is too short');
    const view = new DataView(charsmap.buffer, charsmap.byteOffset, charsmap.byteLength);
    const trieSize = view.getUint32(0, true);
    if (trieSize >= charsmap.length || trieSize % 4 !== 0) {
      throw new Error(`precompiled charsmap: trie size ${trieSize} does not fit the ${charsmap.length}-byte blob`);
    }
    const units = new Uint32Array(trieSize / 4);
    for (let i = 0; i < units.length; i++) units[i] = view.getUint32(4 + 4 * i, true);
    this.trie = new DoubleArrayTrie(units);
    this.replacements = charsmap.subarray(4 + trieSize);
  }

  /** Normalizes UTF-8 `input`; returns the normalized UTF-8 bytes (empty for blank input). */
  normalize(input: Uint8Array): Uint8Array {
    const end = input.length;
    let pos = 0;
    // Leading whitespace is dropped: skip every prefix whose normalized form is exactly " ".
    while (pos < end) {
      const [rep, consumed] = this.normalizePrefix(input, pos, end);
      if (!(rep.length === 1 && rep[0] === SPACE)) break;
      pos += consumed;
    }
    if (pos === end) return new Uint8Array(0);

    const out = new ByteBuffer(3 * (end - pos) + 3);
    out.push3(META_SPACE); // the dummy prefix
    let prevIsSpace = true;
    while (pos < end) {
      const [rep, consumed] = this.normalizePrefix(input, pos, end);
      let i = 0;
      // After a space, spaces at the start of this piece are dropped (collapses runs).
      if (prevIsSpace) while (i < rep.length && rep[i] === SPACE) i++;
      if (i < rep.length) {
        for (; i < rep.length; i++) {
          if (rep[i] === SPACE) out.push3(META_SPACE);
          else out.push(rep[i]!);
        }
        prevIsSpace = rep[rep.length - 1] === SPACE;
      }
      pos += consumed;
    }
    // Trailing `▁`s are dropped (this includes a literal U+2581 in the input, as in sentencepiece).
    const b = out.bytes;
    let n = out.length;
    while (n >= 3 && b[n - 3] === META_SPACE[0] && b[n - 2] === META_SPACE[1] && b[n - 1] === META_SPACE[2]) n -= 3;
    return b.subarray(0, n);
  }

  /**
   * The normalized form of the longest rule matching at `pos`, and how many input bytes it
   * consumed; without a rule, the next UTF-8 character unchanged (one byte → U+FFFD if malformed).
   */
  private normalizePrefix(input: Uint8Array, pos: number, end: number): [Uint8Array, number] {
    if (this.trie !== null) {
      const m = this.trie.longestPrefix(input, pos, end);
      if (m.length > 0) return [this.replacement(m.value), m.length];
    }
    const len = validUtf8Length(input, pos, end);
    if (len === 0) return [REPLACEMENT, 1];
    return [input.subarray(pos, pos + len), len];
  }

  private replacement(offset: number): Uint8Array {
    let r = this.replacementCache.get(offset);
    if (r === undefined) {
      let stop = offset;
      while (stop < this.replacements.length && this.replacements[stop] !== 0) stop++;
      r = this.replacements.subarray(offset, stop);
      this.replacementCache.set(offset, r);
    }
    return r;
  }
}

/** Byte length of the well-formed UTF-8 character at `pos`, or 0 when it is malformed. */
function validUtf8Length(b: Uint8Array, pos: number, end: number): number {
  const c = b[pos]!;
  if (c < 0x80) return 1;
  let len: number;
  let min: number;
  if ((c & 0xe0) === 0xc0) [len, min] = [2, 0x80];
  else if ((c & 0xf0) === 0xe0) [len, min] = [3, 0x800];
  else if ((c & 0xf8) === 0xf0) [len, min] = [4, 0x10000];
  else return 0;
  if (pos + len > end) return 0;
  let cp = c & (0xff >> (len + 1));
  for (let k = 1; k < len; k++) {
    const t = b[pos + k]!;
    if ((t & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (t & 0x3f);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are malformed.
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

/** A byte array that grows on demand (replacement strings can be longer than their input). */
class ByteBuffer {
  bytes: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }
  push(b: number): void {
    if (this.length === this.bytes.length) this.grow();
    this.bytes[this.length++] = b;
  }
  push3(b: readonly [number, number, number]): void {
    if (this.length + 3 > this.bytes.length) this.grow();
    this.bytes[this.length++] = b[0];
    this.bytes[this.length++] = b[1];
    this.bytes[this.length++] = b[2];
  }
  private grow(): void {
    const next = new Uint8Array(this.bytes.length * 2);
    next.set(this.bytes);
    this.bytes = next;
  }
}
