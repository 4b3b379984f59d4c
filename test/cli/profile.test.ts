/**
 * `hyperloader profile` (issue 14): the acceptance run — the quickstart, two variants × two batch
 * sizes, --json — checked field by field against figures computed independently of the profiler:
 * trainable parameters from `params` (shapes alone), the checkpoint's size from them (float32
 * weights + AdamW's two moments), the parameters one more task adds (the task embedding, 64
 * numbers, for a hypernetwork); and the helpers on hand-worked cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath, repoRoot } from '../helpers/paths.js';
import { loadConfig } from '../../src/config/load.js';
import { caseConfig, percentile, type ProfileResult } from '../../src/train/profile.js';
import { profileCases, profileRows, PROFILE_COLUMNS } from '../../src/cli/commands/profile.js';

const QUICKSTART = join(repoRoot, 'configs', 'quickstart.yaml');

test('percentile: nearest rank on hand-worked lists', () => {
  assert.equal(percentile([5], 50), 5);
  assert.equal(percentile([4, 1, 3, 2], 50), 2); // rank ceil(0.5·4) = 2 of 1,2,3,4
  assert.equal(percentile([4, 1, 3, 2], 95), 4); // rank ceil(3.8) = 4
  assert.equal(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95), 100);
  assert.equal(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 50), 50);
  assert.throws(() => percentile([], 50), /empty/);
});

test('profileCases: the grid asked for, and bad names or sizes refused naming the flag', () => {
  const base = { steps: 3, warmup: 1, latencySentences: 5 };
  const cases = profileCases({ ...base, variants: ['hyperloader,lora'], batchSizes: ['8', '32'], shapes: ['config,tiny'] }, { variant: 'hyperloader', batchSize: 16 });
  assert.equal(cases.length, 8);
  assert.deepEqual(cases.slice(0, 2).map((c) => [c.shape, c.variant, c.batchSize]), [['config', 'hyperloader', 8], ['config', 'hyperloader', 32]]);
  const defaults = profileCases(base, { variant: 'adapters', batchSize: 16 });
  assert.deepEqual(defaults.map((c) => [c.shape, c.variant, c.batchSize]), [['config', 'adapters', 16]]);
  assert.throws(() => profileCases({ ...base, variants: ['hyperlaoder'] }, { variant: 'hyperloader', batchSize: 16 }), /--variants: unknown variant "hyperlaoder"/);
  assert.throws(() => profileCases({ ...base, shapes: ['huge'] }, { variant: 'hyperloader', batchSize: 16 }), /--shapes: unknown shape "huge"/);
  assert.throws(() => profileCases({ ...base, batchSizes: ['0'] }, { variant: 'hyperloader', batchSize: 16 }), /--batch-sizes: "0"/);
  assert.throws(() => profileCases({ ...base, steps: 0 }, { variant: 'hyperloader', batchSize: 16 }), /--steps/);
});

test('caseConfig: a named shape swaps in a random-init T5 of that shape, keeping the vocabulary', async () => {
  const { config } = await loadConfig(QUICKSTART);
  const small = caseConfig(config, { variant: 'lora', shape: 'small', batchSize: 4, warmup: 1, steps: 2 });
  assert.equal(small.peft.variant, 'lora');
  assert.equal(small.training.batch_size, 4);
  assert.equal(small.model.random_init!.vocab_size, config.model.random_init!.vocab_size);
  assert.deepEqual(
    [small.model.random_init!.d_model, small.model.random_init!.d_kv, small.model.random_init!.d_ff, small.model.random_init!.num_layers, small.model.random_init!.num_heads],
    [512, 64, 2048, 6, 8],
  );
  const same = caseConfig(config, { variant: 'hyperloader', shape: 'config', batchSize: 8, warmup: 1, steps: 2 });
  assert.deepEqual(same.model, config.model);
});

test('a case that does not fit is a row that says so, not a crash', () => {
  const r: ProfileResult = { variant: 'full', shape: 'base', batch_size: 32, backend: 'wasm', fits: false, error: 'does not fit: Aborted()' };
  const [row] = profileRows([r]);
  assert.equal(row!.length, PROFILE_COLUMNS.length);
  assert.deepEqual(row!.slice(0, 4), ['full', 'base', '32', 'does not fit']);
});

test('profile --json on the quickstart: two variants × two batch sizes, every figure measured and consistent', () => {
  const out = mkdtempSync(join(tmpdir(), 'hl-profile-'));
  try {
    const r = spawnSync(
      process.execPath,
      [binPath, 'profile', '--config', QUICKSTART, '--variants', 'hyperloader,lora', '--batch-sizes', '4,8', '--steps', '3', '--warmup', '1', '--latency-sentences', '4', '--out', out, '--json', '--quiet'],
      { encoding: 'utf8', cwd: repoRoot },
    );
    assert.equal(r.status, 0, r.stderr);
    const { results } = JSON.parse(r.stdout) as { results: ProfileResult[] };
    assert.deepEqual(results.map((x) => [x.variant, x.batch_size]), [['hyperloader', 4], ['hyperloader', 8], ['lora', 4], ['lora', 8]]);
    const paramsOf = (variant: string) => {
      const p = spawnSync(process.execPath, [binPath, 'params', '--config', QUICKSTART, '--set', `peft.variant=${variant}`, '--json'], { encoding: 'utf8', cwd: repoRoot });
      assert.equal(p.status, 0, p.stderr);
      return JSON.parse(p.stdout) as { trainable: number; total: number };
    };
    for (const x of results) {
      assert.equal(x.fits, true);
      for (const k of ['step_ms', 'step_ms_p95', 'ms_per_example', 'ms_per_target_token', 'examples_per_s', 'hypernetwork_ms', 'hypernetwork_share', 'peak_rss_bytes', 'wasm_heap_bytes', 'peak_tensor_bytes', 'decode_ms_p50', 'decode_ms_p95', 'decode_sentences_per_s', 'checkpoint_bytes'] as const) {
        assert.ok(typeof x[k] === 'number' && x[k]! > 0, `${x.variant}/${x.batch_size}: ${k} = ${x[k]}`);
      }
      assert.equal(x.steps_timed, 3);
      assert.ok(x.decode_ms_p95! >= x.decode_ms_p50!);
      assert.ok(x.hypernetwork_share! < 1, 'the hypernetwork alone is less than a whole step');
      // per example × batch = per step; examples/s = 1000 / per example.
      assert.ok(Math.abs(x.ms_per_example! * x.batch_size - x.step_ms!) < 1e-6 * x.step_ms!);
      assert.ok(Math.abs(x.examples_per_s! - 1000 / x.ms_per_example!) < 1e-6 * x.examples_per_s!);
      const p = paramsOf(x.variant);
      assert.equal(x.trainable_parameters, p.trainable);
      assert.equal(x.total_parameters, p.total);
      // checkpoints/last: float32 weights and AdamW's two moments (12 bytes per trainable parameter), plus small JSON files.
      assert.ok(x.checkpoint_bytes! >= 12 * p.trainable && x.checkpoint_bytes! < 12 * p.trainable + 2 ** 20, `checkpoint ${x.checkpoint_bytes} for ${p.trainable} trainable`);
      // One more task adds its task embedding z_τ (hypernetwork.task_embedding_dim, 64) and nothing else.
      assert.equal(x.parameters_per_task, 64);
    }
    assert.ok(existsSync(join(out, 'profile.json')));
    const md = readFileSync(join(out, 'profile.md'), 'utf8');
    assert.match(md, /\| variant \| shape \| batch \| step ms \|/);
    assert.equal(md.split('\n').filter((l) => /^\| (hyperloader|lora) \|/.test(l)).length, 4);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
