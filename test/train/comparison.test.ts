/**
 * ablate's comparison on hand-built runs (train/comparison.ts): two variants × two seeds whose test
 * predictions are written out, so every figure — mean ± sd across seeds and the paired bootstrap's
 * difference and interval — can be worked out by hand (see each comment).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { comparisonMarkdown, seedSummaries, type Row } from '../../src/train/comparison.js';
import { predictionsPath } from '../../src/eval/predictions.js';
import type { Results } from '../../src/eval/report.js';

/** One run: task t, two test sentences "Ann" (gold B-PER) and "Rome" (gold B-LOC), with these predictions. */
async function run(root: string, variant: string, seed: number, pred: [string, string]): Promise<Row> {
  const dir = join(root, `${variant}-seed${seed}`);
  const file = predictionsPath(dir, 't', 'test');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `Ann B-PER ${pred[0]}\n\nRome B-LOC ${pred[1]}\n`);
  const tp = (pred[0] === 'B-PER' ? 1 : 0) + (pred[1] === 'B-LOC' ? 1 : 0);
  const np = pred.filter((p) => p !== 'O').length;
  const f1 = tp === 0 ? 0 : (2 * tp) / (np + 2);
  const score = { task: 't', precision: np ? tp / np : 0, recall: tp / 2, f1, sentences: 2, gold: 2, predicted: np, correct: tp };
  const results: Results = { run: dir, checkpoint: 'last', step: 1, mode: 'default', paper: null, splits: [{ split: 'test', tasks: [score], average: { precision: score.precision, recall: score.recall, f1 } }] };
  return { run: { variant, seed, name: `${variant}-seed${seed}`, sets: [], overrides: {} }, info: null, results, dir };
}

test('seed statistics and the paired bootstrap, worked by hand', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hl-comparison-'));
  try {
    const rows = [
      await run(root, 'hyperloader', 1, ['B-PER', 'O']), // tp 1, predicted 1, gold 2: F1 2/3
      await run(root, 'hyperloader', 2, ['B-PER', 'O']), // F1 2/3
      await run(root, 'lora', 1, ['B-PER', 'B-LOC']), // F1 1
      await run(root, 'lora', 2, ['O', 'O']), // F1 0
    ];
    const [hl, lora] = seedSummaries(rows, { samples: 4000 });
    assert.equal(hl!.vsFirst, null);
    assert.ok(Math.abs(hl!.average.mean - 2 / 3) < 1e-12 && hl!.average.sd === 0);
    // lora: F1 1 and 0: mean 0.5, sample sd √(2·0.25/1) = 0.7071.
    assert.ok(Math.abs(lora!.average.mean - 0.5) < 1e-12);
    assert.ok(Math.abs(lora!.average.sd - Math.SQRT1_2) < 1e-12);
    // Δ: seed 1: 1 − 2/3 = 1/3; seed 2: 0 − 2/3 = −2/3; mean −1/6.
    const d = lora!.vsFirst!;
    assert.ok(Math.abs(d.diff + 1 / 6) < 1e-12, `${d.diff}`);
    // Resampling the 2 sentences (same draw for every run): {Ann,Ann}: seed 1 Δ 0, seed 2 Δ 0 − 1 = −1 → −1/2;
    // {Rome,Rome}: seed 1 Δ 1 − 0, seed 2 Δ 0 − 0 → +1/2; {Ann,Rome} (p = 1/2): −1/6. So the 95% interval is [−1/2, +1/2].
    assert.ok(Math.abs(d.low + 0.5) < 1e-12 && Math.abs(d.high - 0.5) < 1e-12, JSON.stringify(d));
    const md = comparisonMarkdown('hand', rows);
    assert.match(md, /\| lora \| 1, 2 \| 0\.5000 ± 0\.7071 \| \*\*0\.5000 ± 0\.7071\*\* \| -0\.1667 \[-0\.5000, 0\.5000\] \|/);
    assert.match(md, /\| hyperloader \| 1, 2 \| 0\.6667 ± 0\.0000 \| \*\*0\.6667 ± 0\.0000\*\* \| \(reference\) \|/);
    // A run missing its predictions file: no interval, said with a dash.
    rmSync(join(rows[3]!.dir!, 'predictions'), { recursive: true });
    assert.equal(seedSummaries(rows)[1]!.vsFirst, null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
