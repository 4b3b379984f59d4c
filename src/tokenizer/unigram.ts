/**
 * The unigram language-model segmenter, written to make the same choices as sentencepiece
 * (`unigram::Model::EncodeOptimized`, the encoder of sentencepiece ≥ 0.1.9x, which the T5
 * reference ids come from).
 *
 * Why not `@huggingface/tokenizers`' Unigram (0.2.0): it gets 352 of the 354 reference lines.
 * The two misses are runs of one letter, e.g. `Blerghhhhh`, where sentencepiece gives
 * `g h hhh h` and the library `g h h hhh`. Both are the same multiset of pieces, so the scores
 * tie exactly in real arithmetic; the winner is decided by rounding. sentencepiece
 *   1. runs ONE Viterbi pass over the whole normalized sentence (the library runs one per
 *      whitespace-separated word, each starting from 0), so the running score at the word is
 *      the whole prefix's score, e.g. about −110, not 0;
 *   2. stores each position's best path score as a 32-bit float, while the candidate
 *      `piece score + best score so far` is computed in double (the piece score goes through a
 *      ternary with a double literal) and compared against the float-rounded stored best;
 *   3. replaces the stored best only on a strictly greater candidate, and visits candidates
 *      in order of start position, so on a true tie the earliest start (longest last piece) wins.
 * With float32 rounding at a large running score, `…+h+hhh` and `…+hhh+h` round differently and
 * the float32 order picks `h hhh h`. In float64 per word the scores tie and rule 3 picks
 * `h h hhh`. Reproducing 1–3 exactly gives 354/354 (float64 over the whole sentence still
 * misses both; the older lattice Viterbi with float32 sums misses one). Against a WebAssembly
 * build of sentencepiece (test/tokenizer/sentencepiece-oracle.test.ts) this agrees on 284,579
 * dataset lines and 83,486 fuzzed strings; storing the best score in float64 instead gives
 * 1,803 fuzz mismatches, and rounding the candidate to float32 before comparing gives 1,443.
 *
 * Unknown characters (no single-character piece) get `min score − 10` as sentencepiece does,
 * and consecutive unknowns are fused into one `<unk>` id (sentencepiece merges unknown runs).
 */
export interface UnigramPiece {
  /** The piece as text, with `▁` for spaces. */
  piece: string;
  /** Log probability, as stored (a float32 value in sentencepiece). */
  score: number;
  /** Whether the segmenter may emit it (false for control/special tokens). */
  segmentable: boolean;
}

const UNK_PENALTY = 10;

export class UnigramSegmenter {
  /** Piece scores rounded to float32, exactly as sentencepiece holds them. */
  private readonly scores: Float32Array;
  /** Byte trie over the segmentable pieces: child of (node, byte) → node. */
  private readonly children = new Map<number, number>();
  /** The piece id that ends at each trie node, or −1. */
  private readonly pieceAt: Int32Array;
  private readonly unkScore: number;
  private readonly unkId: number;

  constructor(pieces: readonly UnigramPiece[], unkId: number) {
    this.unkId = unkId;
    this.scores = Float32Array.from(pieces, (p) => p.score);
    const encoder = new TextEncoder();
    const pieceAt: number[] = [-1];
    let minScore = Infinity;
    pieces.forEach((p, id) => {
      if (!p.segmentable || id === unkId) return;
      minScore = Math.min(minScore, this.scores[id]!);
      let node = 0;
      for (const byte of encoder.encode(p.piece)) {
        const key = node * 256 + byte;
        let next = this.children.get(key);
        if (next === undefined) {
          next = pieceAt.length;
          pieceAt.push(-1);
          this.children.set(key, next);
        }
        node = next;
      }
      pieceAt[node] = id;
    });
    this.pieceAt = Int32Array.from(pieceAt);
    // float arithmetic in sentencepiece: `const float unk_score = min_score() - kUnkPenalty;`
    this.unkScore = Math.fround(minScore - UNK_PENALTY);
  }

  /** Segments normalized UTF-8 bytes (spaces already `▁`) into piece ids. */
  segment(text: Uint8Array): number[] {
    const size = text.length;
    if (size === 0) return [];
    // Best path ending at each byte position: its score (float32, see above), start and id.
    const best = new Float32Array(size + 1);
    const startsAt = new Int32Array(size + 1).fill(-1);
    const ids = new Int32Array(size + 1);
    const { children, pieceAt, scores } = this;

    let start = 0;
    while (start < size) {
      const tillHere = best[start]!; // a float32 value, read as a double
      const charLen = Math.min(utf8CharLength(text[start]!), size - start);
      let hasSingleCharPiece = false;
      let node = 0;
      for (let end = start + 1; end <= size; end++) {
        const next = children.get(node * 256 + text[end - 1]!);
        if (next === undefined) break;
        node = next;
        const id = pieceAt[node]!;
        if (id < 0) continue;
        const candidate = scores[id]! + tillHere; // double arithmetic, compared unrounded
        if (startsAt[end] === -1 || candidate > best[end]!) {
          best[end] = candidate; // rounds to float32 on store
          startsAt[end] = start;
          ids[end] = id;
        }
        if (end - start === charLen) hasSingleCharPiece = true;
      }
      if (!hasSingleCharPiece) {
        const end = start + charLen;
        const candidate = Math.fround(this.unkScore + tillHere); // float + float in sentencepiece
        if (startsAt[end] === -1 || candidate > best[end]!) {
          best[end] = candidate;
          startsAt[end] = start;
          ids[end] = this.unkId;
        }
      }
      start += charLen;
    }

    const out: number[] = [];
    for (let end = size; end > 0; end = startsAt[end]!) out.push(ids[end]!);
    out.reverse();
    // Fuse runs of unknowns into one `<unk>`, as sentencepiece's Encode does.
    return out.filter((id, i) => !(id === this.unkId && i > 0 && out[i - 1] === this.unkId));
  }
}

/** sentencepiece's OneCharLen: the UTF-8 length announced by a lead byte (1 for stray bytes). */
function utf8CharLength(lead: number): number {
  return lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}
