/** A tiny, fast training config on the demo data for runner tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { binPath, repoRoot } from '../helpers/paths.js';

export function tinyConfig(extra = ''): { dir: string; file: string; runs: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hl-run-'));
  const runs = join(dir, 'runs');
  const file = join(dir, 'tiny.yaml');
  writeFileSync(
    file,
    `experiment:
  name: tiny
  seed: 7
  runs_dir: ${runs}
  backend: wasm
model:
  random_init: { vocab_size: 532, d_model: 16, d_kv: 4, d_ff: 32, num_layers: 1, num_heads: 4, relative_attention_num_buckets: 8, dropout_rate: 0.1 }
  tokenizer: ${join(repoRoot, 'datasets/demo/tokenizer.json')}
  train_backbone: true
peft:
  variant: hyperloader
  adapter: { reduction_factor: 4 }
data:
  cache_dir: ${join(repoRoot, 'datasets')}
  fraction: 0.02
  tasks: [{ name: demo_slots }, { name: demo_ner }]
training: { steps: 30, batch_size: 4, lr: 1.0e-3, warmup_steps: 3, checkpoint_every: 4, log_every: 5, label_smoothing: 0.1 }
eval: { splits: [dev], batch_size: 16, max_decode_length: 6 }
${extra}`,
  );
  return { dir, file, runs };
}

export function cli(args: string[], opts: { cwd?: string } = {}) {
  return spawnSync(process.execPath, [binPath, ...args], { encoding: 'utf8', cwd: opts.cwd ?? repoRoot });
}

export function cliAsync(args: string[]): ChildProcess {
  return spawn(process.execPath, [binPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
}
