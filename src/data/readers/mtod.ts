/**
 * mTOD (Schuster et al. 2019) English TSV: intent, slots (`start:end:type`, CHARACTER offsets into
 * the utterance although the shipped README says "token"), utterance, locale, tokens JSON.
 */
import type { ReaderOptions, Sentence } from '../types.js';
import { jsonTokens, parseSlotSpans, spansToBio, Utterance, whitespaceTokens } from './spans.js';
import { dataError, decodeText, splitLines, type FileInput } from './text.js';

export function readMtod(input: FileInput, file: string, options: ReaderOptions = {}): Sentence[] {
  return readSlotTsv(input, file, options, { columns: 5, intent: 0, slots: 1, utterance: 2, tokens: 4, slotPrefix: '', name: 'mTOD' });
}

/** Column layout of a TSV with character-offset slots (shared with MTOP). */
export interface SlotTsvLayout {
  columns: number;
  intent: number;
  slots: number;
  utterance: number;
  tokens: number;
  /** Dropped from slot types (MTOP's `SL:`). */
  slotPrefix: string;
  name: string;
}

export function readSlotTsv(input: FileInput, file: string, options: ReaderOptions, layout: SlotTsvLayout): Sentence[] {
  const tokenization = options.tokenization ?? 'spans';
  const lines = splitLines(decodeText(input, file));
  const sentences: Sentence[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const where = { file, line: i + 1 };
    const cols = lines[i].split('\t');
    const needed = tokenization === 'spans' ? layout.columns : Math.max(layout.intent, layout.slots, layout.utterance) + 1;
    if (tokenization === 'spans' ? cols.length !== layout.columns : cols.length < needed) {
      throw dataError(file, i + 1, `expected ${tokenization === 'spans' ? layout.columns : `at least ${needed}`} TAB-separated columns (${layout.name} TSV), found ${cols.length}`, 'check that this is the right file and that no TAB is missing');
    }
    const u = new Utterance(cols[layout.utterance]);
    const words = tokenization === 'spans' ? jsonTokens(cols[layout.tokens], u, where) : whitespaceTokens(u);
    if (words.length === 0) throw dataError(file, i + 1, 'empty utterance', 'remove the line or give the utterance');
    const spans = parseSlotSpans(cols[layout.slots], u, where, layout.slotPrefix);
    const intent = cols[layout.intent].trim();
    if (intent === '') throw dataError(file, i + 1, 'empty intent column', 'give the intent in the first column');
    sentences.push({ tokens: words.map((w) => w.text), tags: spansToBio(spans, words, where), intent });
  }
  return sentences;
}
