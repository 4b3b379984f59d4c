/**
 * The F1 tables a run directory holds: results.json (machine-readable), results.md (what a person
 * reads) and results.csv (for spreadsheets) — per task micro P/R/F1 in seqeval's default mode, as
 * fractions like the paper, the unweighted average over tasks, and the paper's numbers beside ours.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../runtime/fs.js';
import { PAPER_TASK_NAMES, paperTaskOf, type PaperRow } from './paper.js';
import type { Prf, TypeScores } from './seqeval-metrics.js';
import type { TagAccuracy } from './accuracy.js';
import { perTypeMarkdown } from './report-types.js';

export interface TaskScore {
  task: string;
  precision: number;
  recall: number;
  f1: number;
  sentences: number;
  /** Entity counts: gold, predicted, correct (true positives). */
  gold: number;
  predicted: number;
  correct: number;
  /** Words left unscored because the 99-sentinel limit or data.max_target_length cut their tags off. */
  unscored_words?: number;
  /** Gold tags the tokenizer cannot write (scored from the dataset; the model can never produce them). */
  undecodable_gold?: number;
  /** How the task was scored (data.tasks[].metric); absent in results written before it existed: f1. */
  metric?: 'f1' | 'accuracy';
  /** f1 tasks: seqeval's classification report, per entity type (precision, recall, F1, support, counts). */
  per_type?: Record<string, TypeScores>;
  macro?: Prf;
  weighted?: Prf;
  /** accuracy tasks: token accuracy (also in precision/recall/f1: with one tag per token they are equal; counts are tokens). */
  accuracy?: number;
  /** accuracy tasks: per gold tag, the share of its tokens predicted right. */
  per_tag?: Record<string, TagAccuracy>;
}

export interface SplitResults {
  split: 'dev' | 'test';
  tasks: TaskScore[];
  /** Unweighted mean over tasks (the paper's headline). */
  average: { precision: number; recall: number; f1: number };
  /** Decoding cost of this split (every task): wall time, at eval.batch_size; absent in older results. */
  decode?: DecodeTiming;
}

export interface DecodeTiming {
  sentences: number;
  seconds: number;
  batch_size: number;
  sentences_per_second: number;
  /** seconds / sentences: the amortised latency at this batch size (not a batch-1 latency; `profile` measures that). */
  ms_per_sentence: number;
}

export interface Results {
  run: string;
  checkpoint: string;
  step: number;
  mode: 'default' | 'strict';
  splits: SplitResults[];
  paper: PaperRow | null;
}

export function averageOf(tasks: TaskScore[]): SplitResults['average'] {
  const mean = (k: 'precision' | 'recall' | 'f1') => (tasks.length ? tasks.reduce((s, t) => s + t[k], 0) / tasks.length : 0);
  return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
}

const f4 = (x: number) => x.toFixed(4);

/**
 * The paper's test F1 beside a split, as the tables show it: only for the test split of a run whose
 * config reproduces a paper row (`paperRowFor`); per task where the task is one of the paper's
 * seven (else null); the paper's average only when the split averages exactly those seven tasks
 * (not, e.g., the seven plus the biomedical ones of configs/crossdomain/). Null: no paper column.
 */
export function paperColumn(s: SplitResults, paper: PaperRow | null): { label: string; tasks: (number | null)[]; average: number | null } | null {
  if (s.split !== 'test' || !paper) return null;
  const covered = PAPER_TASK_NAMES.every((p) => s.tasks.some((t) => paperTaskOf(t.task) === p)) && s.tasks.every((t) => paperTaskOf(t.task) !== null);
  return {
    label: paper.label,
    tasks: s.tasks.map((t) => {
      const pt = paperTaskOf(t.task);
      return pt ? paper.f1[pt]! : null;
    }),
    average: covered ? paper.average : null,
  };
}

export function resultsMarkdown(r: Results): string {
  const lines = [
    `# Results: ${r.run}`,
    '',
    `Checkpoint \`${r.checkpoint}\` (step ${r.step}); seqeval micro P/R/F1, ${r.mode} mode, as fractions; each split's per-type report follows its table.`,
  ];
  for (const s of r.splits) {
    const paper = paperColumn(s, r.paper);
    const show = (x: number | null) => (x === null ? '–' : f4(x));
    lines.push('', `## ${s.split}`, '');
    lines.push(`| task | precision | recall | F1 | sentences | gold entities |${paper ? ' paper F1 |' : ''}`);
    lines.push(`|---|---|---|---|---|---|${paper ? '---|' : ''}`);
    s.tasks.forEach((t, i) => {
      const ref = paper ? ` ${show(paper.tasks[i] ?? null)} |` : '';
      lines.push(`| ${t.task} | ${f4(t.precision)} | ${f4(t.recall)} | ${f4(t.f1)} | ${t.sentences} | ${t.gold} |${ref}`);
    });
    const avgRef = paper ? ` ${show(paper.average)} |` : '';
    lines.push(`| **average** | ${f4(s.average.precision)} | ${f4(s.average.recall)} | **${f4(s.average.f1)}** | | |${avgRef}`);
    if (paper) lines.push('', `Paper: ${paper.label} (SPEC §8, test F1).`);
    const cut = s.tasks.filter((t) => (t.unscored_words ?? 0) > 0);
    if (cut.length > 0) {
      lines.push('', `Not scored: ${cut.map((t) => `${t.task} ${t.unscored_words} word(s)`).join(', ')}, whose tags lie past the 99-sentinel limit or data.max_target_length (the model never sees them; as the authors scored).`);
    }
    const undecodable = s.tasks.filter((t) => (t.undecodable_gold ?? 0) > 0);
    if (undecodable.length > 0) {
      lines.push('', `Gold tags this tokenizer cannot write (scored from the dataset, never predictable): ${undecodable.map((t) => `${t.task} ${t.undecodable_gold}`).join(', ')}.`);
    }
    const perToken = s.tasks.filter((t) => t.metric === 'accuracy');
    if (perToken.length > 0) {
      lines.push('', `Scored by token accuracy (metric: accuracy): ${perToken.map((t) => t.task).join(', ')}; their precision, recall and F1 are the token accuracy (equal with one tag per token) and their counts are tokens.`);
    }
    if (s.decode) {
      const d = s.decode;
      lines.push('', `Decoding: ${d.sentences} sentences in ${d.seconds.toFixed(1)} s at batch ${d.batch_size} (${d.sentences_per_second.toFixed(1)} sentences/s, ${d.ms_per_sentence.toFixed(1)} ms per sentence).`);
    }
    lines.push(...perTypeMarkdown(s, r.mode));
  }
  return lines.join('\n') + '\n';
}

export function resultsCsv(r: Results): string {
  const rows = ['split,task,precision,recall,f1,sentences,gold,predicted,correct,paper_f1'];
  for (const s of r.splits) {
    for (const t of s.tasks) {
      const pt = paperTaskOf(t.task);
      const ref = s.split === 'test' && r.paper && pt ? r.paper.f1[pt] : '';
      rows.push([s.split, t.task, t.precision, t.recall, t.f1, t.sentences, t.gold, t.predicted, t.correct, ref].join(','));
    }
    rows.push([s.split, 'average', s.average.precision, s.average.recall, s.average.f1, '', '', '', '', ''].join(','));
  }
  return rows.join('\n') + '\n';
}

/** Reads a run's results.json, if any. */
export function readResults(runDir: string): Results | null {
  const f = join(runDir, 'results.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Results) : null;
}

/**
 * Writes the three files. Splits evaluated earlier from the same checkpoint are kept, so
 * `eval --split dev` after a test evaluation leaves the test table in place.
 */
export async function writeResults(runDir: string, r: Results): Promise<void> {
  const old = readResults(runDir);
  const merged: Results = { ...r };
  if (old && old.checkpoint === r.checkpoint && old.step === r.step) {
    const kept = old.splits.filter((s) => !r.splits.some((n) => n.split === s.split));
    merged.splits = [...kept, ...r.splits].sort((a, b) => (a.split === b.split ? 0 : a.split === 'dev' ? -1 : 1));
  }
  await writeFileAtomic(join(runDir, 'results.json'), JSON.stringify(merged, null, 2) + '\n');
  await writeFileAtomic(join(runDir, 'results.md'), resultsMarkdown(merged));
  await writeFileAtomic(join(runDir, 'results.csv'), resultsCsv(merged));
}
