/** The decoding figures `eval` records per split (results.json `decode`, a line in results.md). */
import type { DecodeTiming } from './report.js';

export function decodeTiming(sentences: number, seconds: number, batchSize: number): DecodeTiming {
  return {
    sentences,
    seconds,
    batch_size: batchSize,
    sentences_per_second: seconds > 0 ? sentences / seconds : 0,
    ms_per_sentence: sentences > 0 ? (1000 * seconds) / sentences : 0,
  };
}
