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
  assert.match(md, /## dev F1[\s\S]*\| variant \| seed \| demo_slots \| demo_ner \| average \|/);
  assert.match(md, /## cost[\s\S]*\| variant \| seed \| trainable params \| total params \| params per task \| s\/step \| train time \(s\) \| examples\/s \| peak RSS \(MiB\) \| wasm heap \(MiB\) \| decode ms\/sentence \| decode sentences\/s \|/);
  assert.match(md, /\| hyperloader \| 7 \|/);
  assert.match(md, /\| lora \| 7 \|/);
  const csv = readFileSync(join(runs, 'tiny', 'comparison.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 3);
  // LoRA-only trains fewer parameters than HyperLoader (no adapter generators).
  const col = csv[0]!.split(',').indexOf('trainable_parameters');
  const params = Object.fromEntries(csv.slice(1).map((l) => l.split(',')).map((c) => [c[0], Number(c[col])]));
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

test('ablate --seeds 1,2: comparison.md has dev and test F1, every cost column, mean ± sd over seeds and a bootstrap interval that agrees with results.json', () => {
  const { file, runs } = tinyConfig();
  const r = cli(['ablate', '--config', file, '--variants', 'hyperloader,lora', '--seeds', '1,2', '--set', 'training.steps=6', '--set', 'eval.splits=[dev,test]', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const md = readFileSync(join(runs, 'tiny', 'comparison.md'), 'utf8');
  for (const section of ['## test F1', '## dev F1', '## cost', '## across seeds']) assert.ok(md.includes(section), `${section} missing:\n${md}`);
  const results = (v: string, s: number) => JSON.parse(readFileSync(join(runs, 'tiny', `${v}-seed${s}`, 'results.json'), 'utf8'));
  const avg = (v: string, s: number, split: string) => results(v, s).splits.find((x: { split: string }) => x.split === split).average.f1 as number;
  // Cost rows: every cell filled with a number.
  const costRows = md.split('## cost')[1]!.split('\n').filter((l) => /^\| (hyperloader|lora) \| [12] \|/.test(l));
  assert.equal(costRows.length, 4);
  for (const row of costRows) {
    const cells = row.split('|').slice(3, -1).map((c) => c.trim());
    assert.equal(cells.length, 10);
    for (const c of cells) assert.match(c, /^[0-9][0-9,]*(\.[0-9]+)?$/, `cost cell "${c}" in ${row}`);
  }
  // Across seeds: mean ± sd of the test average, as results.json has them.
  const seedsPart = md.split('## across seeds')[1]!;
  const lora = seedsPart.split('\n').find((l) => l.startsWith('| lora |'))!;
  const hl = seedsPart.split('\n').find((l) => l.startsWith('| hyperloader |'))!;
  const [l1, l2] = [avg('lora', 1, 'test'), avg('lora', 2, 'test')];
  const mean = (l1 + l2) / 2;
  const sd = Math.abs(l1 - l2) / Math.sqrt(2);
  assert.ok(lora.includes(`**${mean.toFixed(4)} ± ${sd.toFixed(4)}**`), `${lora} vs ${mean} ± ${sd}`);
  assert.match(hl, /\(reference\)/);
  // Δ: the bootstrap's observed difference (from the predictions files) equals the mean over seeds of
  // the difference of results.json's test averages (from the evaluator), and lies in its interval.
  const m = lora.match(/\| ([+-][0-9.]+) \[(-?[0-9.]+), (-?[0-9.]+)\] \|$/);
  assert.ok(m, lora);
  const expected = ((l1 - avg('hyperloader', 1, 'test')) + (l2 - avg('hyperloader', 2, 'test'))) / 2;
  assert.ok(Math.abs(Number(m![1]) - expected) < 6e-5, `${m![1]} vs ${expected}`);
  assert.ok(Number(m![2]) <= Number(m![1]) + 1e-4 && Number(m![1]) <= Number(m![3]) + 1e-4);
  const csv = readFileSync(join(runs, 'tiny', 'comparison.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 5);
  assert.ok(csv[0]!.startsWith('variant,seed,dev_demo_slots,dev_demo_ner,dev_average,test_demo_slots,test_demo_ner,test_average,trainable_parameters,total_parameters,parameters_per_task,seconds_per_step'));
});
