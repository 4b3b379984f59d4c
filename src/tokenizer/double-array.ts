/**
 * A reader for the Darts-clone double-array trie that SentencePiece stores inside its
 * precompiled normalization charsmap (`precompiled_charsmap` in tokenizer.json).
 *
 * Each 32-bit unit packs: the label byte (bits 0–7, plus bit 31 to mark value units),
 * a has-leaf flag (bit 8) and the offset to the children (bits 10–31, shifted left by 8
 * more when bit 9 is set). A leaf's value unit holds a 31-bit value. Keys are byte strings.
 */
export class DoubleArrayTrie {
  private readonly units: Uint32Array;

  constructor(units: Uint32Array) {
    this.units = units;
  }

  /**
   * The longest key that is a prefix of `bytes[start..end)`: its length in bytes and its
   * value, or length 0 when no key matches. SentencePiece's normalizer uses the longest
   * of the common-prefix matches, which is what this returns.
   */
  longestPrefix(bytes: Uint8Array, start: number, end: number): { length: number; value: number } {
    const units = this.units;
    let id = offsetOf(units[0]!);
    let length = 0;
    let value = 0;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      id ^= byte;
      const unit = units[id];
      // A mismatching label (or running off the array) ends the walk: no longer key exists.
      if (unit === undefined || (unit & 0x800000ff) >>> 0 !== byte) break;
      id ^= offsetOf(unit);
      if ((unit >>> 8) & 1) {
        length = i - start + 1;
        value = units[id]! & 0x7fffffff;
      }
    }
    return { length, value };
  }
}

function offsetOf(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}
