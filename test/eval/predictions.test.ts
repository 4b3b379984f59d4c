import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HyperloaderError } from '../../src/errors.js';
import { parseConllColumns } from '../../src/eval/conll-file.js';
import { predictionsPath, predictionsText, writePredictions } from '../../src/eval/predictions.js';

const rows = [
  { tokens: ['show', 'me', 'boston'], gold: ['O', 'O', 'B-city'], pred: ['O', 'B-city', 'O'] },
  { tokens: ['hi'], gold: ['O'], pred: ['O'] },
];

test('token gold pred lines, a blank line between sentences', () => {
  assert.equal(predictionsText(rows), 'show O O\nme O B-city\nboston B-city O\n\nhi O O\n');
});

test('whitespace inside tokens and tags becomes _, so the columns hold; -DOCSTART- as a token is kept as a token', () => {
  const text = predictionsText([
    { tokens: ['New York', 'a\u00a0b', '-DOCSTART-'], gold: ['B-time zone', 'O', 'O'], pred: ['B-time zone', 'O', 'B-x'] },
  ]);
  assert.equal(text, 'New_York B-time_zone B-time_zone\na_b O O\n_-DOCSTART- O B-x\n');
  const cols = parseConllColumns(text, 'p.txt');
  assert.deepEqual(cols.gold, [['B-time_zone', 'O', 'O']]);
  assert.deepEqual(cols.pred, [['B-time_zone', 'O', 'B-x']]);
});

test('a sentence with no scored word writes no lines (and no doubled break)', () => {
  const text = predictionsText([rows[0]!, { tokens: [], gold: [], pred: [] }, rows[1]!]);
  assert.equal(text, predictionsText(rows));
  assert.equal(predictionsText([]), '');
});

test('rows whose columns do not line up are refused', () => {
  assert.throws(() => predictionsText([{ tokens: ['a', 'b'], gold: ['O', 'O'], pred: ['O'] }]), /sentence 1: 2 tokens, 2 gold tags, 1 predicted tags/);
});

test('writePredictions writes predictions/<task>.<split>.txt atomically, replacing an older file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-pred-'));
  try {
    mkdirSync(join(dir, 'predictions'));
    writeFileSync(join(dir, 'predictions', 'atis.dev.txt'), 'old\n');
    const file = await writePredictions(dir, 'atis', 'dev', rows);
    assert.equal(file, join(dir, 'predictions', 'atis.dev.txt'));
    assert.equal(readFileSync(file, 'utf8'), predictionsText(rows));
    assert.deepEqual(readdirSync(join(dir, 'predictions')), ['atis.dev.txt']); // no temp file left
    // The predictions folder is created when missing.
    const other = await writePredictions(join(dir, 'sub'), 'snips', 'test', rows);
    assert.equal(readFileSync(other, 'utf8'), predictionsText(rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a task or split name that is not a plain file name is a user error', () => {
  for (const [task, split] of [
    ['a/b', 'dev'],
    ['..', 'dev'],
    ['atis', ''],
  ]) {
    assert.throws(() => predictionsPath('/tmp/run', task!, split!), (e: unknown) => e instanceof HyperloaderError && /cannot be part of a file name/.test(e.message));
  }
});
