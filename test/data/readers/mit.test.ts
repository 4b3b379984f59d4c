import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HyperloaderError } from '../../../src/errors.js';
import { readMit } from '../../../src/data/readers/mit.js';
import { fixturesDir } from '../../helpers/paths.js';

const dir = join(fixturesDir, 'data-readers');

test('MIT trivia snippet: tag first, CRLF stripped', () => {
  const s = readMit(readFileSync(join(dir, 'trivia-train-head.bio')), 'trivia10k13train.bio');
  assert.equal(s.length, 6);
  // First lines of trivia10k13train.bio: B-Actor steve / I-Actor mcqueen / O provided / O a / B-Plot thrilling …
  assert.deepEqual(s[0].tokens.slice(0, 5), ['steve', 'mcqueen', 'provided', 'a', 'thrilling']);
  assert.deepEqual(s[0].tags.slice(0, 5), ['B-Actor', 'I-Actor', 'O', 'O', 'B-Plot']);
  for (const x of s) for (const t of [...x.tokens, ...x.tags]) assert.doesNotMatch(t, /\r/);
});

test('MIT movie: the tag-first .bio and the token-first .bio.txt give the same sentences', () => {
  const a = readMit(readFileSync(join(dir, 'engtrain-head.bio')), 'engtrain.bio');
  const b = readMit(readFileSync(join(dir, 'engtrain-head.bio.txt')), 'engtrain.bio.txt');
  assert.equal(a.length, 8);
  assert.deepEqual(a, b);
  assert.deepEqual(a[0].tokens, ['what', 'movies', 'star', 'bruce', 'willis']);
  assert.deepEqual(a[0].tags, ['O', 'O', 'O', 'B-ACTOR', 'I-ACTOR']);
});

test('MIT restaurant test: token first, space separated, no final newline', () => {
  const s = readMit(readFileSync(join(dir, 'restauranttest-head.tokenfirst.txt')), 'test.txt');
  assert.equal(s.length, 5);
  for (const x of s) {
    assert.equal(x.tokens.length, x.tags.length);
    for (const t of x.tags) assert.match(t, /^(O|[BI]-[A-Z][a-z_A-Z]*)$/);
  }
});

test('malformed MIT files: bad tags in both columns, three columns, a word with a space', () => {
  const fails = (text: string, re: RegExp) => assert.throws(() => readMit(text, 'x.bio'), (e: unknown) => e instanceof HyperloaderError && re.test(e.message));
  fails('O\ta\nB-X\tb\nfoo\tc\n', /^x\.bio:3: bad tag "foo"/);
  fails('O a b\n', /^x\.bio:1: expected two columns/);
  fails('O\tnew york\n', /^x\.bio:1: expected a tag and a word/);
});
