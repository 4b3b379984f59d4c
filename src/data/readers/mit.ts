/**
 * MIT Movie / Movie Trivia / Restaurant `.bio` files: one `TAG<TAB>word` line per token, a blank
 * line between sentences. Copies in the wild also come token first (`word<TAB>TAG`) or space
 * separated, and some are CRLF, so the reader strips `\r`, splits on the first TAB (else on
 * whitespace), and detects the column order per file: tag first when every first column is a tag.
 */
import type { Sentence } from '../types.js';
import { badTagError, dataError, decodeText, fields, isTag, splitLines, type FileInput } from './text.js';

interface Row {
  line: number;
  a: string;
  b: string;
}

export function readMit(input: FileInput, file: string): Sentence[] {
  const lines = splitLines(decodeText(input, file));
  // First pass: split rows, remember sentence breaks (null).
  const rows: (Row | null)[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.trim() === '') {
      rows.push(null);
      continue;
    }
    const tab = l.indexOf('\t');
    let a: string;
    let b: string;
    if (tab >= 0) {
      a = l.slice(0, tab).trim();
      b = l.slice(tab + 1).trim();
    } else {
      const f = fields(l);
      if (f.length !== 2) {
        throw dataError(file, i + 1, `expected two columns (a tag and a word), found ${f.length}`, 'write one `TAG<TAB>word` per line and an empty line between sentences');
      }
      [a, b] = f;
    }
    if (a === '' || b === '' || /\s/.test(a) || /\s/.test(b)) {
      throw dataError(file, i + 1, `expected a tag and a word separated by one TAB, found ${JSON.stringify(l)}`, 'a word may not contain spaces or tabs; write one `TAG<TAB>word` per line');
    }
    rows.push({ line: i + 1, a, b });
  }
  const tagFirst = orderOf(rows, file);
  const sentences: Sentence[] = [];
  let tokens: string[] = [];
  let tags: string[] = [];
  for (const r of rows) {
    if (r === null) {
      if (tokens.length > 0) sentences.push({ tokens, tags });
      tokens = [];
      tags = [];
      continue;
    }
    tokens.push(tagFirst ? r.b : r.a);
    tags.push(tagFirst ? r.a : r.b);
  }
  if (tokens.length > 0) sentences.push({ tokens, tags });
  return sentences;
}

/** True for tag-first files. A file where both orders fail is an error at the first bad row. */
function orderOf(rows: (Row | null)[], file: string): boolean {
  let firstBadA: Row | undefined;
  let firstBadB: Row | undefined;
  let badA = 0;
  let badB = 0;
  for (const r of rows) {
    if (r === null) continue;
    if (!isTag(r.a)) {
      badA++;
      firstBadA ??= r;
    }
    if (!isTag(r.b)) {
      badB++;
      firstBadB ??= r;
    }
  }
  if (badA === 0) return true; // the official layout wins a tie
  if (badB === 0) return false;
  // Neither order holds everywhere: report the bad tag under the order most rows agree with.
  const bad = badA <= badB ? firstBadA! : firstBadB!;
  throw badTagError(file, bad.line, badA <= badB ? bad.a : bad.b);
}
