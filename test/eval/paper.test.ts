/** A paper number is shown only beside a run that matches that row (SPEC §8–9): every row, and runs that must not match. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { PAPER_RESULTS, paperRowFor } from '../../src/eval/paper.js';
import { planAblation } from '../../src/train/ablate.js';
import { repoRoot } from '../helpers/paths.js';

const cfg = (file: string, sets: string[] = []) => loadConfig(join(repoRoot, 'configs', file), sets).then((l) => l.config);
const label = (r: ReturnType<typeof paperRowFor>) => r?.label ?? null;

test('each SPEC §8 row is matched by the config that reproduces it', async () => {
  const cases: [string, string[], string][] = [
    ['paper/hyperloader.yaml', [], PAPER_RESULTS.full.label],
    ['paper/lowresource-10.yaml', [], PAPER_RESULTS.p10.label],
    ['paper/lowresource-20.yaml', [], PAPER_RESULTS.p20.label],
    ['paper/lowresource-50.yaml', [], PAPER_RESULTS.p50.label],
    ['paper/hyperformer.yaml', [], PAPER_RESULTS.hyperformer.label],
  ];
  for (const [file, sets, want] of cases) assert.equal(label(paperRowFor(await cfg(file, sets))), want, file);
});

test('the SPEC §9 ablation grid: only the variants the paper reports get a paper column', async () => {
  const base = await cfg('paper/ablations.yaml');
  const want: Record<string, string | null> = {
    hyperloader: PAPER_RESULTS.full.label,
    adapters: null, // HyperFormer++'s row is at batch 32; the grid runs 128
    lora: null,
    'lora-separate': PAPER_RESULTS.separate.label,
    rank16: PAPER_RESULTS.r16.label,
    'cond-task': null,
    'cond-task-layer': null,
    static: null,
    shared: null,
  };
  for (const run of planAblation(base, undefined, undefined)) {
    assert.equal(label(paperRowFor(await cfg('paper/ablations.yaml', run.sets))), want[run.variant], run.variant);
  }
});

test('runs that must not get a paper number', async () => {
  const none: [string, string[]][] = [
    ['quickstart.yaml', []], // synthetic tasks, random backbone
    ['cpu/atis-snips.yaml', []], // paper tasks, but a small T5 trained from scratch
    ['paper/hyperloader.yaml', ['model.checkpoint=t5-small']],
    ['paper/hyperloader.yaml', ['training.batch_size=32']],
    ['paper/hyperloader.yaml', ['data.fraction=0.3']],
    ['paper/hyperloader.yaml', ['data.tasks.0.fraction=0.1']], // one task's fraction differs
    ['paper/hyperloader.yaml', ['peft.adapter.reduction_factor=16']],
    ['paper/hyperloader.yaml', ['peft.hypernetwork.conditioning=task']],
    ['paper/hyperformer.yaml', ['training.batch_size=128']],
    ['paper/lowresource-10.yaml', ['peft.lora.rank=16', 'peft.lora.alpha=16']],
  ];
  for (const [file, sets] of none) assert.equal(paperRowFor(await cfg(file, sets)), null, `${file} ${sets.join(' ')}`);
  // A t5-base folder of the user's own counts as t5-base.
  assert.equal(label(paperRowFor(await cfg('paper/hyperloader.yaml', ['model.checkpoint=/models/t5-base/']))), PAPER_RESULTS.full.label);
});
