import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskSampler, temperatureProbabilities, type TaskSamplerOptions, type TaskSamplerState } from '../../src/data/sampler.js';
import { HyperloaderError } from '../../src/errors.js';

// SPEC §6 training sizes of the paper's seven tasks, and p_t ∝ (n_t/N)^(1/10) computed
// independently in Python (float64).
const PAPER_SIZES = { movieTrivia: 7034, movie: 8797, restaurant: 6894, atis: 4478, snips: 13084, mtod: 30521, mtop: 15667 };
const PAPER_P_T10 = {
  movieTrivia: 0.1373259998980539,
  movie: 0.14043197143995167,
  restaurant: 0.13705019613384328,
  atis: 0.1312625818862246,
  snips: 0.1461189649027991,
  mtod: 0.1590348887384445,
  mtop: 0.14877539700068282,
};

/** Upper α-quantile of χ² with k degrees of freedom (Wilson–Hilferty; slightly conservative in the far tail). */
function chiSquareCritical(k: number, zAlpha: number): number {
  const c = 2 / (9 * k);
  return k * Math.pow(1 - c + zAlpha * Math.sqrt(c), 3);
}
/** z for a one-sided tail of 1e-4: a correct sampler fails a seeded run of this test with probability ~1e-4. */
const Z_1E4 = 3.719;

test('temperature probabilities follow p_t ∝ (n_t/N)^(1/T)', () => {
  const p = temperatureProbabilities(PAPER_SIZES, 10);
  for (const [task, expected] of Object.entries(PAPER_P_T10)) assert.ok(Math.abs(p[task] - expected) < 1e-12, task);
  // Hand-computed: sizes 100 and 900. T = 1 is proportional; T = 10 gives 0.1^0.1 / (0.1^0.1 + 0.9^0.1).
  const p1 = temperatureProbabilities({ a: 100, b: 900 }, 1);
  assert.ok(Math.abs(p1.a - 0.1) < 1e-15 && Math.abs(p1.b - 0.9) < 1e-15);
  const p10 = temperatureProbabilities({ a: 100, b: 900 }, 10);
  assert.ok(Math.abs(p10.a - 0.4452893186621929) < 1e-12);
  // T → ∞ is uniform; an empty task is never drawn.
  const pInf = temperatureProbabilities({ a: 1, b: 1000 }, 1e9);
  assert.ok(Math.abs(pInf.a - 0.5) < 1e-6);
  assert.equal(temperatureProbabilities({ a: 0, b: 5 }, 10).a, 0);
});

test('empirical task frequencies match the formula (chi-square and per-task binomial bands)', () => {
  const draws = 40000;
  const sampler = new TaskSampler({ sizes: PAPER_SIZES, temperature: 10, seed: 42, batchSize: 1 });
  const counts: Record<string, number> = {};
  for (let i = 0; i < draws; i++) {
    const b = sampler.next();
    counts[b.task] = (counts[b.task] ?? 0) + 1;
  }
  let chi2 = 0;
  for (const [task, p] of Object.entries(PAPER_P_T10)) {
    const expected = draws * p;
    const sd = Math.sqrt(draws * p * (1 - p));
    const observed = counts[task] ?? 0;
    // Bonferroni over 7 tasks at family-wise 1e-4 → two-sided z ≈ 4.5 per task.
    assert.ok(Math.abs(observed - expected) < 4.5 * sd, `${task}: ${observed} vs ${expected.toFixed(1)} ± ${sd.toFixed(1)}`);
    chi2 += (observed - expected) ** 2 / expected;
  }
  assert.ok(chi2 < chiSquareCritical(6, Z_1E4), `chi2 ${chi2.toFixed(2)} ≥ ${chiSquareCritical(6, Z_1E4).toFixed(2)}`);
  // Temperature 1 is proportional sampling: check it too, on sizes far apart.
  const prop = new TaskSampler({ sizes: { small: 100, large: 900 }, temperature: 1, seed: 7, batchSize: 1 });
  let small = 0;
  for (let i = 0; i < draws; i++) if (prop.next().task === 'small') small++;
  assert.ok(Math.abs(small - draws * 0.1) < 4 * Math.sqrt(draws * 0.1 * 0.9), `small drawn ${small} times`);
});

test('one task per batch, examples uniform with replacement within the task', () => {
  const n = 10;
  const sampler = new TaskSampler({ sizes: { only: n, empty: 0 }, temperature: 10, seed: 3, batchSize: 32 });
  const counts = new Array<number>(n).fill(0);
  const batches = 500;
  let repeats = 0;
  for (let i = 0; i < batches; i++) {
    const b = sampler.next();
    assert.equal(b.task, 'only');
    assert.equal(b.indices.length, 32);
    if (new Set(b.indices).size < b.indices.length) repeats++;
    for (const j of b.indices) {
      assert.ok(Number.isInteger(j) && j >= 0 && j < n);
      counts[j]++;
    }
  }
  assert.equal(repeats, batches, '32 draws from 10 examples always repeat one: drawing is with replacement');
  const total = batches * 32;
  const chi2 = counts.reduce((a, c) => a + (c - total / n) ** 2 / (total / n), 0);
  assert.ok(chi2 < chiSquareCritical(n - 1, Z_1E4), `index chi2 ${chi2.toFixed(2)}`);
});

test('same seed, same batches; state/restore (through JSON) continues the exact sequence', () => {
  const opts = { sizes: { a: 50, b: 300, c: 7 }, temperature: 2, seed: 123, batchSize: 4 };
  const reference = new TaskSampler(opts);
  const full = Array.from({ length: 200 }, () => reference.next());
  assert.deepEqual(Array.from({ length: 200 }, ((s) => () => s.next())(new TaskSampler(opts))), full);

  const first = new TaskSampler(opts);
  for (let i = 0; i < 77; i++) first.next();
  const saved = JSON.parse(JSON.stringify(first.state())) as TaskSamplerState;
  assert.equal(saved.batches, 77);
  const resumed = new TaskSampler(opts);
  resumed.next(); // its own position does not matter: restore overwrites it
  resumed.restore(saved);
  assert.equal(resumed.drawn, 77);
  assert.deepEqual(Array.from({ length: 123 }, () => resumed.next()), full.slice(77));

  const other = new TaskSampler({ ...opts, seed: 124 });
  assert.notDeepEqual(Array.from({ length: 20 }, () => other.next()), full.slice(0, 20));
});

test('restore refuses a state saved for other data or settings, and corrupt states', () => {
  const opts = { sizes: { a: 50, b: 300 }, temperature: 2, seed: 1, batchSize: 4 };
  const state = new TaskSampler(opts).state();
  for (const changed of [
    { ...opts, sizes: { a: 51, b: 300 } },
    { ...opts, sizes: { b: 300, a: 50 } },
    { ...opts, temperature: 10 },
    { ...opts, batchSize: 8 },
  ]) {
    assert.throws(() => new TaskSampler(changed).restore(state), (e: unknown) => e instanceof HyperloaderError && /cannot resume/.test(e.message));
  }
  const s = new TaskSampler(opts);
  assert.throws(() => s.restore({ ...state, rng: [0, 0, 0, 0] }), HyperloaderError);
  assert.throws(() => s.restore({ ...state, rng: [1, 2, 3] as unknown as TaskSamplerState['rng'] }), HyperloaderError);
  assert.throws(() => s.restore({ ...state, version: 3 as 1 }), HyperloaderError);
});

test('bad sizes, temperature and batch size are user errors', () => {
  const bad: TaskSamplerOptions[] = [
    { sizes: {}, temperature: 10, seed: 1, batchSize: 1 },
    { sizes: { a: 0 }, temperature: 10, seed: 1, batchSize: 1 },
    { sizes: { a: -1 }, temperature: 10, seed: 1, batchSize: 1 },
    { sizes: { a: 1.5 }, temperature: 10, seed: 1, batchSize: 1 },
    { sizes: { a: 5 }, temperature: 0, seed: 1, batchSize: 1 },
    { sizes: { a: 5 }, temperature: 10, seed: 1, batchSize: 0 },
    { sizes: { a: 5 }, temperature: 10, seed: -1, batchSize: 1 },
  ];
  for (const o of bad) assert.throws(() => new TaskSampler(o), HyperloaderError, JSON.stringify(o));
});

test('length grouping: same examples, uniformly drawn, batches of similar length, exact resume', () => {
  const n = 40;
  // Lengths 1..40 in a scrambled order, so index and length are unrelated.
  const lengths = Array.from({ length: n }, (_, i) => ((i * 17) % n) + 1);
  const opts = { sizes: { a: n, b: 5 }, temperature: 1e9, seed: 9, batchSize: 8, groupByLength: 10, lengths: { a: lengths, b: [3, 1, 4, 1, 5] } };
  const sampler = new TaskSampler(opts);
  const counts = new Array<number>(n).fill(0);
  let spread = 0;
  let batchesA = 0;
  for (let i = 0; i < 4000; i++) {
    const b = sampler.next();
    assert.equal(b.indices.length, 8);
    if (b.task !== 'a') continue;
    batchesA++;
    for (const j of b.indices) counts[j]++;
    const ls = b.indices.map((j) => lengths[j]);
    spread += Math.max(...ls) - Math.min(...ls);
  }
  // Still uniform with replacement within the task (chi-square over the 40 indices).
  const total = batchesA * 8;
  const chi2 = counts.reduce((a, c) => a + (c - total / n) ** 2 / (total / n), 0);
  assert.ok(chi2 < chiSquareCritical(n - 1, Z_1E4), `index chi2 ${chi2.toFixed(2)}`);
  // 80 draws sorted into 10 batches of 8: a batch spans about a tenth of the length range
  // (expected ≈ 3.5 here), where an ungrouped batch of 8 spans about 7/9 of it (≈ 30).
  assert.ok(spread / batchesA < 8, `mean length spread ${(spread / batchesA).toFixed(2)}`);
  // Tasks are still chosen by the temperature formula (T → ∞: half each).
  assert.ok(Math.abs(batchesA - 2000) < 4.5 * Math.sqrt(1000), `task a drawn ${batchesA} times`);

  // Resume in the middle of a pool continues the exact sequence.
  const reference = new TaskSampler(opts);
  const full = Array.from({ length: 60 }, () => reference.next());
  const first = new TaskSampler(opts);
  for (let i = 0; i < 23; i++) first.next();
  const saved = JSON.parse(JSON.stringify(first.state())) as TaskSamplerState;
  assert.equal(saved.version, 2);
  const resumed = new TaskSampler(opts);
  resumed.restore(saved);
  assert.deepEqual(Array.from({ length: 37 }, () => resumed.next()), full.slice(23));

  // Grouping on and off are different runs: a state of one does not resume the other.
  const plain = { ...opts, groupByLength: 0 };
  assert.throws(() => new TaskSampler(plain).restore(saved), (e: unknown) => e instanceof HyperloaderError && /cannot resume/.test(e.message));
  assert.throws(() => new TaskSampler(opts).restore(new TaskSampler(plain).state()), (e: unknown) => e instanceof HyperloaderError && /cannot resume/.test(e.message));
  assert.throws(() => new TaskSampler(opts).restore({ ...saved, pools: [[[99, 0, 0, 0, 0, 0, 0, 0]], []] }), /malformed/);
  // Off (0 or 1) draws exactly what the paper's sampler draws.
  const one = new TaskSampler({ ...opts, groupByLength: 1 });
  const off = new TaskSampler({ sizes: opts.sizes, temperature: opts.temperature, seed: opts.seed, batchSize: opts.batchSize });
  assert.deepEqual(Array.from({ length: 30 }, () => one.next()), Array.from({ length: 30 }, () => off.next()));
});
