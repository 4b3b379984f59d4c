/**
 * `hyperloader data stats`: per dataset and split, how many sentences and words, which labels,
 * how long the sentences are, and how many would hit the format's limits: more words than T5's
 * 100 sentinels can mark (one before every word and one after the last, so at most 99 words) and
 * more than 128 tokens (SPEC §5). Without a tokenizer the token count is a lower bound: every word
 * and every tag is at least one token, so a source or target of n words has ≥ 2n + 2 tokens
 * (n words, n + 1 sentinels, </s>).
 */
import type { DatasetEntry, Sentence, SplitName } from './types.js';
import { MAX_SENTINEL_WORDS, SENTINEL_COUNT } from './sentinel.js';
import { assembleSplits, datasetDir, readAvailableSplits, SPLITS } from './load.js';

/** T5 has <extra_id_0..99>; a sentence of n words needs n + 1 of them (SPEC §5). */
export { SENTINEL_COUNT } from './sentinel.js';
export const MAX_TOKENS = 128;

export interface LengthSummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface SplitStats {
  sentences: number;
  /** Words (tokens of the file). */
  tokens: number;
  /** Tag → count, tags sorted. */
  labels: Record<string, number>;
  /** Entity types (the X of B-X / I-X) → number of entities (B- tags; a leading I- counts as an entity too). */
  entity_types: Record<string, number>;
  /** Words per entity (all types). */
  entity_length: LengthSummary;
  /** Distinct intents, where the format has them. */
  intents?: number;
  /** Words per sentence. */
  length: LengthSummary;
  /** Sentences with more words than the sentinels can mark (> SENTINEL_COUNT − 1). */
  over_sentinel_limit: number;
  /** Sentences whose Sentinel+Tag source / target is longer than MAX_TOKENS tokens (both are truncated there). */
  over_token_limit: { source: number; target: number };
  /** How over_token_limit was counted. */
  token_count: 'lower-bound estimate (2n+2)' | 'tokenizer';
}

/** Nearest-rank percentile of ascending `sorted` (p in (0, 100]); 0 for an empty list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Percentiles, maximum and mean (2 decimals) of ascending `sorted`; zeros for an empty list. */
export function lengthSummary(sorted: readonly number[]): LengthSummary {
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : 0,
    mean: sorted.length ? Math.round((sum / sorted.length) * 100) / 100 : 0,
  };
}

export interface StatsOptions {
  /** Exact Sentinel+Tag token counts of a sentence (from a tokenizer); default the 2n + 2 lower bound for both. */
  countTokens?: (s: Sentence) => { source: number; target: number };
  maxTokens?: number;
}

export function splitStats(sentences: readonly Sentence[], options: StatsOptions = {}): SplitStats {
  const maxTokens = options.maxTokens ?? MAX_TOKENS;
  const count = options.countTokens ?? ((s: Sentence) => ({ source: 2 * s.tokens.length + 2, target: 2 * s.tokens.length + 2 }));
  const labels = new Map<string, number>();
  const types = new Map<string, number>();
  const intents = new Set<string>();
  const lengths: number[] = [];
  const entityLengths: number[] = [];
  let tokens = 0;
  let overSentinels = 0;
  const overTokens = { source: 0, target: 0 };
  for (const s of sentences) {
    const n = s.tokens.length;
    tokens += n;
    lengths.push(n);
    if (n > MAX_SENTINEL_WORDS) overSentinels++;
    const c = count(s);
    if (c.source > maxTokens) overTokens.source++;
    if (c.target > maxTokens) overTokens.target++;
    if (s.intent !== undefined) intents.add(s.intent);
    let prev = 'O';
    for (const t of s.tags) {
      labels.set(t, (labels.get(t) ?? 0) + 1);
      if (t !== 'O') {
        const type = t.slice(2);
        if (t.startsWith('B-') || prev === 'O' || prev.slice(2) !== type) {
          types.set(type, (types.get(type) ?? 0) + 1);
          entityLengths.push(1);
        } else entityLengths[entityLengths.length - 1]!++;
      }
      prev = t;
    }
  }
  lengths.sort((a, b) => a - b);
  entityLengths.sort((a, b) => a - b);
  const sortedRecord = (m: Map<string, number>) => Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const stats: SplitStats = {
    sentences: sentences.length,
    tokens,
    labels: sortedRecord(labels),
    entity_types: sortedRecord(types),
    entity_length: lengthSummary(entityLengths),
    length: lengthSummary(lengths),
    over_sentinel_limit: overSentinels,
    over_token_limit: overTokens,
    token_count: options.countTokens ? 'tokenizer' : 'lower-bound estimate (2n+2)',
  };
  if (intents.size > 0) stats.intents = intents.size;
  return stats;
}

export interface DatasetStats {
  key: string;
  title: string;
  dir: string;
  /** The splits a run uses (dev carved from train where the dataset has none), present ones only. */
  splits: Partial<Record<SplitName, SplitStats & { source: string; expected?: number }>>;
  missing: SplitName[];
  dev_carved: boolean;
  split_seed: number;
  fraction: number;
  notes: string[];
}

/** Stats of one dataset in the cache; missing splits are listed, not fatal. */
export async function datasetStats(
  entry: DatasetEntry,
  cacheDir: string,
  options: StatsOptions & { splitSeed?: number; fraction?: number } = {},
): Promise<DatasetStats> {
  const splitSeed = options.splitSeed ?? 42;
  const fraction = options.fraction ?? 1;
  const avail = await readAvailableSplits(entry, cacheDir);
  const out: DatasetStats = {
    key: entry.key,
    title: entry.title,
    dir: datasetDir(entry, cacheDir),
    splits: {},
    missing: avail.missing,
    dev_carved: entry.splits.dev === undefined,
    split_seed: splitSeed,
    fraction,
    notes: entry.notes ?? [],
  };
  const raw: Partial<Record<SplitName, Sentence[]>> = {};
  for (const s of SPLITS) if (avail.read[s]) raw[s] = avail.read[s]!.sentences;
  // Splits absent from the cache come out empty here and are skipped below (a carved dev needs train).
  const used = assembleSplits(entry, raw, splitSeed, fraction);
  for (const s of SPLITS) {
    const source = avail.read[s]?.source ?? (s === 'dev' && out.dev_carved && avail.read.train ? `carved from ${avail.read.train.source}` : undefined);
    if (source === undefined) continue;
    const sentences = used[s];
    const expected = fraction === 1 ? entry.expected_sizes?.[s] : undefined;
    out.splits[s] = { ...splitStats(sentences, options), source, ...(expected !== undefined ? { expected } : {}) };
  }
  return out;
}

/** The human-readable table of `data stats`. */
export function formatStats(all: readonly DatasetStats[]): string {
  const out: string[] = [];
  const head = ['split', 'sentences', 'expected', 'words', 'tags', 'p50', 'p90', 'p99', 'max', `>${SENTINEL_COUNT - 1}w`, `>${MAX_TOKENS}tok`];
  for (const d of all) {
    out.push(`${d.key} — ${d.title}`);
    out.push(`  files: ${d.dir}`);
    const rows: string[][] = [head];
    for (const s of SPLITS) {
      const st = d.splits[s];
      if (st) {
        rows.push([
          s,
          String(st.sentences),
          st.expected === undefined ? '' : st.expected === st.sentences ? `${st.expected} ✓` : `${st.expected} ✗`,
          String(st.tokens),
          String(Object.keys(st.labels).length),
          String(st.length.p50),
          String(st.length.p90),
          String(st.length.p99),
          String(st.length.max),
          String(st.over_sentinel_limit),
          st.over_token_limit.source === st.over_token_limit.target ? String(st.over_token_limit.source) : `${st.over_token_limit.source}/${st.over_token_limit.target}`,
        ]);
      } else if (d.missing.includes(s) || (s === 'dev' && d.dev_carved && d.missing.includes('train'))) {
        rows.push([s, 'missing', '', '', '', '', '', '', '', '', '']);
      }
    }
    const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) out.push(`  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`.trimEnd());
    if (d.dev_carved && d.splits.dev) out.push(`  dev: carved from train (ceil(n/10), split_seed ${d.split_seed})`);
    if (d.fraction < 1) out.push(`  low-resource: floor(${d.fraction} × n) of train and dev; test full`);
    const types = new Map<string, number>();
    for (const st of Object.values(d.splits)) for (const [t, c] of Object.entries(st!.entity_types)) types.set(t, (types.get(t) ?? 0) + c);
    if (types.size > 0) {
      const names = [...types.keys()].sort();
      const shown = names.length > 24 ? `${names.slice(0, 24).join(', ')}, … (${names.length - 24} more; --json lists every label)` : names.join(', ');
      out.push(`  entity types (${types.size}): ${shown}`);
    }
    for (const s of SPLITS) {
      const st = d.splits[s];
      const n = st ? Object.values(st.entity_types).reduce((a, b) => a + b, 0) : 0;
      if (!st || n === 0) continue;
      const e = st.entity_length;
      out.push(`  ${s} entities: ${n}; words per entity p50 ${e.p50}, p90 ${e.p90}, p99 ${e.p99}, max ${e.max}, mean ${e.mean}`);
    }
    if (d.missing.length > 0) out.push(`  missing: ${d.missing.join(', ')} — run \`hyperloader download ${d.key}\``);
    out.push('');
  }
  const exact = all.some((d) => Object.values(d.splits).some((s) => s!.token_count === 'tokenizer'));
  out.push(
    `>${SENTINEL_COUNT - 1}w: sentences longer than T5's ${SENTINEL_COUNT} sentinels can mark; ` +
      `>${MAX_TOKENS}tok: Sentinel+Tag sources (/targets, where they differ) over ${MAX_TOKENS} tokens, ` +
      (exact ? 'counted by the tokenizer.' : 'a lower bound (2n+2); pass --tokenizer for exact counts.'),
  );
  return out.join('\n');
}
