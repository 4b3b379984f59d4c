/** The readers, one per source format; each takes a file's bytes (or text) and name and returns IOB2 sentences. */
import type { DatasetFormat, ReaderOptions, Sentence } from '../types.js';
import { readConll } from './conll.js';
import { readMit } from './mit.js';
import { readMtod } from './mtod.js';
import { readMtop } from './mtop.js';
import type { FileInput } from './text.js';

export { readConll } from './conll.js';
export { readMit } from './mit.js';
export { readSeqio, type SeqioFiles, type NamedInput } from './seqio.js';
export { readMtod } from './mtod.js';
export { readMtop } from './mtop.js';
export { decodeText, iob1ToIob2, isTag, type FileInput } from './text.js';

/** Reads one file of a single-file format (every format but seqio, whose split is a folder). */
export function readSentences(format: Exclude<DatasetFormat, 'seqio'>, input: FileInput, file: string, options: ReaderOptions = {}): Sentence[] {
  switch (format) {
    case 'conll':
      return readConll(input, file, options);
    case 'mit':
      return readMit(input, file);
    case 'mtod':
      return readMtod(input, file, options);
    case 'mtop':
      return readMtop(input, file, options);
  }
}
