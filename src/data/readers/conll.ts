/**
 * CoNLL column files (CoNLL-2003, WNUT-17, users' own): one token per line with whitespace-separated
 * columns, a blank (or whitespace-only) line between sentences, `-DOCSTART-` document markers
 * skipped wherever they sit (the shared CoNLL-2003 copy has its first one moved to the end).
 */
import type { ReaderOptions, Sentence } from '../types.js';
import { badTagError, dataError, decodeText, fields, isTag, iob1ToIob2, splitLines, type FileInput } from './text.js';

export function readConll(input: FileInput, file: string, options: ReaderOptions = {}): Sentence[] {
  const tokenColumn = options.token_column ?? 0;
  const tagColumn = options.tag_column ?? -1;
  const scheme = options.scheme ?? 'IOB2';
  const asIs = options.tags === 'as-is';
  const lines = splitLines(decodeText(input, file));
  const sentences: Sentence[] = [];
  let tokens: string[] = [];
  let tags: string[] = [];
  // Every token line of a file has the same number of columns; the first one sets it.
  let columns = 0;
  let columnsLine = 0;
  const flush = () => {
    if (tokens.length === 0) return;
    sentences.push({ tokens, tags: scheme === 'IOB1' && !asIs ? iob1ToIob2(tags) : tags });
    tokens = [];
    tags = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const f = fields(lines[i]);
    if (f.length === 0) {
      flush();
      continue;
    }
    if (f[0] === '-DOCSTART-') {
      flush();
      continue;
    }
    const line = i + 1;
    if (columns === 0) {
      columns = f.length;
      columnsLine = line;
      const tok = tokenColumn < 0 ? columns + tokenColumn : tokenColumn;
      const tag = tagColumn < 0 ? columns + tagColumn : tagColumn;
      if (tok < 0 || tok >= columns || tag < 0 || tag >= columns) {
        throw dataError(
          file,
          line,
          `this line has ${columns} column(s), so token column ${tokenColumn} and tag column ${tagColumn} do not both exist`,
          'set token_column and tag_column (0-based, -1 = last) to columns the file has',
        );
      }
    } else if (f.length !== columns) {
      throw dataError(file, line, `expected ${columns} columns like line ${columnsLine}, found ${f.length}`, 'every token line needs the same columns; a sentence break must be an empty line');
    }
    const token = f[tokenColumn < 0 ? columns + tokenColumn : tokenColumn];
    const tag = f[tagColumn < 0 ? columns + tagColumn : tagColumn];
    if (!asIs && !isTag(tag)) throw badTagError(file, line, tag);
    tokens.push(token);
    tags.push(tag);
  }
  flush();
  return sentences;
}
