/**
 * The paired bootstrap of ablate's comparison (eval/bootstrap.ts): per-sentence counts summed over
 * a corpus equal seqeval's own corpus counts (the fixture's 400 cases, computed by the `seqeval`
 * package), and the interval behaves as it must on hand-built cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../helpers/paths.js';
import { parsePythonJson } from './pyjson.js';
import { f1Of, meanSd, mulberry32, pairedBootstrap, sentenceCounts, type SentenceCounts } from '../../src/eval/bootstrap.js';

interface Case {
  sentences: [string, string][][];
  expected: { accuracy: number; default: { counts: { tp: number; n_pred: number; n_gold: number } } };
}

test('per-sentence counts add up to seqeval corpus counts and accuracy (every fixture case)', () => {
  const cases = readFileSync(join(fixturesDir, 'seqeval', 'random_cases.jsonl'), 'utf8').trim().split('\n').map((l) => parsePythonJson(l) as Case);
  assert.ok(cases.length >= 100, `${cases.length} cases`);
  for (const [i, c] of cases.entries()) {
    const gold = c.sentences.map((s) => s.map((p) => p[0]));
    const pred = c.sentences.map((s) => s.map((p) => p[1]));
    const per = sentenceCounts(gold, pred);
    const sum = per.reduce((a, x) => ({ tp: a.tp + x.tp, pred: a.pred + x.pred, gold: a.gold + x.gold }), { tp: 0, pred: 0, gold: 0 });
    assert.deepEqual(sum, { tp: c.expected.default.counts.tp, pred: c.expected.default.counts.n_pred, gold: c.expected.default.counts.n_gold }, `case ${i}`);
    const acc = sentenceCounts(gold, pred, { metric: 'accuracy' }).reduce((a, x) => ({ tp: a.tp + x.tp, n: a.n + x.gold }), { tp: 0, n: 0 });
    if (acc.n > 0) assert.ok(Math.abs(acc.tp / acc.n - c.expected.accuracy) < 1e-12, `case ${i} accuracy`);
    else assert.ok(Number.isNaN(c.expected.accuracy), `case ${i}: no tokens, seqeval says ${c.expected.accuracy}`);
  }
});

test('sentenceCounts and f1Of on a hand-worked sentence', () => {
  // Gold PER(0-1), LOC(3); predicted PER(0-1), ORG(3): 1 right of 2 predicted, 2 gold.
  assert.deepEqual(sentenceCounts([['B-PER', 'I-PER', 'O', 'B-LOC']], [['B-PER', 'I-PER', 'O', 'B-ORG']]), [{ tp: 1, pred: 2, gold: 2 }]);
  assert.equal(f1Of(1, 2, 2), 0.5);
  assert.equal(f1Of(0, 0, 0), 0);
  assert.equal(f1Of(3, 4, 2), 1); // P 3/4, R 3/2 (not reachable, but the formula is 2tp/(p+g))
});

test('meanSd: sample standard deviation', () => {
  const m = meanSd([1, 2, 3, 4]);
  assert.equal(m.mean, 2.5);
  assert.ok(Math.abs(m.sd - Math.sqrt(5 / 3)) < 1e-12);
  assert.deepEqual(meanSd([0.7]), { mean: 0.7, sd: 0 });
});

test('mulberry32 is deterministic and uniform enough', () => {
  const a = mulberry32(7);
  const b = mulberry32(7);
  const xs = Array.from({ length: 10000 }, () => a());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
});

test('pairedBootstrap: identical runs give 0 [0, 0]; a run right everywhere the other is wrong gives 1 [1, 1]', () => {
  const task: SentenceCounts[] = Array.from({ length: 30 }, (_, i) => ({ tp: i % 3, pred: 2, gold: 2 }));
  const same = pairedBootstrap([[[task], [task]]], { samples: 200 });
  assert.deepEqual([same.diff, same.low, same.high], [0, 0, 0]);
  const perfect = task.map((c) => ({ ...c, tp: c.gold }));
  const wrong = task.map((c) => ({ ...c, tp: 0 }));
  const d = pairedBootstrap([[[perfect], [wrong]]], { samples: 200 });
  assert.deepEqual([d.diff, d.low, d.high], [1, 1, 1]);
});

test('pairedBootstrap: the observed difference lies in its interval, which narrows with more sentences; seeds average', () => {
  const rand = mulberry32(3);
  const make = (n: number, p: number) => Array.from({ length: n }, () => ({ tp: rand() < p ? 1 : 0, pred: 1, gold: 1 }));
  const small = pairedBootstrap([[[make(40, 0.8)], [make(40, 0.6)]]], { samples: 500 });
  const large = pairedBootstrap([[[make(2000, 0.8)], [make(2000, 0.6)]]], { samples: 500 });
  for (const r of [small, large]) assert.ok(r.low <= r.diff && r.diff <= r.high, JSON.stringify(r));
  assert.ok(large.high - large.low < small.high - small.low);
  assert.ok(large.low > 0, 'a 0.2 gap over 2,000 sentences is beyond noise');
  // Two seeds: the observed difference is the mean of the two seeds' differences.
  const a1 = [make(50, 0.9)], b1 = [make(50, 0.5)], a2 = [make(50, 0.7)], b2 = [make(50, 0.7)];
  const one = pairedBootstrap([[a1, b1]], { samples: 10 }).diff;
  const two = pairedBootstrap([[a2, b2]], { samples: 10 }).diff;
  assert.ok(Math.abs(pairedBootstrap([[a1, b1], [a2, b2]], { samples: 10 }).diff - (one + two) / 2) < 1e-12);
  assert.throws(() => pairedBootstrap([[[make(5, 0.5)], [make(6, 0.5)]]]), /same sentences/);
});
