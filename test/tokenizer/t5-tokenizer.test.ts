import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../helpers/paths.js';
import { T5Tokenizer } from '../../src/tokenizer/t5-tokenizer.js';
import { HyperloaderError } from '../../src/errors.js';

/** Reference ids from sentencepiece 0.1.97 with the real T5 spiece.model (see the fixture README). */
const casesPath = process.env.HYPERLOADER_TOKENIZER_CASES ?? join(fixturesDir, 'tokenizer', 'expected_ids.jsonl');
const cases = readFileSync(casesPath, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l, i) => ({ line: i + 1, ...(JSON.parse(l) as { text: string; ids: number[] }) }));

test(`every line of ${casesPath} encodes to exactly the reference ids`, async () => {
  const tok = await T5Tokenizer.default();
  assert.ok(cases.length > 0, 'no cases read');
  const misses = cases.filter((c) => JSON.stringify(tok.encode(c.text)) !== JSON.stringify(c.ids));
  const show = misses.slice(0, 5).map((c) => `line ${c.line} ${JSON.stringify(c.text)}\n  expected ${JSON.stringify(c.ids)}\n  got      ${JSON.stringify(tok.encode(c.text))}`);
  assert.equal(misses.length, 0, `${misses.length} of ${cases.length} lines differ:\n${show.join('\n')}`);
});

test('well-known ids, special ids and sentinels (hand-checked against the T5 vocabulary)', async () => {
  const tok = await T5Tokenizer.default();
  assert.deepEqual(tok.encode('Hello world!'), [8774, 296, 55, 1]);
  assert.deepEqual(tok.encode('Hello world!', { addEos: false }), [8774, 296, 55]);
  assert.equal(tok.vocabSize, 32100);
  assert.deepEqual([tok.padId, tok.eosId, tok.unkId], [0, 1, 2]);
  assert.equal(tok.sentinelId(0), 32099);
  assert.equal(tok.sentinelId(99), 32000);
  assert.equal(tok.idToToken(tok.sentinelId(7)), '<extra_id_7>');
  assert.equal(tok.sentinelIndex(32099 - 41), 41);
  assert.equal(tok.sentinelIndex(8774), -1);
  assert.throws(() => tok.sentinelId(100), RangeError);
  assert.deepEqual(tok.encode('<extra_id_0><extra_id_1>'), [32099, 32098, 1]);
  assert.deepEqual(tok.encode(''), [1]);
  assert.deepEqual(tok.encode(' \t\n '), [1]);
});

test('the score tie that @huggingface/tokenizers breaks differently: `hhhhh` after a long prefix', async () => {
  // Pieces: h=107, hhh=24303. Both `h hhh h` and `h h hhh` sum to the same real score; sentencepiece's
  // float32 running sum over the whole sentence picks `h hhh h` (reference line 199).
  const tok = await T5Tokenizer.default();
  const ids = tok.encode('I should not be awake at this hour on a Saturday . Blerghhhhh .');
  const at = ids.indexOf(122); // g
  assert.deepEqual(ids.slice(at, at + 5), [122, 107, 24303, 107, 3]);
});

test('truncation keeps </s> last, like Hugging Face', async () => {
  const tok = await T5Tokenizer.default();
  const full = tok.encode('show nonstop flights from new york to miami');
  assert.ok(full.length > 6);
  const cut = tok.encode('show nonstop flights from new york to miami', { maxLength: 5 });
  assert.deepEqual(cut, [...full.slice(0, 4), 1]);
  assert.deepEqual(tok.encode('show nonstop flights', { maxLength: 3, addEos: false }), full.slice(0, 3));
  assert.deepEqual(tok.encode('show', { maxLength: 50 }), tok.encode('show'));
  assert.deepEqual(tok.encode('show nonstop', { maxLength: 1 }), [1]);
  assert.throws(() => tok.encode('x', { maxLength: 0 }), RangeError);
});

test('Sentinel+Tag strings round-trip through decode', async () => {
  const tok = await T5Tokenizer.default();
  const target = '<extra_id_0> O <extra_id_1> B-fromloc.city_name <extra_id_2>';
  const source = '<extra_id_0> show <extra_id_1> me <extra_id_2> flights to <extra_id_3> Zürich <extra_id_4>';
  for (const text of [target, source]) {
    assert.equal(tok.decode(tok.encode(text, { addEos: false })), text);
    assert.equal(tok.decode(tok.encode(text)), `${text} </s>`);
  }
  assert.equal(tok.decode(tok.encode(target), { skipSpecialTokens: true }), 'O B-fromloc.city_name');
  assert.equal(tok.decode(tok.encode(source), { skipSpecialTokens: true }), 'show me flights to Zürich');
  // Plain text: sentencepiece-style joining (▁ → space, no leading space).
  assert.equal(tok.decode([8774, 296, 55, 1], { skipSpecialTokens: true }), 'Hello world!');
  // Padding and unused embedding rows (T5 models have 32128) never crash decoding.
  assert.equal(tok.decode([8774, 1, 0, 0], { skipSpecialTokens: true }), 'Hello');
  assert.equal(tok.decode([8774, 32127], { skipSpecialTokens: true }), 'Hello');
  assert.equal(tok.decode([8774, 2, 296]), 'Hello <unk> world');
});

test('a file that is not a unigram tokenizer.json is a HyperloaderError naming the file', async () => {
  await assert.rejects(T5Tokenizer.fromFile('/nonexistent/tokenizer.json'), (e: unknown) => e instanceof HyperloaderError && /nonexistent\/tokenizer\.json/.test(e.message));
  assert.throws(() => T5Tokenizer.fromJson({ model: { type: 'BPE' } }, 'x.json'), (e: unknown) => e instanceof HyperloaderError && /x\.json.*Unigram/.test(e.message));
});
