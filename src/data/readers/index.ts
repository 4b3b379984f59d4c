/** The readers, one per source format; each takes a file's bytes (or text) and name and returns IOB2 sentences. */
import type { DatasetFormat, ReaderOptions, Sentence } from '../types.js';
import { readColumns } from './columns.js';
import { readConll } from './conll.js';
import { readMit } from './mit.js';
import { readMtod } from './mtod.js';
import { readMtop } from './mtop.js';
import { dataError, type FileInput } from './text.js';

export { readConll } from './conll.js';
export { readMit } from './mit.js';
export { readSeqio, type SeqioFiles, type NamedInput } from './seqio.js';
export { readMtod } from './mtod.js';
export { readMtop } from './mtop.js';
export { decodeText, iob1ToIob2, isTag, type FileInput } from './text.js';
export { readColumns, parseColumns, convertColumns, resolveScheme, describeLayout, type ParsedColumns, type ColumnLayoutReport } from './columns.js';
export { detectScheme, toIob2, type Repair } from './scheme.js';

/**
 * Reads one file of a single-file format (every format but seqio, whose split is a folder). Users'
 * layouts (tsv, auto) and schemes beyond IOB1/IOB2 (auto, BIOES) go through readers/columns.ts.
 */
export function readSentences(format: Exclude<DatasetFormat, 'seqio'>, input: FileInput, file: string, options: ReaderOptions = {}): Sentence[] {
  const plainScheme = options.scheme === undefined || options.scheme === 'IOB1' || options.scheme === 'IOB2';
  if (options.tags === 'as-is') {
    // Per-token tags (metric: accuracy): read as written, no IOB checks, no scheme conversion.
    if (format === 'mtod' || format === 'mtop') {
      throw dataError(file, undefined, `metric: accuracy needs per-token tags, but ${format} files annotate spans`, 'use metric: f1 for this task');
    }
    return format === 'conll' ? readConll(input, file, options) : readColumns(input, file, { ...options, layout: format });
  }
  switch (format) {
    case 'tsv':
    case 'auto':
      return readColumns(input, file, { ...options, layout: format });
    case 'conll':
      return plainScheme ? readConll(input, file, options) : readColumns(input, file, { ...options, layout: 'conll' });
    case 'mit':
      return plainScheme && options.scheme !== 'IOB1' ? readMit(input, file) : readColumns(input, file, { scheme: options.scheme, layout: 'mit' });
    case 'mtod':
      return readMtod(input, file, options);
    case 'mtop':
      return readMtop(input, file, options);
  }
}
