/**
 * The paper's test F1 (SPEC §8, fractions), to print beside ours when a run uses the paper's tasks.
 */
import type { Config } from '../config/schema.js';

export const PAPER_TASKS = ['movieTrivia', 'movie', 'restaurant', 'atis', 'snips', 'mtod', 'mtop'] as const;
export type PaperTask = (typeof PAPER_TASKS)[number];

/** Registry keys and other spellings of the paper's task names. */
const ALIASES: Record<string, PaperTask> = {
  movietrivia: 'movieTrivia',
  mit_movie_trivia: 'movieTrivia',
  trivia: 'movieTrivia',
  movie: 'movie',
  mit_movie: 'movie',
  restaurant: 'restaurant',
  mit_restaurant: 'restaurant',
  atis: 'atis',
  snips: 'snips',
  mtod: 'mtod',
  mtop: 'mtop',
};

export function paperTaskOf(name: string): PaperTask | null {
  return ALIASES[name.toLowerCase()] ?? null;
}

export interface PaperRow {
  label: string;
  f1: Record<PaperTask, number>;
  average: number;
}

const row = (label: string, values: number[], average: number): PaperRow => ({
  label,
  f1: Object.fromEntries(PAPER_TASKS.map((t, i) => [t, values[i]])) as Record<PaperTask, number>,
  average,
});

export const PAPER_RESULTS = {
  full: row('HyperLoader, full data', [0.714, 0.8745, 0.7965, 0.9599, 0.9592, 0.9652, 0.8983], 0.8811),
  p10: row('HyperLoader, 10%', [0.6695, 0.8368, 0.7499, 0.9172, 0.897, 0.95, 0.8114], 0.8331),
  p20: row('HyperLoader, 20%', [0.6863, 0.8546, 0.7601, 0.9401, 0.9238, 0.9541, 0.8474], 0.8523),
  p50: row('HyperLoader, 50%', [0.6858, 0.8696, 0.7833, 0.9522, 0.9415, 0.9608, 0.8747], 0.8668),
  hyperformer: row('HyperFormer++ (adapters only), batch 32', [0.7295, 0.8788, 0.8136, 0.9595, 0.9462, 0.9648, 0.8638], 0.8795),
  r16: row('HyperLoader, r = 16', [0.706, 0.8766, 0.7961, 0.9618, 0.9559, 0.9666, 0.9], 0.8804),
  separate: row('LoRA, separate generators per position', [0.7013, 0.8763, 0.7964, 0.9602, 0.9581, 0.9658, 0.9016], 0.88),
} satisfies Record<string, PaperRow>;

/** The paper's row that a run's config reproduces, or null when it reproduces none. */
export function paperRowFor(config: Config): PaperRow | null {
  if (!config.data.tasks.some((t) => paperTaskOf(t.dataset ?? t.name) !== null)) return null;
  const p = config.peft;
  if (p.variant === 'adapters') return PAPER_RESULTS.hyperformer;
  if (p.variant !== 'hyperloader') return null;
  if (p.lora.separate_generators) return PAPER_RESULTS.separate;
  if (p.lora.rank === 16) return PAPER_RESULTS.r16;
  const f = config.data.fraction;
  if (f === 0.1) return PAPER_RESULTS.p10;
  if (f === 0.2) return PAPER_RESULTS.p20;
  if (f === 0.5) return PAPER_RESULTS.p50;
  return f === 1 ? PAPER_RESULTS.full : null;
}
