/**
 * Tagging raw text with a trained run: whitespace-tokenised sentences (or a CoNLL file's first
 * column) → Sentinel+Tag source → greedy decoding with the task's generated weights → IOB2 tags,
 * one per word (words past the 99-sentinel limit get O), and entity spans.
 */
import { HyperloaderError } from '../errors.js';
import { toSource, truncateToSentinels } from '../data/sentinel.js';
import { getEntitiesDefault } from '../eval/seqeval-default.js';
import { lengthSortedBatches, modelGenerator, predictedTags, type EvalItem } from '../eval/evaluate.js';
import type { LoadedRun } from './run.js';

export interface Tagged {
  tokens: string[];
  tags: string[];
  /** Entities as inclusive word offsets, with their text. */
  spans: { type: string; start: number; end: number; text: string }[];
}

export async function tagSentences(run: LoadedRun, task: string, sentences: string[][], opts: { batchSize: number }): Promise<Tagged[]> {
  if (!run.tasks.some((t) => t.name === task)) {
    throw new HyperloaderError(`--task ${task}: this run knows ${run.tasks.map((t) => t.name).join(', ')}`, { exitCode: 2 });
  }
  const c = run.config;
  const items: EvalItem[] = sentences.map((tokens, index) => {
    const kept = truncateToSentinels({ tokens, tags: tokens.map(() => 'O') }).sentence;
    return { index, sentence: kept, sourceIds: run.tokenizer.encode(toSource(kept.tokens), { maxLength: c.data.max_source_length }), gold: kept.tags, undecodableGold: 0 };
  });
  const out = new Array<Tagged>(sentences.length);
  const decoder = modelGenerator(run.model, run.tokenizer, task, c.eval.max_decode_length);
  try {
    for (const batch of lengthSortedBatches(items, opts.batchSize)) {
      const texts = await decoder.generate(batch);
      batch.forEach((it, k) => {
        const tokens = sentences[it.index];
        const tags = predictedTags(texts[k], tokens.length, run.codec);
        const spans = getEntitiesDefault([tags]).map(([type, start, end]) => ({ type, start, end, text: tokens.slice(start, end + 1).join(' ') }));
        out[it.index] = { tokens, tags, spans };
      });
    }
  } finally {
    decoder.release();
  }
  return out;
}

/** Sentences of a text: one per non-empty line, whitespace-tokenised. */
export function sentencesFromText(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim().split(/\s+/).filter(Boolean))
    .filter((t) => t.length > 0);
}

/** Sentences of a CoNLL-style file: first column of each line, blank lines between sentences, -DOCSTART- skipped. */
export function sentencesFromConll(text: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const cols = line.trim().split(/\s+/).filter(Boolean);
    if (cols.length === 0 || cols[0] === '-DOCSTART-') {
      if (cur.length > 0) out.push(cur);
      cur = [];
      continue;
    }
    cur.push(cols[0]);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
