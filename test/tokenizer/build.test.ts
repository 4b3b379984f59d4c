import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTaskTokenizer } from '../../src/tokenizer/build.js';
import { WordLevelTokenizer } from '../../src/tokenizer/word-level.js';

// Counted by hand: flights×3, to×2, Boston×1, boston×1, from×1.
const train = [
  ['flights', 'to', 'Boston'],
  ['flights', 'from', 'boston'],
  ['flights', 'to'],
];
// `toloc.city_name` and `Actor` are types; `depart_date` appears only in a test sentence.
const tags = ['O', 'I', 'toloc.city_name', 'Actor', 'depart_date'];

test('tokenizer build: every tag kept whatever its count, words by min-count, coverage of held-out words', () => {
  const { tokenizer, report } = buildTaskTokenizer({ train, tags, heldOut: { dev: [{ tokens: ['flights', 'to', 'Denver'], tags: ['O', 'O', 'B-toloc.city_name'] }] } }, { minCount: 2 });
  // Tags first (in the given order), then words seen ≥ 2 times by frequency: flights, to.
  assert.deepEqual([3, 4, 5, 6, 7, 8, 9].map((i) => tokenizer.idToToken(i)), [...tags, 'flights', 'to']);
  assert.equal(tokenizer.vocabSize, 3 + 5 + 2 + 100);
  assert.deepEqual([report.words, report.tags, report.vocabSize], [2, 5, 110]);
  // Denver is unknown, and it is the one entity word.
  assert.deepEqual(report.coverage.dev, { tokens: 3, unknown: 1, entityTokens: 1, entityUnknown: 1 });
  // A tag seen only in test still encodes as itself and decodes back: gold can always be written.
  const target = '<extra_id_0> depart_date <extra_id_1> I <extra_id_2>';
  const ids = tokenizer.encode(target);
  assert.ok(!ids.includes(tokenizer.unkId));
  assert.equal(tokenizer.decode(ids, { skipSpecialTokens: true }), 'depart_date I');
  // min-count 1 keeps the once-seen words too, case-sensitively.
  const all = buildTaskTokenizer({ train, tags }, { minCount: 1 }).tokenizer;
  assert.ok(['Boston', 'boston', 'from'].every((w) => all.tokenToId(w) !== undefined));
});

test('tokenizer build --lowercase: words counted lowercased, looked up lowercased; tags keep their case; survives tokenizer.json', () => {
  const { tokenizer } = buildTaskTokenizer({ train, tags }, { minCount: 2, lowercase: true });
  // boston is seen twice once lowercased.
  assert.ok(tokenizer.tokenToId('boston') !== undefined && tokenizer.tokenToId('Boston') === undefined);
  const boston = tokenizer.tokenToId('boston')!;
  assert.deepEqual(tokenizer.encode('BOSTON Boston boston', { addEos: false }), [boston, boston, boston]);
  // `Actor` is matched as written before any lowercasing, so a cased type decodes unchanged.
  assert.equal(tokenizer.decode(tokenizer.encode('Actor', { addEos: false })), 'Actor');
  const reread = WordLevelTokenizer.fromJson(JSON.parse(JSON.stringify(tokenizer.toJson())));
  assert.equal(reread.lowercase, true);
  assert.deepEqual(reread.encode('FLIGHTS to Boston'), tokenizer.encode('FLIGHTS to Boston'));
  const plain = buildTaskTokenizer({ train, tags }, { minCount: 2 }).tokenizer;
  assert.equal(WordLevelTokenizer.fromJson(JSON.parse(JSON.stringify(plain.toJson()))).lowercase, false);
  assert.equal(plain.encode('FLIGHTS', { addEos: false })[0], plain.unkId);
});

test('unknown-word shapes: an unknown word becomes the token of its shape, a known one stays itself', () => {
  const { tokenizer, report } = buildTaskTokenizer({ train, tags, heldOut: { test: [{ tokens: ['Denver', 'flights', '1,200', 'NASA'], tags: ['B-LOC', 'O', 'O', 'B-ORG'] }] } }, { minCount: 2, unknownShapes: true });
  const enc = (w: string) => tokenizer.idToToken(tokenizer.encode(w, { addEos: false })[0]!);
  // Hand-classified words: case pattern, digits, punctuation.
  const cases: [string, string][] = [
    ['Denver', '<unk:Cap>'],
    ['NASA', '<unk:CAPS>'],
    ['A', '<unk:Cap>'],
    ['zürich', '<unk:lower>'],
    ['1,200', '<unk:num>'],
    ['3.5', '<unk:num>'],
    ['F-16', '<unk:alnum>'],
    ['--', '<unk:punct>'],
    ['eBay', '<unk:mixed>'],
    ['flights', 'flights'],
  ];
  for (const [w, want] of cases) assert.equal(enc(w), want, w);
  // Unknown: Denver, 1,200, NASA; inside entities: Denver and NASA, both unknown.
  assert.deepEqual(report.coverage.test, { tokens: 4, unknown: 3, entityTokens: 2, entityUnknown: 2 });
  assert.equal(report.words, 2);
  const reread = WordLevelTokenizer.fromJson(JSON.parse(JSON.stringify(tokenizer.toJson())));
  assert.equal(reread.unknownShapes, true);
  assert.deepEqual(reread.encode('Denver NASA flights'), tokenizer.encode('Denver NASA flights'));
});
