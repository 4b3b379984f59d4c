/**
 * The paper's test F1 (SPEC §8, fractions), to print beside ours when a run uses the paper's tasks.
 */
import type { Config } from '../config/schema.js';
import { findDataset, getDataset, PAPER_TASKS } from '../data/registry.js';

/**
 * The paper's seven tasks by their SPEC §8 names (movieTrivia, movie, …), in table order: the
 * registry's paper datasets (data/registry-data.ts PAPER_TASKS), each under its first alias.
 */
export const PAPER_TASK_NAMES: readonly string[] = PAPER_TASKS.map((key) => getDataset(key).aliases?.[0] ?? key);
export type PaperTask = string;

/** The SPEC §8 name of a task or dataset name (registry key or alias, any case), or null when it is not one of the seven. */
export function paperTaskOf(name: string): PaperTask | null {
  const entry = findDataset(name);
  if (!entry || !(PAPER_TASKS as readonly string[]).includes(entry.key)) return null;
  return PAPER_TASK_NAMES[(PAPER_TASKS as readonly string[]).indexOf(entry.key)]!;
}

export interface PaperRow {
  label: string;
  f1: Record<PaperTask, number>;
  average: number;
}

const row = (label: string, values: number[], average: number): PaperRow => ({
  label,
  f1: Object.fromEntries(PAPER_TASK_NAMES.map((t, i) => [t, values[i]])) as Record<PaperTask, number>,
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

/** What a run must be to stand beside a paper row (SPEC §7–9): the authors' setting, one knob apart at most. */
interface RowSetting {
  variant: 'hyperloader' | 'adapters';
  fraction: number;
  batch: number;
  rank: number;
  separate: boolean;
}

const SETTINGS: [PaperRow, RowSetting][] = [
  [PAPER_RESULTS.full, { variant: 'hyperloader', fraction: 1, batch: 128, rank: 8, separate: false }],
  [PAPER_RESULTS.p10, { variant: 'hyperloader', fraction: 0.1, batch: 128, rank: 8, separate: false }],
  [PAPER_RESULTS.p20, { variant: 'hyperloader', fraction: 0.2, batch: 128, rank: 8, separate: false }],
  [PAPER_RESULTS.p50, { variant: 'hyperloader', fraction: 0.5, batch: 128, rank: 8, separate: false }],
  [PAPER_RESULTS.r16, { variant: 'hyperloader', fraction: 1, batch: 128, rank: 16, separate: false }],
  [PAPER_RESULTS.separate, { variant: 'hyperloader', fraction: 1, batch: 128, rank: 8, separate: true }],
  [PAPER_RESULTS.hyperformer, { variant: 'adapters', fraction: 1, batch: 32, rank: 8, separate: false }],
];

/** Whether model.checkpoint names t5-base (the hub id, or a folder called t5-base). */
function isT5Base(checkpoint: string | undefined): boolean {
  if (!checkpoint) return false;
  const last = checkpoint.replace(/[\\/]+$/, '').split(/[\\/]/).pop()!.toLowerCase();
  return last === 't5-base';
}

/**
 * The paper's row a run's config reproduces, or null. A paper number is shown only beside a run
 * that matches that row's variant, conditioning (task + layer + position), backbone (t5-base),
 * data fraction (every task's), batch size and LoRA rank / generator sharing, with the paper's
 * adapter bottleneck (d/32) and every LoRA and adapter position.
 */
export function paperRowFor(config: Config): PaperRow | null {
  if (!config.data.tasks.some((t) => paperTaskOf(t.dataset ?? t.name) !== null)) return null;
  if (!isT5Base(config.model.checkpoint)) return null;
  const p = config.peft;
  if (p.hypernetwork.conditioning !== 'task+layer+position') return null;
  if (p.adapter.reduction_factor !== 32 || p.adapter.positions.length !== 2) return null;
  if (p.variant === 'hyperloader' && (p.lora.positions.length !== 4 || p.lora.alpha !== p.lora.rank)) return null;
  const fractions = new Set(config.data.tasks.map((t) => t.fraction ?? config.data.fraction));
  if (fractions.size !== 1) return null;
  const fraction = [...fractions][0];
  for (const [row, want] of SETTINGS) {
    if (p.variant !== want.variant || fraction !== want.fraction || config.training.batch_size !== want.batch) continue;
    if (want.variant === 'hyperloader' && (p.lora.rank !== want.rank || p.lora.separate_generators !== want.separate)) continue;
    return row;
  }
  return null;
}
