/**
 * results.md's per-type section of one split, so a run shows which entity types (or tags) carry
 * over: for every span task seqeval's classification report (precision, recall, F1 and support per
 * entity type, then the micro, macro and weighted averages), for every per-token task
 * (metric: accuracy) the accuracy per gold tag.
 */
import type { SplitResults, TaskScore } from './report.js';

const f4 = (x: number) => x.toFixed(4);
/** A table cell: `|` would end the cell. */
const cell = (s: string) => s.replace(/\|/g, '\\|');

function classificationReport(t: TaskScore, mode: string): string[] {
  const types = Object.entries(t.per_type ?? {});
  const lines = ['', `**${cell(t.task)}**: seqeval classification report (${mode} mode)`, ''];
  if (types.length === 0) return [...lines, 'No entity in gold or prediction.'];
  lines.push('| type | precision | recall | F1 | support |', '|---|---|---|---|---|');
  for (const [type, s] of types) lines.push(`| ${cell(type)} | ${f4(s.precision)} | ${f4(s.recall)} | ${f4(s.f1)} | ${s.support} |`);
  lines.push(`| *micro avg* | ${f4(t.precision)} | ${f4(t.recall)} | ${f4(t.f1)} | ${t.gold} |`);
  if (t.macro) lines.push(`| *macro avg* | ${f4(t.macro.precision)} | ${f4(t.macro.recall)} | ${f4(t.macro.f1)} | ${t.macro.support} |`);
  if (t.weighted) lines.push(`| *weighted avg* | ${f4(t.weighted.precision)} | ${f4(t.weighted.recall)} | ${f4(t.weighted.f1)} | ${t.weighted.support} |`);
  return lines;
}

function tagAccuracy(t: TaskScore): string[] {
  const lines = ['', `**${cell(t.task)}**: per-tag accuracy (token accuracy ${f4(t.accuracy ?? t.f1)}, ${t.correct} of ${t.gold} tokens)`, ''];
  const tags = Object.entries(t.per_tag ?? {});
  if (tags.length === 0) return [...lines, 'No token scored.'];
  lines.push('| tag | accuracy | correct | support |', '|---|---|---|---|');
  for (const [tag, s] of tags) lines.push(`| ${cell(tag)} | ${f4(s.accuracy)} | ${s.correct} | ${s.support} |`);
  return lines;
}

/** The section's lines (empty when no task carries a report, e.g. results written by an older version). */
export function perTypeMarkdown(split: SplitResults, mode: string): string[] {
  const tasks = split.tasks.filter((t) => t.per_type !== undefined || t.per_tag !== undefined);
  if (tasks.length === 0) return [];
  const lines = ['', `### ${split.split}: per entity type`];
  for (const t of tasks) lines.push(...(t.metric === 'accuracy' ? tagAccuracy(t) : classificationReport(t, mode)));
  return lines;
}
