/**
 * Per-entity-type reports in results.json and results.md: a task's scores carry seqeval's
 * classification report (per type, macro, weighted), checked against the `seqeval` package's own
 * numbers (test/fixtures/seqeval/random_cases.jsonl, a copy of ../shared/fixtures/seqeval/) and,
 * in the markdown, against a hand-worked example.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { taskScoreOf } from '../../src/eval/evaluate.js';
import { resultsMarkdown, type TaskScore } from '../../src/eval/report.js';
import { fixturesDir } from '../helpers/paths.js';
import { assertClose, parsePythonJson } from './pyjson.js';

const casesPath = process.env.HYPERLOADER_SEQEVAL_CASES ?? join(fixturesDir, 'seqeval', 'random_cases.jsonl');

interface Expected {
  per_type: Record<string, unknown>;
  macro: unknown;
  weighted: unknown;
}

test('taskScoreOf carries seqeval\'s classification report: per type, macro and weighted equal the seqeval package', () => {
  const lines = readFileSync(casesPath, 'utf8').split('\n').filter(Boolean);
  let compared = 0;
  for (const [n, line] of lines.entries()) {
    const c = parsePythonJson(line) as { sentences: [string, string][][]; expected: { default: Expected } };
    const rows = c.sentences.map((s) => ({ tokens: s.map((_, i) => `w${i}`), gold: s.map((p) => p[0]), pred: s.map((p) => p[1]) }));
    const got = taskScoreOf('t', rows, 'default');
    const want = c.expected.default;
    assertClose(got.per_type, want.per_type, 1e-12, `case ${n}.per_type`);
    assertClose(got.macro, want.macro, 1e-12, `case ${n}.macro`);
    assertClose(got.weighted, want.weighted, 1e-12, `case ${n}.weighted`);
    compared++;
  }
  assert.ok(compared >= 100, `only ${compared} cases compared`);
});

test('results.md: one classification report per task, numbers worked by hand', () => {
  // gold: PER(0-1) LOC(3) | LOC(0)     pred: PER(0-1) ORG(3) | LOC(0)
  const rows = [
    { tokens: ['a', 'b', 'c', 'd'], gold: ['B-PER', 'I-PER', 'O', 'B-LOC'], pred: ['B-PER', 'I-PER', 'O', 'B-ORG'] },
    { tokens: ['e', 'f'], gold: ['B-LOC', 'O'], pred: ['B-LOC', 'O'] },
  ];
  const s: TaskScore = taskScoreOf('ner|x', rows, 'default');
  // LOC: gold 2, pred 1, tp 1 → P 1, R 1/2, F1 2/3.  ORG: gold 0, pred 1 → 0, 0, 0.  PER: 1, 1, 1.
  // micro: tp 2 of 3 predicted, 3 gold → 2/3 each.  macro: P (1+0+1)/3, R (1/2+0+1)/3 = 1/2, F1 (2/3+0+1)/3 = 5/9.
  // weighted by support (LOC 2, ORG 0, PER 1): P (2+0+1)/3 = 1, R (1+0+1)/3 = 2/3, F1 (4/3+0+1)/3 = 7/9.
  const md = resultsMarkdown({ run: 'r', checkpoint: 'last', step: 3, mode: 'default', paper: null, splits: [{ split: 'test', tasks: [s], average: { precision: s.precision, recall: s.recall, f1: s.f1 } }] });
  const expected = [
    '### test: per entity type',
    '',
    '**ner\\|x**: seqeval classification report (default mode)',
    '',
    '| type | precision | recall | F1 | support |',
    '|---|---|---|---|---|',
    '| LOC | 1.0000 | 0.5000 | 0.6667 | 2 |',
    '| ORG | 0.0000 | 0.0000 | 0.0000 | 0 |',
    '| PER | 1.0000 | 1.0000 | 1.0000 | 1 |',
    '| *micro avg* | 0.6667 | 0.6667 | 0.6667 | 3 |',
    '| *macro avg* | 0.6667 | 0.5000 | 0.5556 | 3 |',
    '| *weighted avg* | 1.0000 | 0.6667 | 0.7778 | 3 |',
  ].join('\n');
  assert.ok(md.includes(expected), md);
  // results written before per-type reports existed render without the section
  const { per_type: _p, macro: _m, weighted: _w, metric: _k, ...old } = s;
  const oldMd = resultsMarkdown({ run: 'r', checkpoint: 'last', step: 3, mode: 'default', paper: null, splits: [{ split: 'test', tasks: [old], average: { precision: 0, recall: 0, f1: 0 } }] });
  assert.doesNotMatch(oldMd, /per entity type/);
});
