import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HyperloaderError } from '../../src/errors.js';
import { carveDev, devSizeFor, lowResourceCount, lowResourceSubset } from '../../src/data/splits.js';
import { fnv1a32, seededPermutation, splitPrng } from '../../src/data/splits-prng.js';

test('MIT dev carve reproduces SPEC §6: 7,816 → 7,034/782; 9,775 → 8,797/978; 7,660 → 6,894/766', () => {
  for (const [n, train, dev] of [
    [7816, 7034, 782],
    [9775, 8797, 978],
    [7660, 6894, 766],
  ]) {
    assert.equal(devSizeFor(n), dev);
    const items = Array.from({ length: n }, (_, i) => i);
    const c = carveDev(items, 42, 'mit');
    assert.equal(c.train.length, train);
    assert.equal(c.dev.length, dev);
  }
});

test('low-resource floor(p × n): the totals of SPEC §6 (8,644 / 17,291 / 43,236 of 86,475)', () => {
  const trains = [7034, 8797, 6894, 4478, 13084, 30521, 15667]; // SPEC §6 train sizes, the seven tasks
  assert.equal(trains.reduce((a, b) => a + b), 86475);
  for (const [p, total] of [
    [0.1, 8644],
    [0.2, 17291],
    [0.5, 43236],
  ]) {
    assert.equal(trains.reduce((a, n) => a + lowResourceCount(n, p), 0), total, `p = ${p}`);
  }
  // products that are whole in exact arithmetic keep their value (0.29 × 100 = 28.999… in floats)
  assert.equal(lowResourceCount(100, 0.29), 29);
  assert.equal(lowResourceCount(100, 1), 100);
  assert.throws(() => lowResourceCount(10, 0), HyperloaderError);
  assert.throws(() => lowResourceCount(10, 1.5), HyperloaderError);
});

test('FNV-1a 32 matches the published test vectors', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
});

test('split generator and permutation match an independent Python implementation (splitmix32 over FNV-1a)', () => {
  // Values computed with a separate Python implementation of the same definition.
  const g = splitPrng(42, 'demo');
  assert.deepEqual([g.next(), g.next(), g.next()], [2816488741, 75067282, 3652284768]);
  assert.deepEqual(seededPermutation(10, 42, 'k/carve-dev'), [1, 5, 7, 2, 8, 9, 3, 4, 6, 0]);
  assert.deepEqual(seededPermutation(10, 7, 'k/carve-dev'), [8, 1, 6, 7, 0, 3, 9, 2, 5, 4]);
  // so the dev sentence carved from ten with seed 42 under key "k" is item 1
  assert.deepEqual(carveDev(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], 42, 'k').dev, ['b']);
});

test('carving is a partition in file order, stable per seed, different across seeds and datasets', () => {
  const items = Array.from({ length: 1000 }, (_, i) => i);
  const a = carveDev(items, 42, 'x');
  assert.deepEqual(carveDev(items, 42, 'x'), a);
  assert.deepEqual([...a.train, ...a.dev].sort((p, q) => p - q), items);
  for (const part of [a.train, a.dev]) for (let i = 1; i < part.length; i++) assert.ok(part[i] > part[i - 1]);
  assert.notDeepEqual(carveDev(items, 43, 'x').dev, a.dev);
  assert.notDeepEqual(carveDev(items, 42, 'y').dev, a.dev);
});

test('low-resource subsets are nested (10% ⊂ 20% ⊂ 50%), ordered, and seeded', () => {
  const items = Array.from({ length: 997 }, (_, i) => i);
  const s10 = lowResourceSubset(items, 0.1, 42, 'atis', 'train');
  const s20 = lowResourceSubset(items, 0.2, 42, 'atis', 'train');
  const s50 = lowResourceSubset(items, 0.5, 42, 'atis', 'train');
  assert.deepEqual([s10.length, s20.length, s50.length], [99, 199, 498]);
  const in20 = new Set(s20);
  const in50 = new Set(s50);
  assert.ok(s10.every((x) => in20.has(x)) && s20.every((x) => in50.has(x)));
  for (let i = 1; i < s20.length; i++) assert.ok(s20[i] > s20[i - 1]);
  assert.deepEqual(lowResourceSubset(items, 0.2, 42, 'atis', 'train'), s20);
  assert.notDeepEqual(lowResourceSubset(items, 0.2, 42, 'atis', 'dev'), s20);
  assert.deepEqual(lowResourceSubset(items, 1, 42, 'atis', 'train'), items);
});
