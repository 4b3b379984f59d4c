import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildWordLevelTokenizer } from '../../src/tokenizer/word-level.js';
import { T5Tokenizer } from '../../src/tokenizer/t5-tokenizer.js';
import { toSource } from '../../src/data/sentinel.js';
import { windowsOf } from '../../src/eval/tag.js';
import { cli, tinyConfig } from '../train/run-helpers.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i % 7}`);

test('windowsOf: word-level source is 2k + 2 ids for k words, so 128 tokens hold 63 words; 99 words at most', () => {
  const tok = buildWordLevelTokenizer([words(7)]);
  assert.deepEqual(windowsOf(words(250), tok, 128), [[0, 63], [63, 126], [126, 189], [189, 250]]);
  assert.deepEqual(windowsOf(words(250), tok, 512), [[0, 99], [99, 198], [198, 250]]);
  assert.deepEqual(windowsOf(words(63), tok, 128), [[0, 63]]);
  assert.deepEqual(windowsOf(words(1), tok, 3), [[0, 1]]);
});

test('windowsOf with the T5 tokenizer: every window fits, and one more word would not', async () => {
  const t5 = await T5Tokenizer.default();
  const tokens = 'the flight from San Francisco to Düsseldorf departs at 10:45 on 2024-03-01 via Frankfurt'.split(' ');
  const long = Array.from({ length: 12 }, () => tokens).flat();
  const ws = windowsOf(long, t5, 128);
  assert.ok(ws.length > 1);
  assert.equal(ws[0]![0], 0);
  assert.equal(ws.at(-1)![1], long.length);
  ws.forEach(([a, b], i) => {
    if (i > 0) assert.equal(a, ws[i - 1]![1]);
    assert.ok(t5.encode(toSource(long.slice(a, b))).length <= 128, `window ${i}`);
    if (b < long.length) assert.ok(t5.encode(toSource(long.slice(a, b + 1))).length > 128, `window ${i} could hold one more word`);
  });
});

test('predict tags every word of a sentence longer than the model reads at once, and says so', () => {
  const { file, runs } = tinyConfig();
  assert.equal(cli(['train', '--config', file, '--quiet', '--set', 'training.steps=4', '--set', 'eval.splits=[]']).status, 0);
  const sentence = Array.from({ length: 180 }, (_, i) => ['flights', 'from', 'boston', 'to', 'denver'][i % 5]!);
  const r = cli(['predict', '--run', join(runs, 'tiny'), '--task', 'demo_slots', '--json', sentence.join(' ')]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.tags.length, 180);
  assert.deepEqual(out.tokens, sentence);
  assert.match(r.stderr, /sentence 1 has 180 words, more than the model reads at once \(99 words and data\.max_source_length 128 tokens\): tagged in 3 consecutive windows/);
});
