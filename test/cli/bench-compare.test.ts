/**
 * `npm run bench:compare` (issue 14): without torch it says the reference is unavailable and
 * measures nothing; with Debian's python3-torch it times both sides on the tiny shape and prints
 * both medians and their ratio (skipped, saying so, where no python3 imports torch).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

const script = join(repoRoot, 'dist', 'scripts', 'bench-compare.js');
const torchPython = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);

test('bench:compare without torch says the reference is unavailable', () => {
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, PYTHON: '/nonexistent/python3' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /reference unavailable: \/nonexistent\/python3 cannot import torch/);
  assert.match(r.stdout, /nothing was measured/);
  assert.doesNotMatch(r.stdout, /tfjs \/ pytorch/);
});

test('bench:compare with torch: both medians and the ratio, tiny shape; HyperLoader with the same trainable parameters on both sides', { skip: torchPython ? false : 'no python3 here imports torch (Debian: apt-get install python3-torch); skipping' }, () => {
  const r = spawnSync(process.execPath, [script, '--shape', 'tiny', '--groups', 'train-frozen,train-hyperloader', '--rounds', '1', '--steps', '1', '--threads', '1'], {
    encoding: 'utf8',
    env: { ...process.env, PYTHON: torchPython! },
  });
  assert.equal(r.status, 0, r.stderr);
  for (const group of ['train-frozen', 'train-hyperloader']) {
    const line = r.stdout.split('\n').find((l) => l.startsWith(`${group} `));
    assert.ok(line, r.stdout);
    const [tfjs, torch, ratio] = line!.trim().split(/\s{2,}/).slice(-3).map(Number);
    assert.ok(tfjs! > 0 && torch! > 0, line);
    assert.ok(Math.abs(ratio! - tfjs! / torch!) < 0.01 * ratio! + 0.006, line);
  }
  // HyperLoader's trainable parameters on the tiny shape (d_model 64, bottleneck 2, rank 8, two
  // stacks of 2 layers, 7 tasks), counted by each side from its own tensors, and by hand (SPEC §3
  // with these sizes): per stack layer-id 2·64 + position 6·64 + projector 192·128+128 +
  // 128·64+64 + its LN 128 + down 64·128+128 + down bias 64·2+2 + up 64·128+128 + up bias,
  // γ, β 3·(64·64+64) + LoRA A and B 2·64·512 = 128,386; two stacks + 7·64 task embeddings +
  // 768 RMSNorm scales (encoder 2·2·64+64, decoder 2·3·64+64) = 257,988.
  assert.match(r.stdout, /train-hyperloader: trainable parameters tfjs 257988, pytorch 257988 \(the same\)/);
});
