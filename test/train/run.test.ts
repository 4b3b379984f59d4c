import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readSafetensors } from '../../src/model/safetensors.js';
import { cli, cliAsync, tinyConfig } from './run-helpers.js';

const metricsOf = (runDir: string) =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((m) => m.task !== undefined);

test('train writes the run directory; an existing one is refused; --resume with a changed config is refused', () => {
  const { file, runs } = tinyConfig();
  const r = cli(['train', '--config', file, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const runDir = join(runs, 'tiny');
  for (const f of ['config.yaml', 'run.json', 'log.jsonl', 'metrics.jsonl', 'results.json', 'results.md', 'results.csv', 'checkpoints/last/params.safetensors', 'checkpoints/last/optimizer.safetensors', 'checkpoints/last/state.json', 'predictions/demo_slots.dev.txt']) {
    assert.ok(existsSync(join(runDir, f)), `${f} missing`);
  }
  const info = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  assert.equal(info.status, 'finished');
  // Every checkpoint write is logged (every 4 steps and the last: 4, 8, …, 28, 30).
  const saved = readFileSync(join(runDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.checkpoint === 'last');
  assert.deepEqual(saved.map((l) => l.step), [4, 8, 12, 16, 20, 24, 28, 30]);
  assert.match(saved[0].msg, /^checkpoint last at step 4 saved in \d+\.\d s$/);
  assert.equal(info.step, 30);
  const m = metricsOf(runDir);
  assert.deepEqual(m.map((x) => x.step), Array.from({ length: 30 }, (_, i) => i + 1));
  for (const x of m) assert.ok(Number.isFinite(x.loss) && x.lr >= 0 && x.grad_norm >= 0 && x.examples === 4, JSON.stringify(x));
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
  assert.deepEqual(results.splits.map((s: any) => s.split), ['dev']);
  assert.deepEqual(results.splits[0].tasks.map((t: any) => t.task), ['demo_slots', 'demo_ner']);

  const again = cli(['train', '--config', file, '--quiet']);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /already exists.*--resume/s);
  assert.doesNotMatch(again.stderr, /\n\s+at /);

  const changed = cli(['train', '--config', file, '--resume', '--set', 'training.lr=0.5', '--quiet']);
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /config differs from the one .* was started with \(.*config\.yaml\): training\.lr: 0\.001 → 0\.5\. Resume with the same config/);
});

test('a run killed with SIGKILL and resumed ends exactly where an uninterrupted run does', async () => {
  const { file, runs } = tinyConfig();
  const straight = cli(['train', '--config', file, '--name', 'straight', '--quiet', '--set', 'eval.splits=[]']);
  assert.equal(straight.status, 0, straight.stderr);

  const child = cliAsync(['train', '--config', file, '--name', 'killed', '--quiet', '--set', 'eval.splits=[]']);
  const killedDir = join(runs, 'killed');
  // Kill once a checkpoint exists and training has gone past it.
  const deadline = Date.now() + 60_000;
  for (;;) {
    await sleep(20);
    const m = existsSync(join(killedDir, 'metrics.jsonl')) ? readFileSync(join(killedDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length : 0;
    if (existsSync(join(killedDir, 'checkpoints/last/state.json')) && m >= 10) break;
    if (Date.now() > deadline) throw new Error('the run never reached a checkpoint');
  }
  child.kill('SIGKILL');
  await new Promise((res) => child.on('exit', res));
  const killedAt = JSON.parse(readFileSync(join(killedDir, 'checkpoints/last/state.json'), 'utf8')).step;
  assert.ok(killedAt < 30, `killed too late (checkpoint at step ${killedAt})`);

  const resumed = cli(['train', '--config', file, '--name', 'killed', '--resume', '--quiet', '--set', 'eval.splits=[]']);
  assert.equal(resumed.status, 0, resumed.stderr);

  const a = metricsOf(join(runs, 'straight'));
  const b = metricsOf(killedDir);
  assert.deepEqual(b.map((x) => x.step), a.map((x) => x.step), 'every step logged exactly once');
  assert.deepEqual(b.map((x) => x.task), a.map((x) => x.task), 'same batches');
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i].loss - b[i].loss) <= 1e-5 * Math.abs(a[i].loss), `step ${a[i].step}: ${a[i].loss} vs ${b[i].loss}`);
  const pa = await readSafetensors(join(runs, 'straight/checkpoints/last/params.safetensors'));
  const pb = await readSafetensors(join(killedDir, 'checkpoints/last/params.safetensors'));
  assert.deepEqual([...pb.keys()].sort(), [...pa.keys()].sort());
  for (const [name, t] of pa) {
    const u = pb.get(name)!;
    for (let i = 0; i < t.data.length; i++) assert.ok(Math.abs(t.data[i] - u.data[i]) <= 1e-6, `${name}[${i}]: ${t.data[i]} vs ${u.data[i]}`);
  }
});

test('periodic dev evaluation keeps the best checkpoint; select: best evaluates it; patience stops early', () => {
  const { file, runs } = tinyConfig();
  const r = cli(['train', '--config', file, '--quiet', '--set', 'training.steps=40', '--set', 'training.eval_every=8', '--set', 'training.select=best', '--set', 'training.patience=2']);
  assert.equal(r.status, 0, r.stderr);
  const runDir = join(runs, 'tiny');
  const dev = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.split === 'dev');
  assert.ok(dev.length >= 1, 'dev evaluations logged');
  for (const d of dev) assert.equal(d.step % 8, 0);
  const best = JSON.parse(readFileSync(join(runDir, 'checkpoints/best/state.json'), 'utf8'));
  const bestDev = dev.reduce((a, b) => (b.average_f1 > a.average_f1 ? b : a));
  assert.equal(best.best.step, bestDev.step, 'best checkpoint = the first step with the highest dev F1');
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
  assert.equal(results.checkpoint, 'best');
  assert.equal(results.step, bestDev.step);
  const last = JSON.parse(readFileSync(join(runDir, 'checkpoints/last/state.json'), 'utf8'));
  // Patience 2: training stops two evaluations after the last improvement (or runs to the end).
  const sinceBest = dev.filter((d) => d.step > bestDev.step).length;
  assert.ok(last.step === 40 || sinceBest === 2, `stopped at ${last.step} with ${sinceBest} evaluations since the best`);
});

test('every periodic dev evaluation writes predictions/step-<N>/ (re-scoring to the logged F1) and logs --samples K sentences', () => {
  const { file, runs } = tinyConfig();
  const r = cli(['train', '--config', file, '--samples', '2', '--set', 'training.steps=16', '--set', 'training.eval_every=8']);
  assert.equal(r.status, 0, r.stderr);
  const runDir = join(runs, 'tiny');
  const dev = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.split === 'dev');
  assert.deepEqual(dev.map((d) => d.step), [8]);
  for (const task of ['demo_slots', 'demo_ner']) {
    const file8 = join(runDir, 'predictions', 'step-8', `${task}.dev.txt`);
    assert.ok(existsSync(file8), `${file8} missing`);
    const scored = cli(['score', file8, '--json']);
    assert.equal(scored.status, 0, scored.stderr);
    const f1 = JSON.parse(scored.stdout).default.micro.f1 as number;
    assert.ok(Math.abs(f1 - dev[0].f1[task]) < 1e-9, `${task}: file scores ${f1}, log says ${dev[0].f1[task]}`);
    // Two samples per task, each the words of a dev sentence in file order.
    const lines = r.stderr.split('\n').filter((l) => l.includes(`${task} dev #`));
    assert.deepEqual(lines.map((l) => /#(\d+):/.exec(l)?.[1]), ['1', '2'], r.stderr);
    const firstWords = readFileSync(file8, 'utf8').split('\n\n')[0]!.trim().split('\n').map((l) => l.split(' ')[0]);
    const shown = lines[0]!.slice(lines[0]!.indexOf('#1: ') + 4).split(' ').map((w) => w.split('/')[0]);
    assert.deepEqual(shown, firstWords);
  }
  // The final evaluation keeps its own files.
  assert.ok(existsSync(join(runDir, 'predictions', 'demo_slots.dev.txt')));
});

test('truncation is reported: per task and split at the start of train, and the unscored words in results.md', () => {
  const { file, runs } = tinyConfig();
  // Word-level targets are 2n + 2 ids: 16 tokens keep at most 7 words of a sentence.
  const r = cli(['train', '--config', file, '--set', 'training.steps=2', '--set', 'data.max_target_length=16']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /demo_slots train: \d+ targets over 16 tokens \(of \d+ sentences\) are cut; their tails are neither trained on nor scored/);
  assert.match(r.stderr, /demo_ner dev: \d+ targets? over 16 tokens/);
  const md = readFileSync(join(runs, 'tiny', 'results.md'), 'utf8');
  const m = /Not scored: demo_slots (\d+) word\(s\), demo_ner (\d+) word\(s\)/.exec(md);
  assert.ok(m, md);
  // Independently: the dev predictions file holds only the scored words; the rest are the unscored ones.
  const results = JSON.parse(readFileSync(join(runs, 'tiny', 'results.json'), 'utf8'));
  const slots = results.splits[0].tasks[0];
  assert.equal(slots.unscored_words, Number(m[1]));
  const scoredWords = readFileSync(join(runs, 'tiny', 'predictions', 'demo_slots.dev.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '').length;
  const stats = cli(['data', 'stats', 'demo_slots', '--fraction', '0.02', '--json']);
  const devWords = JSON.parse(stats.stdout).datasets[0].splits.dev.tokens;
  assert.equal(scoredWords + slots.unscored_words, devWords);
  // And no scored sentence is longer than the 7 words a 16-token target holds.
  for (const block of readFileSync(join(runs, 'tiny', 'predictions', 'demo_slots.dev.txt'), 'utf8').split('\n\n')) {
    assert.ok(block.trim().split('\n').length <= 7, block);
  }
});
