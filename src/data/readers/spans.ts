/**
 * mTOD and MTOP annotate slots as CHARACTER spans `start:end:type` (end exclusive) over the raw
 * utterance, not as word tags. This module turns them into word-level BIO: find the word tokens
 * (the file's own tokenSpans, or a whitespace split), then tag every token a span overlaps:
 * B-type on the first, I-type on the rest.
 *
 * Offsets count Unicode code points (the files were written by Python), not UTF-16 units.
 * Overlapping slots (a handful in mTOD test, e.g. `5:00,5:10,` as one token): the earlier slot in
 * the list keeps a shared token; the later one tags only the tokens still free, and vanishes when
 * none are.
 */
import { dataError } from './text.js';

export interface CharSpan {
  start: number;
  end: number;
  type: string;
}

/** A word token: its text and its code-point offsets [start, end) in the utterance. */
export interface WordToken {
  text: string;
  start: number;
  end: number;
}

export type Tokenization = 'spans' | 'whitespace';

interface Where {
  file: string;
  line: number;
}

/** The utterance as code points, so offsets from Python index it correctly even past the BMP. */
export class Utterance {
  private readonly chars: string[] | undefined;
  readonly length: number;
  constructor(readonly text: string) {
    // Only texts with surrogate pairs need the (slower) array form.
    this.chars = /[\ud800-\udfff]/.test(text) ? Array.from(text) : undefined;
    this.length = this.chars ? this.chars.length : text.length;
  }
  slice(start: number, end: number): string {
    return this.chars ? this.chars.slice(start, end).join('') : this.text.slice(start, end);
  }
  charAt(i: number): string {
    return this.chars ? this.chars[i] : this.text[i];
  }
}

/** Parses a slot column: comma-separated `start:end:type`, possibly empty. `prefix` (e.g. `SL:`) is dropped from types. */
export function parseSlotSpans(field: string, utterance: Utterance, where: Where, prefix = ''): CharSpan[] {
  const spans: CharSpan[] = [];
  if (field.trim() === '') return spans;
  for (const item of field.split(',')) {
    const m = /^(\d+):(\d+):(\S+)$/.exec(item.trim());
    if (!m) {
      throw dataError(where.file, where.line, `bad slot ${JSON.stringify(item)} (expected start:end:type with character offsets)`, 'write slots as comma-separated start:end:type');
    }
    const start = Number(m[1]);
    const end = Number(m[2]);
    let type = m[3];
    if (prefix && type.startsWith(prefix)) type = type.slice(prefix.length);
    if (type === '') throw dataError(where.file, where.line, `slot ${JSON.stringify(item)} has an empty type`, `name the slot type after the offsets`);
    if (!(start < end) || end > utterance.length) {
      throw dataError(
        where.file,
        where.line,
        `slot ${JSON.stringify(item)} is off the text (the utterance has ${utterance.length} characters; need start < end <= length)`,
        'fix the character offsets (end exclusive) or the utterance',
      );
    }
    spans.push({ start, end, type });
  }
  return spans;
}

/** Word tokens by a whitespace split of the utterance. */
export function whitespaceTokens(u: Utterance): WordToken[] {
  const out: WordToken[] = [];
  let start = -1;
  for (let i = 0; i <= u.length; i++) {
    const ws = i === u.length || /\s/.test(u.charAt(i));
    if (ws && start >= 0) {
      out.push({ text: u.slice(start, i), start, end: i });
      start = -1;
    } else if (!ws && start < 0) start = i;
  }
  return out;
}

/**
 * Word tokens from the tokens JSON column: `{"tokens":[…],"tokenSpans":[{start,length}…]}` (MTOP)
 * or the same inside `{"tokenizations":[…]}` (mTOD). Each token's text is sliced from the
 * utterance itself (mTOD's `tokens` are lowercased; the slice keeps the case).
 */
export function jsonTokens(json: string, u: Utterance, where: Where): WordToken[] {
  let obj: unknown;
  try {
    obj = JSON.parse(json);
  } catch {
    throw dataError(where.file, where.line, 'the tokens column is not valid JSON', 'fix the JSON, or read the file with tokenization: whitespace');
  }
  let tk: unknown = obj;
  const tz = (obj as { tokenizations?: unknown } | null)?.tokenizations;
  if (Array.isArray(tz) && tz.length > 0) tk = tz[0];
  const spans = (tk as { tokenSpans?: unknown } | null)?.tokenSpans;
  const names = (tk as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(spans) || spans.length === 0) {
    throw dataError(where.file, where.line, 'the tokens column has no tokenSpans list', 'give {"tokens": [...], "tokenSpans": [{"start": s, "length": n}, ...]}');
  }
  if (Array.isArray(names) && names.length !== spans.length) {
    throw dataError(where.file, where.line, `the tokens column lists ${names.length} tokens but ${spans.length} tokenSpans`, 'give one span per token');
  }
  const out: WordToken[] = [];
  let prevEnd = 0;
  for (const s of spans) {
    const start = (s as { start?: unknown } | null)?.start;
    const length = (s as { length?: unknown } | null)?.length;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || (length as number) < 1 || (start as number) < prevEnd || (start as number) + (length as number) > u.length) {
      throw dataError(where.file, where.line, `bad token span ${JSON.stringify(s)} (the utterance has ${u.length} characters; spans must be in order, not overlap, and stay inside it)`, 'fix the tokenSpans');
    }
    const end = (start as number) + (length as number);
    const text = u.slice(start as number, end);
    if (/\s/.test(text)) throw dataError(where.file, where.line, `token span ${JSON.stringify(s)} covers whitespace (${JSON.stringify(text)})`, 'fix the tokenSpans');
    out.push({ text, start: start as number, end });
    prevEnd = end;
  }
  return out;
}

/** BIO tags for `tokens` from character spans (see the module comment for overlaps). */
export function spansToBio(spans: readonly CharSpan[], tokens: readonly WordToken[], where: Where): string[] {
  const tags = new Array<string>(tokens.length).fill('O');
  for (const span of spans) {
    let touched = false;
    let open = false;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.start >= span.end || t.end <= span.start) continue;
      touched = true;
      if (tags[i] !== 'O') {
        open = false; // an earlier slot owns this token; a later free one starts a new entity
        continue;
      }
      tags[i] = `${open ? 'I' : 'B'}-${span.type}`;
      open = true;
    }
    if (!touched) {
      throw dataError(where.file, where.line, `slot ${span.start}:${span.end}:${span.type} covers no word token`, 'fix the character offsets (end exclusive)');
    }
  }
  return tags;
}
