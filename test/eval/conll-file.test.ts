/** Reading gold/pred column files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HyperloaderError } from '../../src/errors.js';
import { parseConllColumns } from '../../src/eval/conll-file.js';

test('last two columns are gold and prediction; blank lines and -DOCSTART- separate sentences', () => {
  const text = '\uFEFF-DOCSTART- -X- O O\n\nshow O O\nboston B-LOC I-LOC\n\n\n-DOCSTART- -X- O O\nx\tB-PER\tB-PER\r\n  \n';
  const c = parseConllColumns(text, 'f.txt');
  assert.deepEqual(c.gold, [['O', 'B-LOC'], ['B-PER']]);
  assert.deepEqual(c.pred, [['O', 'I-LOC'], ['B-PER']]);
  assert.deepEqual(c.lines, [[3, 4], [8]]);
  // A -DOCSTART- line right after a sentence ends it even without a blank line.
  assert.deepEqual(parseConllColumns('a O O\n-DOCSTART- O O\nb O O\n', 'g').gold, [['O'], ['O']]);
  // Two columns (no token) are fine too.
  assert.deepEqual(parseConllColumns('B-X I-X\n', 'g').pred, [['I-X']]);
});

test('bad input names the file and line and says how to fix it', () => {
  const bad = (text: string, pattern: RegExp) =>
    assert.throws(() => parseConllColumns(text, 'data/p.txt'), (e) => e instanceof HyperloaderError && pattern.test(e.message));
  bad('a O O\nb O\n', /^data\/p\.txt:2: 2 columns, but line 1 has 3;/);
  bad('a O O\n\nB-PER\n', /^data\/p\.txt:3: expected at least 2 whitespace-separated columns .* found 1 \("B-PER"\)/);
  bad('\n\n-DOCSTART- O O\n', /^data\/p\.txt: no token lines found/);
});

test('a file missing its prediction column, and a prefix without a type, are refused with the line', () => {
  const bad = (text: string, pattern: RegExp) =>
    assert.throws(() => parseConllColumns(text, 'p.txt'), (e) => e instanceof HyperloaderError && pattern.test(e.message));
  // token + gold only: the tokens would be read as gold tags and nothing would ever match.
  bad('Austin B-PER\nBerg I-PER\njoined O\n', /^p\.txt: the second-to-last column, read as the gold tags, holds no tag at all \(line 1: "Austin B-PER"\)\..*"token gold" without predictions/);
  // gold + token (columns swapped the other way): the prediction column holds no tag.
  bad('x B-PER Austin\ny O Berg\n', /^p\.txt: the last column, read as the predicted tags, holds no tag at all/);
  bad('a O O\nb B- B-X\n', /^p\.txt:2: the gold tag "B-" has no entity type after its prefix/);
  bad('a O I-\n', /^p\.txt:1: the predicted tag "I-" has no entity type/);
  // A prediction of all O is still a prediction (a column of tags).
  assert.deepEqual(parseConllColumns('a B-X O\nb I-X O\n', 'g').pred, [['O', 'O']]);
});
