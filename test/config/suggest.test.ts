import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance } from '../../src/config/suggest.js';

test('edit distance: hand-computed cases', () => {
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('lrr', 'lr'), 1);
  assert.equal(editDistance('bacth', 'batch'), 1, 'a transposition is one edit');
  assert.equal(editDistance('same', 'same'), 0);
});

test('closest: typos and prefixes match; unrelated words do not', () => {
  const keys = ['steps', 'batch_size', 'lr', 'warmup_steps', 'temperature'];
  assert.equal(closest('lrr', keys), 'lr');
  assert.equal(closest('bacth_size', keys), 'batch_size');
  assert.equal(closest('warmup', keys), 'warmup_steps');
  assert.equal(closest('Temprature', keys), 'temperature');
  assert.equal(closest('optimizer', keys), undefined);
});
