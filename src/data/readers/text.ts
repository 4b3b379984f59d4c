/**
 * What every reader shares: strict UTF-8 decoding, line splitting that forgives CRLF, tag checks,
 * IOB1 → IOB2, and errors that name the file and line so a user can fix the data.
 */
import { HyperloaderError } from '../../errors.js';

/** A file's content as read from disk (bytes) or already decoded (string). */
export type FileInput = string | Uint8Array;

/** One tag of a simplified-BIO-capable IOB2 scheme: `O`, `B-<type>`, `I-<type>` (type without whitespace). */
export const TAG_PATTERN = /^(?:O|[BI]-\S+)$/;

export function isTag(s: string): boolean {
  return TAG_PATTERN.test(s);
}

/** A data error at `file:line` (line 1-based; omitted when the problem is the whole file). */
export function dataError(file: string, line: number | undefined, problem: string, fix?: string): HyperloaderError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new HyperloaderError(`${where}: ${problem}${fix ? `; ${fix}` : ''}`);
}

export function badTagError(file: string, line: number, tag: string): HyperloaderError {
  return dataError(
    file,
    line,
    `bad tag ${JSON.stringify(tag)} (expected O, B-<type> or I-<type>)`,
    'fix the tag, or check that the tag and token columns are the right way round',
  );
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes bytes as UTF-8, refusing invalid sequences (a file in Latin-1 or a truncated download
 * must not turn into silent U+FFFD tokens). A leading byte-order mark is dropped.
 */
export function decodeText(input: FileInput, file: string): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  try {
    return strictUtf8.decode(input);
  } catch {
    const at = firstInvalidUtf8(input);
    let line = 1;
    for (let i = 0; i < at; i++) if (input[i] === 0x0a) line++;
    throw dataError(file, line, `not valid UTF-8 (bad byte 0x${input[at]?.toString(16).padStart(2, '0') ?? '??'} at byte offset ${at})`, 're-save the file as UTF-8, or download it again if it is a registry file');
  }
}

/** Offset of the first byte that breaks UTF-8 (only called once the decoder has refused the input). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let need: number;
    let min: number;
    if (c < 0x80) { i++; continue; }
    else if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; }
    else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return Math.max(0, b.length - 1);
}

/** Lines of a text, with a trailing `\r` removed from each (some MIT files are CRLF). */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** Lines of a one-record-per-line file: like splitLines, without the empty piece after a final newline. */
export function recordLines(text: string): string[] {
  const lines = splitLines(text);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Whitespace-separated fields of a line (any Unicode whitespace, as Python's str.split()). */
export function fields(line: string): string[] {
  const t = line.trim();
  return t === '' ? [] : t.split(/\s+/);
}

/**
 * IOB1 (CoNLL-2003's raw scheme: an entity starts with I-, and B- only separates two adjacent
 * entities of one type) → IOB2 (every entity starts with B-). An I-X opens an entity when the
 * previous tag is O or of another type.
 */
export function iob1ToIob2(tags: readonly string[]): string[] {
  const out = tags.slice();
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i];
    if (!t.startsWith('I-')) continue;
    const prev = i === 0 ? 'O' : tags[i - 1];
    if (prev === 'O' || prev.slice(2) !== t.slice(2)) out[i] = `B-${t.slice(2)}`;
  }
  return out;
}
