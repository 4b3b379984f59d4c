import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HyperloaderError } from '../../../src/errors.js';
import { readSeqio } from '../../../src/data/readers/seqio.js';
import { fixturesDir } from '../../helpers/paths.js';

const dir = join(fixturesDir, 'data-readers', 'atis-train-head');
const f = (name: string) => ({ input: readFileSync(join(dir, name)), file: `atis/train/${name}` });

test('ATIS snippet: seq.in / seq.out / label', () => {
  const s = readSeqio({ seqIn: f('seq.in'), seqOut: f('seq.out'), label: f('label') });
  assert.equal(s.length, 12);
  assert.deepEqual(s[0], {
    tokens: ['i', 'want', 'to', 'fly', 'from', 'baltimore', 'to', 'dallas', 'round', 'trip'],
    tags: ['O', 'O', 'O', 'O', 'O', 'B-fromloc.city_name', 'O', 'B-toloc.city_name', 'B-round_trip', 'I-round_trip'],
    intent: 'atis_flight',
  });
  assert.equal(s[1].intent, 'atis_airfare');
  const noLabel = readSeqio({ seqIn: f('seq.in'), seqOut: f('seq.out') });
  assert.equal(noLabel[0].intent, undefined);
});

test('malformed seq.in/seq.out: line counts, tag counts, bad tag, empty line', () => {
  const t = (i: string, o: string) => readSeqio({ seqIn: { input: i, file: 'seq.in' }, seqOut: { input: o, file: 'seq.out' } });
  const fails = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof HyperloaderError && re.test(e.message));
  fails(() => t('a b\nc\n', 'O O\n'), /seq\.in has 2 lines but seq\.out has 1/);
  fails(() => t('a b\nc\n', 'O O\nO O\n'), /^seq\.out:2: 2 tag\(s\) for 1 token/);
  fails(() => t('a b\n', 'O b-x\n'), /^seq\.out:1: bad tag "b-x"/);
  fails(() => t('a\n\nb\n', 'O\n\nO\n'), /^seq\.in:2: empty utterance/);
  fails(() => readSeqio({ seqIn: { input: 'a\n', file: 'seq.in' }, seqOut: { input: 'O\n', file: 'seq.out' }, label: { input: 'x\ny\n', file: 'label' } }), /label has 2/);
});
