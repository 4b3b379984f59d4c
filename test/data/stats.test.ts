import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, splitStats } from '../../src/data/stats.js';
import type { Sentence } from '../../src/data/types.js';

test('nearest-rank percentiles', () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(v, 50), 5);
  assert.equal(percentile(v, 90), 9);
  assert.equal(percentile(v, 99), 10);
  assert.equal(percentile([7], 50), 7);
  assert.equal(percentile([], 50), 0);
});

const sent = (n: number, tags?: string[]): Sentence => ({ tokens: Array.from({ length: n }, (_, i) => `w${i}`), tags: tags ?? new Array(n).fill('O') });

test('split stats: counts, labels, entities, limits', () => {
  const s = [
    sent(3, ['B-PER', 'I-PER', 'O']),
    sent(2, ['I-LOC', 'B-LOC']), // a leading I- and a B- after it: two LOC entities
    sent(63), // 2·63 + 2 = 128 tokens: at the limit, not over
    sent(64), // 130: over 128
    sent(100), // over the 99-word sentinel limit too
  ];
  const st = splitStats(s);
  assert.equal(st.sentences, 5);
  assert.equal(st.tokens, 3 + 2 + 63 + 64 + 100);
  assert.deepEqual(st.labels, { 'B-LOC': 1, 'B-PER': 1, 'I-LOC': 1, 'I-PER': 1, O: 1 + 63 + 64 + 100 });
  assert.deepEqual(st.entity_types, { LOC: 2, PER: 1 });
  // entities of 2 (PER), 1 and 1 (LOC) words: nearest-rank p50 of [1, 1, 2] is 1, mean 4/3
  assert.deepEqual(st.entity_length, { p50: 1, p90: 2, p99: 2, max: 2, mean: 1.33 });
  assert.deepEqual(st.length, { p50: 63, p90: 100, p99: 100, max: 100, mean: 46.4 });
  assert.equal(st.over_sentinel_limit, 1);
  assert.deepEqual(st.over_token_limit, { source: 2, target: 2 });
  assert.equal(st.intents, undefined);
  // with a real tokenizer count instead of the lower bound
  const exact = splitStats(s, { countTokens: (x) => ({ source: 3 * x.tokens.length, target: x.tokens.length }) });
  assert.deepEqual(exact.over_token_limit, { source: 3, target: 0 });
  assert.equal(exact.token_count, 'tokenizer');
});
