/**
 * Users' own column files, whatever shape they come in: one token per line with its tag, a blank
 * line between sentences, and
 *  - the layout: `conll` (whitespace-separated columns, token first, tag last), `tsv`
 *    (token<TAB>tag, tab-separated), `mit` (tag first), or `auto`: tab-separated when every token
 *    line holds a tab (else whitespace), tag first when every first column looks like a tag and
 *    the last does not (else token first, tag last);
 *  - CRLF line endings and a UTF-8 byte-order mark (both accepted and reported);
 *  - `-DOCSTART-` document lines (skipped, counted);
 *  - the tagging scheme (IOB1, IOB2, BIOES, or detected: scheme.ts), converted to IOB2 with every
 *    repaired tag reported.
 * Everything that cannot be read is an error naming the file and line.
 */
import type { ColumnLayout, Sentence, TagScheme } from '../types.js';
import { dataError, decodeText, splitLines, type FileInput } from './text.js';
import { detectScheme, isSchemeTag, toIob2, type ConcreteScheme, type Repair, type SchemeDetection, type TaggedLines } from './scheme.js';

/** What the file turned out to be. */
export interface ColumnLayoutReport {
  order: 'token-first' | 'tag-first';
  separator: 'tab' | 'whitespace';
  columns: number;
  bom: boolean;
  crlf: boolean;
  docstart: number;
  /** Whether order/separator were detected (auto) or given. */
  detected: boolean;
}

/** A parsed file before scheme conversion: raw tags with their lines. */
export interface ParsedColumns {
  file: string;
  layout: ColumnLayoutReport;
  sentences: (TaggedLines & { tokens: string[] })[];
}

export interface ColumnOptions {
  layout?: ColumnLayout;
  /** Column of the token / tag for `conll` and `tsv` (0-based, negative from the end; default 0 / -1). */
  token_column?: number;
  tag_column?: number;
  /**
   * Per-token tags (metric: accuracy): any whitespace-free string is a tag, so `auto` takes the
   * column with fewer distinct values as the tags (a tag set is small, a vocabulary is not).
   */
  tagsAsIs?: boolean;
}

interface Row {
  line: number;
  fields: string[];
}

const BOM = 0xfeff;

function hasBom(input: FileInput): boolean {
  return typeof input === 'string' ? input.charCodeAt(0) === BOM : input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf;
}

/** Splits the file into rows (null = sentence break) with the chosen separator. */
function rowsOf(lines: readonly string[], separator: 'tab' | 'whitespace', file: string): { rows: (Row | null)[]; docstart: number } {
  const rows: (Row | null)[] = [];
  let docstart = 0;
  lines.forEach((l, i) => {
    if (l.trim() === '') {
      rows.push(null);
      return;
    }
    const fields = separator === 'tab' ? l.replace(/\s+$/, '').split('\t').map((f) => f.trim()) : l.trim().split(/\s+/);
    if (fields[0] === '-DOCSTART-' || fields[1] === '-DOCSTART-') {
      docstart++;
      rows.push(null);
      return;
    }
    const empty = fields.findIndex((f) => f === '');
    if (empty >= 0) throw dataError(file, i + 1, `column ${empty + 1} is empty (${JSON.stringify(l)})`, 'write one token and its tag per line, separated by one TAB, with nothing empty between them');
    rows.push({ line: i + 1, fields });
  });
  return { rows, docstart };
}

/** Token and tag column indices, detected for `auto`. */
function columnsOf(rows: readonly (Row | null)[], columns: number, options: ColumnOptions, file: string): { order: 'token-first' | 'tag-first'; token: number; tag: number } {
  const at = (c: number | undefined, dflt: number) => {
    const v = c ?? dflt;
    return v < 0 ? columns + v : v;
  };
  const layout = options.layout ?? 'auto';
  if (layout === 'mit') return { order: 'tag-first', token: columns - 1, tag: 0 };
  if (layout !== 'auto') return { order: 'token-first', token: at(options.token_column, 0), tag: at(options.tag_column, -1) };
  if (options.tagsAsIs) {
    const distinct = (c: number) => new Set(rows.map((r) => r?.fields[c]).filter((v) => v !== undefined)).size;
    return distinct(0) < distinct(columns - 1) ? { order: 'tag-first', token: columns - 1, tag: 0 } : { order: 'token-first', token: 0, tag: columns - 1 };
  }
  let firstBad: Row | undefined;
  let lastBad: Row | undefined;
  let nFirst = 0;
  let nLast = 0;
  for (const r of rows) {
    if (r === null) continue;
    if (!isSchemeTag(r.fields[0]!)) {
      nFirst++;
      firstBad ??= r;
    }
    if (!isSchemeTag(r.fields[columns - 1]!)) {
      nLast++;
      lastBad ??= r;
    }
  }
  if (nLast === 0) return { order: 'token-first', token: 0, tag: columns - 1 };
  if (nFirst === 0) return { order: 'tag-first', token: columns - 1, tag: 0 };
  // Neither column is all tags: report the first bad tag in the column most rows agree with.
  const [bad, column] = nLast <= nFirst ? [lastBad!, columns - 1] : [firstBad!, 0];
  throw dataError(
    file,
    bad.line,
    `neither the first nor the last column holds only tags; ${JSON.stringify(bad.fields[column])} in column ${column + 1} is not O, B-<type>, I-<type>, E-<type> or S-<type>`,
    'fix that tag (tags are O or a prefix B-/I-/E-/S- and a type), or give --format and check the columns',
  );
}

/** Reads a column file's tokens and raw tags (no scheme conversion yet). */
export function parseColumns(input: FileInput, file: string, options: ColumnOptions = {}): ParsedColumns {
  const bom = hasBom(input);
  const text = decodeText(input, file);
  const crlf = text.includes('\r\n');
  const lines = splitLines(text);
  const layout = options.layout ?? 'auto';
  const tokenLines = lines.filter((l) => l.trim() !== '');
  const separator = layout === 'tsv' || ((layout === 'auto' || layout === 'mit') && tokenLines.length > 0 && tokenLines.every((l) => l.includes('\t'))) ? 'tab' : 'whitespace';
  const { rows, docstart } = rowsOf(lines, separator, file);
  const first = rows.find((r): r is Row => r !== null);
  if (!first) throw dataError(file, undefined, 'no token lines (the file is empty, or holds only blank and -DOCSTART- lines)', 'check the path');
  const columns = first.fields.length;
  for (const r of rows) {
    if (r && r.fields.length !== columns) {
      throw dataError(file, r.line, `expected ${columns} column(s) like line ${first.line}, found ${r.fields.length}`, separator === 'tab' ? 'every token line needs the same TAB-separated columns; a sentence break must be an empty line' : 'every token line needs the same columns (a token may not contain spaces); a sentence break must be an empty line');
    }
  }
  if (columns < 2) throw dataError(file, first.line, 'only one column; expected a token and a tag', 'write `token<TAB>tag` per line (or tag first)');
  const { order, token, tag } = columnsOf(rows, columns, options, file);
  if (token < 0 || token >= columns || tag < 0 || tag >= columns || token === tag) {
    throw dataError(file, first.line, `this line has ${columns} column(s), so token column ${options.token_column ?? 0} and tag column ${options.tag_column ?? -1} do not both exist`, 'set token_column and tag_column (0-based, -1 = last) to columns the file has');
  }
  const sentences: ParsedColumns['sentences'] = [];
  let cur = { tokens: [] as string[], tags: [] as string[], lines: [] as number[] };
  for (const r of rows) {
    if (r === null) {
      if (cur.tokens.length > 0) sentences.push(cur);
      cur = { tokens: [], tags: [], lines: [] };
      continue;
    }
    const tok = r.fields[token]!;
    if (/\s/.test(tok)) throw dataError(file, r.line, `token ${JSON.stringify(tok)} contains whitespace`, 'a token is one word: replace the space inside it (e.g. with _) or split it into two lines');
    cur.tokens.push(tok);
    cur.tags.push(r.fields[tag]!);
    cur.lines.push(r.line);
  }
  if (cur.tokens.length > 0) sentences.push(cur);
  return { file, layout: { order, separator, columns, bom, crlf, docstart, detected: layout === 'auto' }, sentences };
}

export interface ConvertedColumns {
  sentences: Sentence[];
  repairs: Repair[];
}

/** The parsed sentences in IOB2 under `scheme`. */
export function convertColumns(parsed: ParsedColumns, scheme: ConcreteScheme): ConvertedColumns {
  const repairs: Repair[] = [];
  const sentences = parsed.sentences.map((s) => {
    const r = toIob2(s, scheme, parsed.file);
    repairs.push(...r.repairs);
    return { tokens: s.tokens, tags: r.tags };
  });
  return { sentences, repairs };
}

/** The scheme to convert from: the given one, or detected from these files' tags. */
export function resolveScheme(scheme: TagScheme | undefined, parsed: readonly ParsedColumns[]): SchemeDetection {
  if (scheme !== undefined && scheme !== 'auto') return { scheme, reason: 'given' };
  return detectScheme(parsed.flatMap((p) => p.sentences.map((s) => s.tags)));
}

/**
 * One file, read and converted (the config's `custom` files with format auto/tsv or scheme
 * auto/BIOES); with `tags: 'as-is'` (per-token tags) the tags are returned as written.
 */
export function readColumns(input: FileInput, file: string, options: ColumnOptions & { scheme?: TagScheme; tags?: 'iob' | 'as-is' } = {}): Sentence[] {
  const parsed = parseColumns(input, file, { ...options, tagsAsIs: options.tagsAsIs ?? options.tags === 'as-is' });
  if (options.tags === 'as-is') return parsed.sentences.map((s) => ({ tokens: s.tokens, tags: s.tags }));
  return convertColumns(parsed, resolveScheme(options.scheme, [parsed]).scheme).sentences;
}

/** The layout in words: `tag first, space-separated, CRLF, byte-order mark, 2 -DOCSTART- lines skipped`. */
export function describeLayout(l: ColumnLayoutReport): string {
  const parts = [
    l.order === 'tag-first' ? 'tag first' : 'token first',
    l.separator === 'tab' ? 'tab-separated' : 'space-separated',
    `${l.columns} columns`,
    l.crlf ? 'CRLF line endings' : 'LF line endings',
  ];
  if (l.bom) parts.push('UTF-8 byte-order mark');
  if (l.docstart > 0) parts.push(`${l.docstart} -DOCSTART- line(s) skipped`);
  return parts.join(', ');
}
