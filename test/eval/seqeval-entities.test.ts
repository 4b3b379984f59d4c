/**
 * Entity extraction in both modes: the entities seqeval itself extracted for each edge case
 * (../shared/fixtures/seqeval/edge_cases.json), and hand-worked sequences for every strict scheme.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../helpers/paths.js';
import { parsePythonJson } from './pyjson.js';
import { getEntitiesDefault } from '../../src/eval/seqeval-default.js';
import { getEntitiesStrict, SchemeDecodeError, type Scheme } from '../../src/eval/seqeval-scheme.js';

interface EdgeCase {
  name: string;
  pred: string[][];
  default: { pred_entities: [string, number, number][] };
  strict_iob2: { pred_entities: [number, string, number, number][] } | { error: string };
}
const edgeCases = parsePythonJson(readFileSync(join(fixturesDir, 'seqeval', 'edge_cases.json'), 'utf8')) as EdgeCase[];

test('default mode extracts the entities seqeval extracts on every edge case', () => {
  for (const c of edgeCases) assert.deepEqual(getEntitiesDefault(c.pred), c.default.pred_entities, c.name);
});

test('strict IOB2 extracts the entities seqeval extracts, or raises its error, on every edge case', () => {
  for (const c of edgeCases) {
    if ('error' in c.strict_iob2) {
      const expected = c.strict_iob2.error;
      assert.throws(() => getEntitiesStrict(c.pred, 'IOB2'), (e) => e instanceof SchemeDecodeError && e.error === expected, c.name);
    } else {
      assert.deepEqual(getEntitiesStrict(c.pred, 'IOB2'), c.strict_iob2.pred_entities, c.name);
    }
  }
});

test('default mode: offsets count the O that seqeval puts after each sentence; E-/S- close chunks', () => {
  // joined: B-PER E-PER S-LOC | O | I-ORG B-ORG | O | O(final)
  assert.deepEqual(getEntitiesDefault([['B-PER', 'E-PER', 'S-LOC'], ['I-ORG', 'B-ORG']]), [
    ['PER', 0, 1],
    ['LOC', 2, 2],
    ['ORG', 4, 4],
    ['ORG', 5, 5],
  ]);
  // '.' is neutral for the type-change rule; a tag's type is what follows the first '-' of the rest.
  assert.deepEqual(getEntitiesDefault([['B--x', 'I--x', 'O']]), [['-x', 0, 1]]);
  assert.deepEqual(getEntitiesDefault([[]]), []);
});

const strict = (scheme: Scheme, tags: string[]) => getEntitiesStrict([tags], scheme).map(([, type, s, e]) => [type, s, e]);

test('strict IOB1: I- opens after O or another type, B- only separates two same-type entities', () => {
  assert.deepEqual(strict('IOB1', ['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC', 'I-ORG']), [
    ['PER', 0, 2],
    ['PER', 2, 3],
    ['LOC', 4, 5],
    ['ORG', 5, 6],
  ]);
});

test('strict IOB2: every entity starts with B-; a stray I- is dropped', () => {
  assert.deepEqual(strict('IOB2', ['B-PER', 'I-PER', 'I-LOC', 'O', 'B-LOC', 'B-LOC']), [
    ['PER', 0, 2],
    ['LOC', 4, 5],
    ['LOC', 5, 6],
  ]);
});

test('strict IOE1: E- ends an entity only before a same-type one', () => {
  assert.deepEqual(strict('IOE1', ['I-PER', 'E-PER', 'I-PER', 'O']), [
    ['PER', 0, 2],
    ['PER', 2, 3],
  ]);
});

test('strict IOE2: every entity ends with E-; one left open is dropped', () => {
  assert.deepEqual(strict('IOE2', ['I-PER', 'E-PER', 'E-LOC', 'O', 'E-PER', 'I-ORG', 'O']), [
    ['PER', 0, 2],
    ['LOC', 2, 3],
    ['PER', 4, 5],
  ]);
});

test('strict IOBES: B- … E- and S-; an unterminated B- is dropped', () => {
  assert.deepEqual(strict('IOBES', ['B-PER', 'I-PER', 'E-PER', 'S-LOC', 'S-LOC', 'B-ORG', 'O']), [
    ['PER', 0, 3],
    ['LOC', 3, 4],
    ['LOC', 4, 5],
  ]);
});

test('strict BILOU: B- … L- and U-; a type change inside drops the entity', () => {
  assert.deepEqual(strict('BILOU', ['U-PER', 'B-LOC', 'L-LOC', 'B-ORG', 'I-ORG', 'L-PER', 'O']), [
    ['PER', 0, 1],
    ['LOC', 1, 3],
  ]);
});

test("strict mode reads the type stripped of '-' and '_' when empty, and numbers entities per sentence", () => {
  assert.deepEqual(getEntitiesStrict([['B--a-b-', 'I-a-b'], ['O', 'B']], 'IOB2'), [
    [0, 'a-b', 0, 2],
    [1, '_', 1, 2],
  ]);
});

test("strict mode raises seqeval's errors: KeyError for a non-prefix, ValueError naming the allowed prefixes", () => {
  const error = (scheme: Scheme, sentences: string[][]) => {
    try {
      getEntitiesStrict(sentences, scheme);
    } catch (e) {
      if (e instanceof SchemeDecodeError) return e.error;
      throw e;
    }
    return 'no error';
  };
  assert.equal(error('BILOU', [['B-X', 'E-X']]), 'ValueError: Invalid token is found: E-X. Allowed prefixes are: I|O|B|U|L.');
  assert.equal(error('IOE2', [['B-X']]), 'ValueError: Invalid token is found: B-X. Allowed prefixes are: I|O|E.');
  assert.equal(error('IOBES', [['L-X']]), 'ValueError: Invalid token is found: L-X. Allowed prefixes are: I|O|B|E|S.');
  // A sentence is read whole before it is decoded: the KeyError of a later tag wins over an earlier ValueError.
  assert.equal(error('IOB2', [['E-X', 'xyz']]), "KeyError: 'x'");
  // …but an earlier sentence's ValueError comes first.
  assert.equal(error('IOB2', [['E-X'], ['xyz']]), 'ValueError: Invalid token is found: E-X. Allowed prefixes are: I|O|B.');
  assert.equal(error('IOB2', [["'Q"]]), `KeyError: "'"`);
});
