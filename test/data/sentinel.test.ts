import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MAX_SENTINEL_WORDS,
  alignToGold,
  bioToSbio,
  fromTargetText,
  sbioToBio,
  sentinel,
  toSentinelPair,
  toSource,
  toTarget,
  truncateToSentinels,
} from '../../src/data/sentinel.js';
import { HyperloaderError } from '../../src/errors.js';
import { fixturesDir } from '../helpers/paths.js';

/** What a tokenizer's decode(ids, skip special tokens) leaves of a target: the tags, space-separated. */
const stripSentinels = (text: string) => text.replace(/<extra_id_\d+>/g, ' ');

/** Every I-X continues a B-X or I-X of the same type. */
function wellFormedIob2(tags: string[]): boolean {
  return tags.every((t, i) => !t.startsWith('I-') || (i > 0 && tags[i - 1] !== 'O' && tags[i - 1].slice(2) === t.slice(2)));
}

test('SPEC §5 example: source and target strings', () => {
  const tokens = ['show', 'me', 'flights', 'from', 'boston'];
  const tags = ['O', 'O', 'O', 'O', 'B-fromloc.city_name'];
  assert.equal(toSource(tokens), '<extra_id_0> show <extra_id_1> me <extra_id_2> flights <extra_id_3> from <extra_id_4> boston <extra_id_5>');
  assert.equal(toTarget(tags), '<extra_id_0> O <extra_id_1> O <extra_id_2> O <extra_id_3> O <extra_id_4> fromloc.city_name <extra_id_5>');
  assert.deepEqual(toSentinelPair({ tokens, tags }), { source: toSource(tokens), target: toTarget(tags) });
  assert.equal(toSource([]), '<extra_id_0>');
});

test('BIO ↔ sBIO by the SPEC rules, including a stray I', () => {
  const bio = ['O', 'B-X', 'I-X', 'I-X', 'B-X', 'B-Y', 'I-Y', 'O', 'B-Z'];
  const sbio = ['O', 'X', 'I', 'I', 'X', 'Y', 'I', 'O', 'Z'];
  assert.deepEqual(bioToSbio(bio), sbio);
  assert.deepEqual(sbioToBio(sbio), bio);
  // A stray I (at the start or after O) becomes O; an I after a typed tag continues it.
  assert.deepEqual(sbioToBio(['I', 'O', 'I', 'A', 'I', 'I', 'O', 'I']), ['O', 'O', 'O', 'B-A', 'I-A', 'I-A', 'O', 'O']);
  // Types may themselves contain B-/I- prefixes and dashes (WNUT's creative-work, a type named B-x).
  assert.deepEqual(sbioToBio(bioToSbio(['B-creative-work', 'I-creative-work', 'B-B-x', 'I-B-x'])), [
    'B-creative-work', 'I-creative-work', 'B-B-x', 'I-B-x',
  ]);
  for (const bad of ['X', 'B-', 'I-', 'b-X', 'o', '']) {
    assert.throws(() => bioToSbio(['O', bad]), HyperloaderError, bad);
  }
});

test('fromTargetText splits decoded text on any whitespace', () => {
  assert.deepEqual(fromTargetText('  O O\tfromloc.city_name I \n O '), ['O', 'O', 'B-fromloc.city_name', 'I-fromloc.city_name', 'O']);
  assert.deepEqual(fromTargetText(''), []);
  const tags = ['O', 'B-PER', 'I-PER', 'O', 'B-LOC'];
  assert.deepEqual(fromTargetText(stripSentinels(toTarget(tags))), tags);
});

test('alignToGold truncates or pads with O by position', () => {
  assert.deepEqual(alignToGold(['B-A', 'I-A', 'O', 'B-B'], 2), ['B-A', 'I-A']);
  assert.deepEqual(alignToGold(['B-A'], 3), ['B-A', 'O', 'O']);
  assert.deepEqual(alignToGold([], 2), ['O', 'O']);
  assert.deepEqual(alignToGold(['O', 'B-A'], 2), ['O', 'B-A']);
  assert.deepEqual(alignToGold(['O'], 0), []);
});

test('sentences longer than the 100 sentinels keep their first 99 words, gold aligned the same way', () => {
  assert.equal(MAX_SENTINEL_WORDS, 99);
  assert.equal(sentinel(99), '<extra_id_99>');
  assert.throws(() => sentinel(100), RangeError);
  const n = 150;
  const tokens = Array.from({ length: n }, (_, i) => `w${i}`);
  const tags = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'B-T' : i % 3 === 1 ? 'I-T' : 'O'));
  const { source, target } = toSentinelPair({ tokens, tags });
  const srcParts = source.split(' ');
  assert.equal(srcParts.length, 2 * 99 + 1);
  assert.equal(srcParts[0], '<extra_id_0>');
  assert.equal(srcParts[196], '<extra_id_98>');
  assert.equal(srcParts[197], 'w98');
  assert.equal(srcParts.at(-1), '<extra_id_99>');
  assert.ok(!source.includes('w99'));
  const tgtParts = target.split(' ');
  assert.equal(tgtParts.length, 2 * 99 + 1);
  assert.equal(tgtParts.at(-1), '<extra_id_99>');
  // The gold the scorer sees is the truncated one: 99 tags, equal to the first 99 gold tags.
  const gold = fromTargetText(stripSentinels(target));
  assert.deepEqual(gold, tags.slice(0, 99));
  const t = truncateToSentinels({ tokens, tags });
  assert.equal(t.dropped, 51);
  assert.deepEqual(t.sentence.tokens, tokens.slice(0, 99));
  // At the limit nothing is dropped; one word over drops one.
  assert.equal(truncateToSentinels({ tokens: tokens.slice(0, 99), tags: tags.slice(0, 99) }).dropped, 0);
  assert.equal(truncateToSentinels({ tokens: tokens.slice(0, 100), tags: tags.slice(0, 100) }).dropped, 1);
  assert.ok(toSource(tokens.slice(0, 99)).endsWith('w98 <extra_id_99>'));
});

test('bad input is a user error: an empty word, word/tag count mismatch', () => {
  assert.throws(() => toSource(['']), HyperloaderError);
  assert.throws(() => toSentinelPair({ tokens: ['a', 'b'], tags: ['O'] }), HyperloaderError);
});

test('sentinel layout equals the independent T5 tokenizer fixture pairs', () => {
  const lines = readFileSync(join(fixturesDir, 'sentinel', 't5-tokenizer-sentinel-pairs.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { text: string }).text);
  assert.equal(lines.length % 2, 0);
  let checkedIob1 = 0;
  const between = (text: string) => text.split(/\s*<extra_id_\d+>\s*/).slice(1, -1);
  for (let i = 0; i < lines.length; i += 2) {
    const [src, tgt] = [lines[i], lines[i + 1]];
    const tokens = between(src);
    const fixtureTags = between(tgt);
    assert.equal(toSource(tokens), src);
    if (i === 0) {
      // SPEC's own example, already in sBIO.
      assert.deepEqual(fromTargetText(stripSentinels(tgt)), ['O', 'B-fromloc.city_name', 'I-fromloc.city_name']);
      continue;
    }
    // The fixture's targets carry IOB2 tags; ours carry sBIO in the same sentinel frame.
    assert.equal(toTarget(fixtureTags).replace(/> [^<]+ </g, '> _ <'), tgt.replace(/> [^<]+ </g, '> _ <'));
    // Round trip is the identity on well-formed IOB2 (the CoNLL lines are raw IOB1: I-X may open an entity).
    if (wellFormedIob2(fixtureTags)) assert.deepEqual(fromTargetText(stripSentinels(toTarget(fixtureTags))), fixtureTags);
    else checkedIob1++;
  }
  assert.ok(checkedIob1 > 0 && checkedIob1 < lines.length / 2 - 1);
});
