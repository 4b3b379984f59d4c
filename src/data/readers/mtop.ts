/**
 * MTOP (Li et al. 2021) English TSV, 8 columns: id, intent (`IN:…`), slots (`start:end:SL:NAME`,
 * CHARACTER offsets into the utterance), utterance, domain, locale, decoupled logical form,
 * tokens JSON (`tokens` + `tokenSpans`). Only top-level slots are listed in the slot column, so
 * word tags come from them; the `SL:` prefix is dropped from tag types (B-CONTACT, not B-SL:CONTACT).
 */
import type { ReaderOptions, Sentence } from '../types.js';
import { readSlotTsv } from './mtod.js';
import type { FileInput } from './text.js';

export function readMtop(input: FileInput, file: string, options: ReaderOptions = {}): Sentence[] {
  return readSlotTsv(input, file, options, { columns: 8, intent: 1, slots: 2, utterance: 3, tokens: 7, slotPrefix: 'SL:', name: 'MTOP' });
}
