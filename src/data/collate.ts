/**
 * Collation: tokenised examples → the padded int32 arrays a seq2seq step takes (the fixtures'
 * conventions: pad 0, labels −100 where ignored, decoder input = labels shifted right with the
 * decoder start id 0). Pads to the longest example in the batch, as the paper does.
 */
export interface Example {
  /** Source ids, ending in </s>. */
  source: number[];
  /** Target ids, ending in </s>. */
  target: number[];
}

export interface Batch {
  size: number;
  sourceLength: number;
  targetLength: number;
  /** [size, sourceLength] */
  inputIds: Int32Array;
  attentionMask: Int32Array;
  /** [size, targetLength] */
  decoderInputIds: Int32Array;
  /** [size, targetLength], −100 on padding */
  labels: Int32Array;
  /** Non-ignored label tokens (what a summed loss sums over). */
  targetTokens: number;
}

export const IGNORE_INDEX = -100;

export function collate(examples: readonly Example[], opts: { padId?: number; decoderStartId?: number } = {}): Batch {
  const pad = opts.padId ?? 0;
  const start = opts.decoderStartId ?? 0;
  const size = examples.length;
  const S = Math.max(1, ...examples.map((e) => e.source.length));
  const T = Math.max(1, ...examples.map((e) => e.target.length));
  const inputIds = new Int32Array(size * S).fill(pad);
  const attentionMask = new Int32Array(size * S);
  const decoderInputIds = new Int32Array(size * T).fill(pad);
  const labels = new Int32Array(size * T).fill(IGNORE_INDEX);
  let targetTokens = 0;
  examples.forEach((e, b) => {
    e.source.forEach((id, i) => {
      inputIds[b * S + i] = id;
      attentionMask[b * S + i] = 1;
    });
    decoderInputIds[b * T] = start;
    e.target.forEach((id, i) => {
      labels[b * T + i] = id;
      if (i + 1 < T) decoderInputIds[b * T + i + 1] = id;
    });
    targetTokens += e.target.length;
  });
  return { size, sourceLength: S, targetLength: T, inputIds, attentionMask, decoderInputIds, labels, targetTokens };
}
