/**
 * Tagging raw text with a trained run: whitespace-tokenised sentences (or a CoNLL file's first
 * column) → Sentinel+Tag source → greedy decoding with the task's generated weights → IOB2 tags,
 * one per word, and entity spans.
 *
 * The model reads at most 99 words at once (one sentinel each, SPEC §5) and data.max_source_length
 * tokens. A longer sentence is tagged in consecutive windows that each fit, and the tags are joined,
 * so every word gets a tag the model chose (an entity that crosses a window edge comes out as two);
 * `windows` says how many it took, and the CLI warns.
 */
import { HyperloaderError } from '../errors.js';
import { MAX_SENTINEL_WORDS, toSource } from '../data/sentinel.js';
import { getEntitiesDefault } from './seqeval-default.js';
import { fromOneTokenEntities } from '../data/per-token.js';
import { lengthSortedBatches, modelGenerator, predictedTags, type EvalItem } from './evaluate.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { EvalTarget } from './split.js';

export interface Tagged {
  tokens: string[];
  tags: string[];
  /** Entities as inclusive word offsets, with their text. */
  spans: { type: string; start: number; end: number; text: string }[];
  /** Windows the sentence was tagged in (1 when it fits the model at once). */
  windows: number;
}

/**
 * [start, end) word ranges covering `tokens`, each at most MAX_SENTINEL_WORDS words whose
 * Sentinel+Tag source fits `maxSourceLength` tokens (a single word always makes a window).
 */
export function windowsOf(tokens: readonly string[], tokenizer: Tokenizer, maxSourceLength: number): [number, number][] {
  const fits = (a: number, b: number) => tokenizer.encode(toSource(tokens.slice(a, b))).length <= maxSourceLength;
  const out: [number, number][] = [];
  let start = 0;
  while (start < tokens.length) {
    let end = Math.min(tokens.length, start + MAX_SENTINEL_WORDS);
    if (!fits(start, end)) {
      // The largest end that fits, by bisection (the source only grows with each word); a word
      // too long to fit on its own still makes a window of one (its source is truncated).
      let lo = start + 1;
      let hi = end - 1;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (fits(start, mid)) lo = mid;
        else hi = mid - 1;
      }
      end = lo;
    }
    out.push([start, end]);
    start = end;
  }
  return out;
}

export async function tagSentences(run: EvalTarget, task: string, sentences: string[][], opts: { batchSize: number }): Promise<Tagged[]> {
  if (!run.tasks.some((t) => t.name === task)) {
    throw new HyperloaderError(`--task ${task}: this run knows ${run.tasks.map((t) => t.name).join(', ')}`, { exitCode: 2 });
  }
  const c = run.config;
  const windows = sentences.map((tokens) => windowsOf(tokens, run.tokenizer, c.data.max_source_length));
  const items: (EvalItem & { sentence: { tokens: string[] } })[] = [];
  const owner: { sentence: number; start: number }[] = [];
  windows.forEach((ws, s) => {
    for (const [a, b] of ws) {
      const tokens = sentences[s]!.slice(a, b);
      owner.push({ sentence: s, start: a });
      items.push({
        index: items.length,
        sentence: { tokens, tags: tokens.map(() => 'O') },
        sourceIds: run.tokenizer.encode(toSource(tokens), { maxLength: c.data.max_source_length }),
        gold: tokens.map(() => 'O'),
        undecodableGold: 0,
      });
    }
  });
  const tags = sentences.map((tokens) => new Array<string>(tokens.length).fill('O'));
  const decoder = modelGenerator(run.model, run.tokenizer, task, c.eval.max_decode_length);
  try {
    for (const batch of lengthSortedBatches(items, opts.batchSize)) {
      const texts = await decoder.generate(batch);
      batch.forEach((it, k) => {
        const { sentence, start } = owner[it.index]!;
        predictedTags(texts[k]!, it.sentence.tokens.length, run.codec).forEach((t, i) => (tags[sentence]![start + i] = t));
      });
    }
  } finally {
    decoder.release();
  }
  // A per-token task (metric: accuracy) rides the span pipeline as one-token entities: its tags
  // come back as written (`NN`, not `B-NN`) and it has no spans.
  const perToken = c.data.tasks.find((t) => t.name === task)?.metric === 'accuracy';
  return sentences.map((tokens, s) => {
    if (perToken) return { tokens, tags: fromOneTokenEntities(tags[s]!), spans: [], windows: windows[s]!.length };
    // Joined windows can leave an I- right after a window edge; the spans read it as seqeval does.
    const spans = getEntitiesDefault([tags[s]!]).map(([type, start, end]) => ({ type, start, end, text: tokens.slice(start, end + 1).join(' ') }));
    return { tokens, tags: tags[s]!, spans, windows: windows[s]!.length };
  });
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
