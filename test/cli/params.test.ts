/**
 * `hyperloader params` end to end (the issue's acceptance): the paper config on the t5-base shape
 * with the seven tasks, and its variants by --set, against SPEC §4 / the authors' counts. Runs in an
 * empty working directory and HYPERLOADER_HOME so the built-in t5-base shape is used whatever has
 * been downloaded. Also validates both paper configs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath, repoRoot } from '../helpers/paths.js';
import { loadConfig } from '../../src/config/load.js';

const PAPER = join(repoRoot, 'configs', 'paper', 'hyperloader.yaml');
const HYPERFORMER = join(repoRoot, 'configs', 'paper', 'hyperformer.yaml');

function params(...args: string[]) {
  const home = mkdtempSync(join(tmpdir(), 'hl-params-cli-'));
  try {
    return spawnSync(process.execPath, [binPath, 'params', ...args], {
      encoding: 'utf8',
      cwd: home,
      env: { ...process.env, HYPERLOADER_HOME: home },
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function json(...args: string[]): { variant: string; trainable: number; total: number; rows: { component: string; trainable: number; frozen: number }[] } {
  const r = params('--config', PAPER, '--json', ...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('params --json: the paper counts for every variant the issue names (SPEC §4)', () => {
  const cases: [string[], string, number, number | undefined][] = [
    [[], 'hyperloader', 6_784_368, 229_640_688],
    [['--set', 'model.legacy_cross_attention_bias=off'], 'hyperloader', 6_784_368, 229_640_304],
    [['--set', 'peft.lora.rank=16', '--set', 'peft.lora.alpha=16'], 'hyperloader', 8_357_232, 231_213_552],
    [['--set', 'peft.variant=adapters'], 'adapters', 5_210_992, 228_067_312],
    [['--set', 'peft.lora.separate_generators=true'], 'hyperloader', 11_502_960, undefined],
  ];
  for (const [sets, variant, trainable, total] of cases) {
    const out = json(...sets);
    assert.equal(out.variant, variant, sets.join(' '));
    assert.equal(out.trainable, trainable, sets.join(' '));
    if (total !== undefined) assert.equal(out.total, total, sets.join(' '));
    // The rows add up to the totals.
    assert.equal(out.rows.reduce((s, r) => s + r.trainable, 0), out.trainable);
    assert.equal(out.rows.reduce((s, r) => s + r.trainable + r.frozen, 0), out.total);
  }
});

test('params: a readable table with thousands separators and the share trained', () => {
  const r = params('--config', PAPER);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^variant hyperloader; backbone built-in t5-base/);
  assert.match(r.stdout, /\nencoder adapter up generator +1,248,000 +0\n/);
  assert.match(r.stdout, /\nT5 backbone \(rest\) +0 +222,856,320\n/);
  assert.match(r.stdout, /\ntotal +6,784,368 +222,856,320\n/);
  assert.match(r.stdout, /trainable 6,784,368 of 229,640,688 \(2\.954%\)/);
  assert.match(r.stdout, /note: .*hyperloader download --model t5-base/);
});

test('params: the HyperFormer++ config, help with examples, and a clear error without --config', () => {
  const hf = params('--config', HYPERFORMER, '--json');
  assert.equal(hf.status, 0, hf.stderr);
  const out = JSON.parse(hf.stdout);
  assert.equal(out.variant, 'adapters');
  assert.equal(out.trainable, 5_210_992);
  assert.equal(out.total, 228_067_312);

  const help = params('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Examples:\n {2}hyperloader params -c configs\/paper\/hyperloader\.yaml/);

  const none = params();
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--config/);

  const unknown = params('--config', PAPER, '--set', 'model.checkpoint=nowhere/model');
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /model\.checkpoint: "nowhere\/model" was not found/);
  assert.doesNotMatch(unknown.stderr, /\n\s+at /);
});

test('the paper configs validate and say what SPEC §7 says', async () => {
  const { config: hl } = await loadConfig(PAPER);
  assert.equal(hl.model.checkpoint, 't5-base');
  assert.equal(hl.peft.variant, 'hyperloader');
  assert.deepEqual(
    hl.data.tasks.map((t) => [t.name, t.dataset]),
    [
      ['movieTrivia', 'mit_movie_trivia'],
      ['movie', 'mit_movie'],
      ['restaurant', 'mit_restaurant'],
      ['atis', 'atis'],
      ['snips', 'snips'],
      ['mtod', 'mtod'],
      ['mtop', 'mtop'],
    ],
  );
  const t = hl.training;
  assert.deepEqual(
    [t.lr, t.warmup_steps, t.steps, t.batch_size, t.temperature, t.label_smoothing, t.loss_reduction, t.clip_norm, t.select, t.schedule],
    [3e-4, 500, 65_536, 128, 10, 0.1, 'sum', 1.0, 'last', 'linear'],
  );
  assert.ok(typeof t.grad_accumulation === 'number' && t.batch_size % t.grad_accumulation === 0);
  assert.deepEqual([t.adam_beta1, t.adam_beta2, t.adam_eps, t.weight_decay], [0.9, 0.999, 1e-8, 0]);
  assert.equal(hl.experiment.seed, 42);
  assert.deepEqual([hl.data.max_source_length, hl.data.max_target_length, hl.data.fraction], [128, 128, 1]);
  assert.deepEqual([hl.peft.lora.rank, hl.peft.lora.alpha, hl.peft.adapter.reduction_factor], [8, 8, 32]);
  assert.equal(hl.eval.max_decode_length, 128);

  const { config: hf, files } = await loadConfig(HYPERFORMER);
  assert.deepEqual(files, [PAPER, HYPERFORMER]);
  assert.equal(hf.peft.variant, 'adapters');
  assert.equal(hf.training.batch_size, 32);
  assert.equal(hf.experiment.name, 'hyperformer');
  // Everything else is inherited.
  assert.deepEqual(hf.data, hl.data);
  assert.deepEqual({ ...hf.training, batch_size: 0, grad_accumulation: 0 }, { ...hl.training, batch_size: 0, grad_accumulation: 0 });
});
