import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { averageOf, writeResults, type Results, type TaskScore } from '../../src/eval/report.js';
import { PAPER_RESULTS } from '../../src/eval/paper.js';

const score = (task: string, p: number, r: number, f1: number): TaskScore => ({ task, precision: p, recall: r, f1, sentences: 10, gold: 5, predicted: 5, correct: 4 });

test('results.{json,md,csv}: unweighted task average, paper F1 beside test scores, splits merged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-results-'));
  const tasks = [score('atis', 1, 0.5, 2 / 3), score('mit_movie', 0.5, 0.5, 0.5)];
  const avg = averageOf(tasks);
  assert.ok(Math.abs(avg.f1 - (2 / 3 + 0.5) / 2) < 1e-12);
  const base: Results = { run: 'r', checkpoint: 'last', step: 7, mode: 'default', paper: PAPER_RESULTS.full, splits: [{ split: 'test', tasks, average: avg }] };
  await writeResults(dir, base);
  await writeResults(dir, { ...base, splits: [{ split: 'dev', tasks: [score('atis', 1, 1, 1)], average: averageOf([score('atis', 1, 1, 1)]) }] });
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.deepEqual(json.splits.map((s: any) => s.split), ['dev', 'test']);
  const md = readFileSync(join(dir, 'results.md'), 'utf8');
  assert.match(md, /\| atis \| 1\.0000 \| 0\.5000 \| 0\.6667 \| 10 \| 5 \| 0\.9599 \|/);
  assert.match(md, /\| mit_movie \| .* \| 0\.8745 \|/);
  assert.match(md, /\*\*average\*\* .* \*\*0\.5833\*\*/);
  const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'split,task,precision,recall,f1,sentences,gold,predicted,correct,paper_f1');
  assert.equal(csv.length, 1 + 2 + 3);
});
