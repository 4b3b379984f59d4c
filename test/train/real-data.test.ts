/**
 * Real data, learned (docs/real-data.md): a small HyperLoader T5 trained from scratch on a subset
 * of ATIS, with a tokenizer built by `hyperloader tokenizer build`, must tag real sentences — not
 * sit at the tag prior, which tags every word O (F1 0) — and the same run without the
 * position-bias learning-rate scale, the cause of the plateau, must not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDatasets } from '../helpers/paths.js';
import { cli } from './run-helpers.js';

const shared = sharedDatasets();

function setup(): { file: string; runs: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hl-real-'));
  const runs = join(dir, 'runs');
  const file = join(dir, 'atis.yaml');
  writeFileSync(
    file,
    `experiment: { name: atis, seed: 42, runs_dir: ${runs}, backend: wasm }
model:
  random_init: { vocab_size: 1000, d_model: 64, d_kv: 16, d_ff: 128, num_layers: 2, num_heads: 4, dropout_rate: 0.1 }
  tokenizer: ${join(dir, 'tokenizer.json')}
  train_backbone: true
  legacy_cross_attention_bias: on
peft: { variant: hyperloader, adapter: { reduction_factor: 8 }, lora: { alpha: 0.25 } }
data:
  cache_dir: ${shared.dir}
  fraction: 0.25
  tasks: [ { name: atis } ]
training: { steps: 180, batch_size: 32, lr: 3.0e-3, warmup_steps: 30, loss_reduction: mean, label_smoothing: 0.1, log_every: 25, checkpoint_every: 1000, group_by_length: 8, position_bias_lr_scale: 100 }
eval: { splits: [dev], batch_size: 125, max_decode_length: 110 }
`,
  );
  return { file, runs };
}

const devF1 = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')).splits[0].tasks[0].f1 as number;

test('a small model learns ATIS from scratch on a CPU (dev F1 ≥ 0.5); without the position-bias scale it does not', { skip: shared.skip }, () => {
  const { file, runs } = setup();
  const tok = cli(['tokenizer', 'build', '--config', file, '--min-count', '2']);
  assert.equal(tok.status, 0, tok.stderr);
  const vocab = Number(/: (\d+) ids/.exec(tok.stdout)?.[1]);
  assert.ok(vocab > 103 && vocab <= 1000, tok.stdout);
  writeFileSync(file, readFileSync(file, 'utf8').replace('vocab_size: 1000', `vocab_size: ${vocab}`));

  const fixed = cli(['train', '--config', file, '--quiet']);
  assert.equal(fixed.status, 0, fixed.stderr);
  const f1 = devF1(join(runs, 'atis'));
  assert.ok(f1 >= 0.5, `dev F1 ${f1}`);

  const plain = cli(['train', '--config', file, '--quiet', '--name', 'plain', '--set', 'training.position_bias_lr_scale=1']);
  assert.equal(plain.status, 0, plain.stderr);
  const f1Plain = devF1(join(runs, 'plain'));
  assert.ok(f1Plain < f1 - 0.3, `without the scale: dev F1 ${f1Plain}, with it ${f1}`);
});
