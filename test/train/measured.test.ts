/**
 * Every run measures its cost (issue 14, item 2): each metrics.jsonl step line carries the step's
 * seconds and the process's RSS, run.json the mean seconds per step (= train_seconds / step) and
 * the peak memory, and results.json/.md each split's decoding time and throughput (= sentences /
 * seconds), from a real tiny run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tinyConfig } from './run-helpers.js';

test('train records time per step and memory; eval records decoding latency and throughput', () => {
  const { dir, file, runs } = tinyConfig();
  try {
    const r = cli(['train', '--config', file, '--set', 'training.steps=6', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    const run = join(runs, 'tiny');
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const steps = lines.filter((l) => l.loss !== undefined);
    assert.equal(steps.length, 6);
    for (const l of steps) {
      assert.ok(l.seconds > 0, 'seconds per step');
      assert.ok(Number.isInteger(l.rss_bytes) && l.rss_bytes > 10 * 2 ** 20, `rss_bytes ${l.rss_bytes}`);
    }
    const info = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    assert.equal(info.step, 6);
    assert.ok(Math.abs(info.seconds_per_step - info.train_seconds / 6) < 1e-9);
    const summed = steps.reduce((s, l) => s + l.seconds, 0);
    assert.ok(Math.abs(info.train_seconds - summed) < 1e-6 * Math.max(1, summed), `train_seconds ${info.train_seconds} vs the steps' ${summed}`);
    assert.ok(info.memory.max_rss_bytes >= Math.max(...steps.map((l) => l.rss_bytes)));
    const results = JSON.parse(readFileSync(join(run, 'results.json'), 'utf8'));
    const dev = results.splits.find((s: { split: string }) => s.split === 'dev');
    const sentences = dev.tasks.reduce((n: number, t: { sentences: number }) => n + t.sentences, 0);
    assert.equal(dev.decode.sentences, sentences);
    assert.equal(dev.decode.batch_size, 16);
    assert.ok(dev.decode.seconds > 0);
    assert.ok(Math.abs(dev.decode.sentences_per_second - sentences / dev.decode.seconds) < 1e-9 * sentences);
    assert.ok(Math.abs(dev.decode.ms_per_sentence - (1000 * dev.decode.seconds) / sentences) < 1e-9 * 1000);
    assert.match(readFileSync(join(run, 'results.md'), 'utf8'), new RegExp(`Decoding: ${sentences} sentences in [0-9.]+ s at batch 16 \\([0-9.]+ sentences/s, [0-9.]+ ms per sentence\\)`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
