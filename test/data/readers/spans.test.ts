import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HyperloaderError } from '../../../src/errors.js';
import { readMtod } from '../../../src/data/readers/mtod.js';
import { readMtop } from '../../../src/data/readers/mtop.js';
import { fixturesDir } from '../../helpers/paths.js';

const mtodFile = readFileSync(join(fixturesDir, 'data-readers', 'mtod-eval-head.tsv'));
const fails = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof HyperloaderError && re.test(e.message));

test('mTOD: character offsets 15:23 cover "buy milk"; tokens are cased slices of the utterance', () => {
  const s = readMtod(mtodFile, 'eval-en.tsv');
  assert.equal(s.length, 16);
  assert.deepEqual(s[0], {
    tokens: ['Make', 'a', 'note', 'to', 'buy', 'milk'],
    tags: ['O', 'O', 'O', 'O', 'B-reminder/todo', 'I-reminder/todo'],
    intent: 'reminder/set_reminder',
  });
  // 16:21:reminder/todo,22:33:datetime over "Remind me of my paper on thursday"
  assert.deepEqual(s[1].tags, ['O', 'O', 'O', 'O', 'B-reminder/todo', 'B-datetime', 'I-datetime']);
});

test('mTOD: overlapping slots — the earlier one keeps the shared token (the test-en "5:00,5:10," line)', () => {
  const s = readMtod(mtodFile, 'eval-en.tsv');
  const last = s[s.length - 1];
  // tokens (from tokenSpans): please schedule the alarm to go off at 5 : 00,5 : 10 , and 5 : 20 AM every day
  // slots: 36:43 "at 5:00" → at 5 : 00,5 (00,5 spans 41–45);  44:48 "5:10" → 00,5 (taken) : 10;  54:71 "5:20 AM every day"
  assert.deepEqual(last.tokens.slice(7, 14), ['at', '5', ':', '00,5', ':', '10', ',']);
  assert.deepEqual(last.tags.slice(7), [
    'B-datetime', 'I-datetime', 'I-datetime', 'I-datetime', // at 5 : 00,5
    'B-datetime', 'I-datetime', // : 10 — the second slot without its shared token opens anew
    'O', 'O', // , and
    'B-datetime', 'I-datetime', 'I-datetime', 'I-datetime', 'I-datetime', 'I-datetime', // 5 : 20 AM every day
  ]);
});

test('mTOD with whitespace tokenization: a word overlapping a span is tagged ("Mom\'s")', () => {
  const line = "reminder/set_reminder\t31:42:reminder/todo\tWhen I leave here remind me to stop at Mom's\ten_XX\t{}\n";
  const s = readMtod(line, 'x.tsv', { tokenization: 'whitespace' });
  assert.deepEqual(s[0].tags, ['O', 'O', 'O', 'O', 'O', 'O', 'O', 'B-reminder/todo', 'I-reminder/todo', 'I-reminder/todo']);
});

test('MTOP: 8 columns, SL: prefix dropped, offsets in code points (an emoji before the slot)', () => {
  // Hand-made line in the official layout. "😀 call Mary now": 😀 is one code point (two UTF-16 units).
  const json = JSON.stringify({ tokens: ['😀', 'call', 'Mary', 'now'], tokenSpans: [{ start: 0, length: 1 }, { start: 2, length: 4 }, { start: 7, length: 4 }, { start: 12, length: 3 }] });
  const line = ['3', 'IN:CREATE_CALL', '7:11:SL:CONTACT', '😀 call Mary now', 'calling', 'en_XX', '[IN:CREATE_CALL call [SL:CONTACT Mary ] now ]', json].join('\t');
  const s = readMtop(`${line}\n`, 'en/train.txt');
  assert.deepEqual(s, [{ tokens: ['😀', 'call', 'Mary', 'now'], tags: ['O', 'O', 'B-CONTACT', 'O'], intent: 'IN:CREATE_CALL' }]);
});

test('malformed span files: off the text, bad slot, bad JSON, wrong column count, slot on no token', () => {
  const tsv = (slots: string, text = 'set an alarm', json = '{"tokenizations":[{"tokens":["set","an","alarm"],"tokenSpans":[{"start":0,"length":3},{"start":4,"length":2},{"start":7,"length":5}]}]}') =>
    `alarm/set_alarm\t${slots}\t${text}\ten_XX\t${json}\n`;
  fails(() => readMtod(tsv('7:13:x'), 'f.tsv'), /^f\.tsv:1: slot "7:13:x" is off the text/);
  fails(() => readMtod(tsv('5:3:x'), 'f.tsv'), /^f\.tsv:1: slot "5:3:x" is off the text/);
  fails(() => readMtod(tsv('7-12:x'), 'f.tsv'), /^f\.tsv:1: bad slot/);
  fails(() => readMtod(tsv('', 'set an alarm', '{"tok'), 'f.tsv'), /^f\.tsv:1: the tokens column is not valid JSON/);
  fails(() => readMtod(tsv('', 'set an alarm', '{"tokens":[]}'), 'f.tsv'), /no tokenSpans/);
  fails(() => readMtod('a\tb\tc\n', 'f.tsv'), /^f\.tsv:1: expected 5 TAB-separated columns/);
  fails(() => readMtod(tsv('3:4:x'), 'f.tsv'), /^f\.tsv:1: slot 3:4:x covers no word token/);
  assert.deepEqual(readMtod(tsv('7:12:alarm/noun'), 'f.tsv')[0].tags, ['O', 'O', 'B-alarm/noun']);
});
