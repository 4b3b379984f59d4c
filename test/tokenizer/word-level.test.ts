import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWordLevelTokenizer, WordLevelTokenizer } from '../../src/tokenizer/word-level.js';
import { loadTokenizer } from '../../src/tokenizer/load.js';
import { DEFAULT_T5_TOKENIZER_PATH } from '../../src/tokenizer/t5-tokenizer.js';
import { HyperloaderError } from '../../src/errors.js';

// Two Sentinel+Tag style "sentences" (words and tags as token lists), counted by hand:
// flights×2, O×3, B-toloc.city_name×1, to×1, boston×1.
const sentences = [
  ['flights', 'to', 'boston', 'O', 'O', 'B-toloc.city_name'],
  ['flights', 'O'],
];

test('vocabulary layout: pad/eos/unk, words by frequency then text, sentinels last like T5', () => {
  const tok = buildWordLevelTokenizer(sentences);
  const words = ['O', 'flights', 'B-toloc.city_name', 'boston', 'to'];
  assert.equal(tok.vocabSize, 3 + words.length + 100);
  assert.deepEqual([0, 1, 2].map((i) => tok.idToToken(i)), ['<pad>', '</s>', '<unk>']);
  assert.deepEqual(words.map((w) => tok.tokenToId(w)), [3, 4, 5, 6, 7]);
  assert.equal(tok.sentinelId(0), tok.vocabSize - 1);
  assert.equal(tok.sentinelId(99), 8);
  assert.equal(tok.idToToken(tok.sentinelId(4)), '<extra_id_4>');
  assert.equal(tok.sentinelIndex(tok.vocabSize - 1), 0);
  assert.equal(tok.sentinelIndex(3), -1);
  assert.ok(tok.isSpecial(0) && tok.isSpecial(tok.sentinelId(50)) && !tok.isSpecial(3));
});

test('encode/decode: sentinels single ids, unknown words → <unk>, </s> appended, truncation keeps </s>', () => {
  const tok = buildWordLevelTokenizer(sentences);
  const s0 = tok.sentinelId(0);
  const s1 = tok.sentinelId(1);
  const s2 = tok.sentinelId(2);
  assert.deepEqual(tok.encode('<extra_id_0> O <extra_id_1> B-toloc.city_name <extra_id_2>'), [s0, 3, s1, 5, s2, 1]);
  assert.deepEqual(tok.encode('flights  to\tParis<extra_id_0>'), [4, 7, 2, s0, 1]);
  assert.deepEqual(tok.encode('flights to boston', { maxLength: 2 }), [4, 1]);
  assert.deepEqual(tok.encode('flights to boston', { addEos: false }), [4, 7, 6]);
  const target = '<extra_id_0> O <extra_id_1> B-toloc.city_name <extra_id_2>';
  assert.equal(tok.decode(tok.encode(target, { addEos: false })), target);
  assert.equal(tok.decode(tok.encode(target)), `${target} </s>`);
  assert.equal(tok.decode(tok.encode(target), { skipSpecialTokens: true }), 'O B-toloc.city_name');
  assert.equal(tok.decode([4, 2, 6, 0, 0]), 'flights <unk> boston <pad> <pad>');
});

test('minCount and maxWords prune the vocabulary', () => {
  assert.deepEqual(buildWordLevelTokenizer(sentences, { minCount: 2 }).vocabSize, 3 + 2 + 100);
  const top1 = buildWordLevelTokenizer(sentences, { maxWords: 1 });
  assert.equal(top1.tokenToId('O'), 3);
  assert.equal(top1.tokenToId('flights'), undefined);
});

test('saved as tokenizer.json and reloaded by loadTokenizer; the T5 file loads as T5', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hl-tok-'));
  try {
    const tok = buildWordLevelTokenizer(sentences);
    const path = join(dir, 'tokenizer.json');
    await tok.save(path);
    const json = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(json.model.type, 'WordLevel');
    assert.equal(json.model.vocab['<extra_id_0>'], tok.vocabSize - 1);
    const back = await loadTokenizer(path);
    assert.equal(back.kind, 'word-level');
    assert.equal(back.vocabSize, tok.vocabSize);
    assert.deepEqual(back.encode('flights to boston <extra_id_3>'), tok.encode('flights to boston <extra_id_3>'));

    const t5 = await loadTokenizer(DEFAULT_T5_TOKENIZER_PATH);
    assert.equal(t5.kind, 't5-unigram');
    assert.deepEqual(t5.encode('Hello world!'), [8774, 296, 55, 1]);

    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ model: { type: 'BPE' } }));
    await assert.rejects(loadTokenizer(bad), (e: unknown) => e instanceof HyperloaderError && e.message.includes(bad));
    await writeFile(bad, '{ not json');
    await assert.rejects(loadTokenizer(bad), (e: unknown) => e instanceof HyperloaderError && e.message.includes(bad));
    await writeFile(bad, JSON.stringify({ model: { type: 'WordLevel', vocab: { '<pad>': 0, '</s>': 1 } } }));
    await assert.rejects(loadTokenizer(bad), (e: unknown) => e instanceof HyperloaderError && e.message.includes(bad));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a vocabulary that breaks the layout is refused', () => {
  assert.throws(() => new WordLevelTokenizer(['<pad>', '</s>', '<unk>', 'x']), HyperloaderError);
});
