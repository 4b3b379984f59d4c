import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tinyConfig } from './run-helpers.js';

test('ablate runs two variants as their own runs and writes one comparison table; a rerun skips them', () => {
  const { file, runs } = tinyConfig();
  const r = cli(['ablate', '--config', file, '--variants', 'hyperloader,lora', '--set', 'training.steps=6', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  for (const v of ['hyperloader', 'lora']) {
    assert.equal(JSON.parse(readFileSync(join(runs, 'tiny', v, 'run.json'), 'utf8')).status, 'finished');
    assert.ok(existsSync(join(runs, 'tiny', v, 'results.json')));
  }
  const md = readFileSync(join(runs, 'tiny', 'comparison.md'), 'utf8');
  assert.match(md, /\| variant \| seed \| demo_slots \| demo_ner \| average \| trainable params \| train time \(s\) \| examples\/s \|/);
  assert.match(md, /\| hyperloader \| 7 \|/);
  assert.match(md, /\| lora \| 7 \|/);
  const csv = readFileSync(join(runs, 'tiny', 'comparison.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 3);
  // LoRA-only trains fewer parameters than HyperLoader (no adapter generators).
  const params = Object.fromEntries(csv.slice(1).map((l) => l.split(',')).map((c) => [c[0], Number(c[7])]));
  assert.ok(params.lora < params.hyperloader, JSON.stringify(params));

  const again = cli(['ablate', '--config', file, '--variants', 'hyperloader,lora', '--set', 'training.steps=6']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /tiny\/hyperloader: finished already, skipped/);

  const bad = cli(['ablate', '--config', file, '--variants', 'nope']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown variant "nope"/);
});

test('a NaN/Inf loss stops training with the step, task and batch', () => {
  const { file } = tinyConfig();
  const r = cli(['train', '--config', file, '--set', 'training.lr=1e30', '--set', 'training.warmup_steps=0', '--set', 'training.clip_norm=0', '--quiet']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /training loss is (NaN|Infinity|-Infinity) at step \d+ \(task demo_(slots|ner), batch of training examples [\d,]+\)/);
});

test('ablate --plan --json: every SPEC §9 variant of the paper grid with its resolved config and SPEC §4 counts, nothing trained', () => {
  const r = cli(['ablate', '--config', 'configs/paper/ablations.yaml', '--plan', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { variant: string; trainable: number; total: number; config: { peft: { variant: string; lora: { separate_generators: boolean } } } }[];
  const by = Object.fromEntries(rows.map((x) => [x.variant, x]));
  assert.deepEqual(Object.keys(by), ['hyperloader', 'adapters', 'lora', 'lora-separate', 'rank16', 'cond-task', 'cond-task-layer', 'static', 'shared']);
  // SPEC §4, exact.
  assert.equal(by.hyperloader.trainable, 6_784_368);
  assert.equal(by.hyperloader.total, 229_640_688);
  assert.equal(by.rank16.trainable, 8_357_232);
  assert.equal(by.adapters.trainable, 5_210_992);
  assert.equal(by['lora-separate'].trainable, 11_502_960);
  // The separate-generator row is HyperLoader (adapters kept), not LoRA-only.
  assert.equal(by['lora-separate'].config.peft.variant, 'hyperloader');
  assert.equal(by['lora-separate'].config.peft.lora.separate_generators, true);
});
