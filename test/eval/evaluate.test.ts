/**
 * The evaluation pipeline without a model: the `generate` seam stands in for decoding, so these
 * tests pin down alignment, gold-from-truncated-label-ids, batching order and scoring against
 * hand-computed values. The real decoding path is in evaluate-pipeline.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sentence } from '../../src/data/types.js';
import { buildWordLevelTokenizer } from '../../src/tokenizer/word-level.js';
import { T5Tokenizer } from '../../src/tokenizer/t5-tokenizer.js';
import {
  evaluateTask,
  evaluateTasks,
  decodeGold,
  goldFromLabels,
  lengthSortedBatches,
  type EvalItem,
  type EvalProgress,
  type EvaluateTaskSettings,
} from '../../src/eval/evaluate.js';

/** The sBIO target words of IOB2 tags, written out by hand here (not via the code under test). */
function sbio(tags: readonly string[]): string {
  return tags.map((t) => (t === 'O' ? 'O' : t.startsWith('B-') ? t.slice(2) : 'I')).join(' ');
}

const sentences: Sentence[] = [
  // The first three sentences of datasets/demo/demo_ner/dev.
  { tokens: 'Austin Berg joined Helios Energy in May 2020 .'.split(' '), tags: 'B-PER I-PER O B-ORG I-ORG O B-DATE I-DATE O'.split(' ') },
  {
    tokens: 'Acme Corp said this week that it will hire 200 people in Seoul .'.split(' '),
    tags: 'B-ORG I-ORG O B-DATE I-DATE O O O O O O O B-LOC O'.split(' '),
  },
  { tokens: 'Shares of Novatek rose on December 1 .'.split(' '), tags: 'O O B-ORG O O B-DATE I-DATE O'.split(' ') },
];

const tokenizer = buildWordLevelTokenizer(sentences.flatMap((s) => [s.tokens, sbio(s.tags).split(' ')]));

function settings(over: Partial<EvaluateTaskSettings> = {}): EvaluateTaskSettings {
  return {
    tokenizer,
    task: 'demo_ner',
    sentences,
    batchSize: 2,
    maxSourceLength: 128,
    maxTargetLength: 128,
    maxDecodeLength: 128,
    mode: 'default',
    ...over,
  };
}

/** A seam that answers each sentence with its own (untruncated) gold target, edited per sentence index. */
const goldSeam = (edit: (index: number, words: string[]) => string[] = (_, w) => w) => async (batch: readonly EvalItem[]) =>
  batch.map((it) => edit(it.index, sbio(sentences[it.index]!.tags).split(' ')).join(' '));

test('a model that outputs the gold tags scores exactly 1.0', async () => {
  const r = await evaluateTask({ ...settings(), generate: goldSeam() });
  assert.deepEqual(
    { p: r.score.precision, r: r.score.recall, f1: r.score.f1, n: r.score.sentences, gold: r.score.gold, pred: r.score.predicted, tp: r.score.correct },
    { p: 1, r: 1, f1: 1, n: 3, gold: 8, pred: 8, tp: 8 },
  );
  sentences.forEach((s, i) => assert.deepEqual(r.rows[i], { tokens: s.tokens, gold: s.tags, pred: s.tags }));
  assert.equal(r.unscoredWords, 0);
});

test('one entity with the wrong type: P = R = F1 = 7/8 (hand-computed)', async () => {
  // "Austin Berg" predicted as LOC instead of PER: 8 gold, 8 predicted, 7 correct.
  const r = await evaluateTask({ ...settings(), generate: goldSeam((i, w) => (i === 0 ? ['LOC', ...w.slice(1)] : w)) });
  assert.deepEqual([r.score.gold, r.score.predicted, r.score.correct], [8, 8, 7]);
  assert.equal(r.score.precision, 7 / 8);
  assert.equal(r.score.recall, 7 / 8);
  assert.equal(r.score.f1, 7 / 8);
  assert.deepEqual(r.rows[0]!.pred.slice(0, 2), ['B-LOC', 'I-LOC']);
});

test('one entity missed: P = 1, R = 7/8, F1 = 14/15 (hand-computed)', async () => {
  // "Seoul" (sentence 2, word 13) predicted O.
  const r = await evaluateTask({ ...settings(), generate: goldSeam((i, w) => (i === 1 ? w.map((x, k) => (k === 12 ? 'O' : x)) : w)) });
  assert.deepEqual([r.score.gold, r.score.predicted, r.score.correct], [8, 7, 7]);
  assert.equal(r.score.precision, 1);
  assert.equal(r.score.recall, 7 / 8);
  assert.ok(Math.abs(r.score.f1 - 14 / 15) < 1e-15);
});

test('a stray I after O decodes to O, in default and strict mode alike', async () => {
  // Sentence 3's "December 1" predicted as `I I` after an O: sBIO → BIO makes a stray I an O, so
  // both modes see one missing DATE (sBIO decoding always yields well-formed IOB2).
  const edit = (i: number, w: string[]) => (i === 2 ? w.map((x, k) => (k === 5 ? 'I' : x)) : w);
  for (const mode of ['default', 'strict'] as const) {
    const r = await evaluateTask({ ...settings({ mode }), generate: goldSeam(edit) });
    assert.deepEqual(r.rows[2]!.pred.slice(5, 7), ['O', 'O']);
    assert.deepEqual([r.score.gold, r.score.predicted, r.score.correct], [8, 7, 7], mode);
  }
});

test('prediction is aligned to the gold length by position: cut when long, padded with O when short', async () => {
  const texts = [
    'PER I O ORG', // 4 of 9 tags: the rest padded with O (so the DATE entity is missed)
    'ORG I O DATE I O O O O O O O LOC O LOC I PER', // 17 tags for 14 words: the last 3 cut
    '', // nothing decoded: all O
  ];
  const r = await evaluateTask({ ...settings(), generate: async (batch) => batch.map((it) => texts[it.index]!) });
  assert.deepEqual(r.rows[0]!.pred, ['B-PER', 'I-PER', 'O', 'B-ORG', 'O', 'O', 'O', 'O', 'O']);
  assert.deepEqual(r.rows[1]!.pred, sentences[1]!.tags);
  assert.deepEqual(r.rows[2]!.pred, new Array(8).fill('O'));
  // Gold 8; predicted: PER, ORG(1-word), then ORG, DATE, LOC = 5; correct: PER and the three of sentence 2 = 4.
  assert.deepEqual([r.score.gold, r.score.predicted, r.score.correct], [8, 5, 4]);
  assert.equal(r.score.precision, 4 / 5);
  assert.equal(r.score.recall, 4 / 8);
});

test('gold comes from the truncated label ids: only words whose tags survive maxTargetLength are scored', async () => {
  const s: Sentence = { tokens: ['a', 'b', 'c', 'd', 'e', 'f'], tags: ['B-X', 'I-X', 'O', 'B-Y', 'O', 'O'] };
  const tok = buildWordLevelTokenizer([s.tokens, ['X', 'Y', 'I', 'O']]);
  // Target `<extra_id_0> X <extra_id_1> I <extra_id_2> O <extra_id_3> Y …` is 2 ids per word + closing sentinel + </s>.
  // maxTargetLength 7 keeps `s0 X s1 I s2 O </s>`: three tags; 8 adds only <extra_id_3>; 6 keeps two.
  assert.deepEqual(goldFromLabels(s.tags, tok, 7), ['B-X', 'I-X', 'O']);
  assert.deepEqual(goldFromLabels(s.tags, tok, 8), ['B-X', 'I-X', 'O']);
  assert.deepEqual(goldFromLabels(s.tags, tok, 6), ['B-X', 'I-X']);
  assert.deepEqual(goldFromLabels(s.tags, tok, 14), s.tags);
  // The model predicts all six tags right; Y lies beyond the cut, so it is neither gold nor predicted.
  const r = await evaluateTask({
    ...settings({ tokenizer: tok, sentences: [s], maxTargetLength: 7 }),
    generate: async () => ['X I O Y O O'],
  });
  assert.deepEqual(r.rows[0], { tokens: ['a', 'b', 'c'], gold: ['B-X', 'I-X', 'O'], pred: ['B-X', 'I-X', 'O'] });
  assert.deepEqual([r.score.gold, r.score.predicted, r.score.correct, r.score.f1], [1, 1, 1, 1]);
  assert.equal(r.unscoredWords, 3);
});

test('a gold tag the tokenizer cannot encode is scored from the dataset, not dropped (no shift), and counted', async () => {
  const s: Sentence = { tokens: ['fly', 'to', 'rome', 'today'], tags: ['O', 'O', 'B-city', 'B-date'] };
  // The vocabulary knows O and date, not city: its target piece becomes <unk>, which decoding skips.
  const tok = buildWordLevelTokenizer([s.tokens, ['O', 'date', 'I']]);
  const labels = tok.encode('<extra_id_0> O <extra_id_1> O <extra_id_2> city <extra_id_3> date <extra_id_4>');
  assert.ok(labels.includes(tok.unkId));
  // Decoding the whole target (what the paper's pipeline does) loses the tag and shifts `date` onto `rome`.
  assert.equal(tok.decode(labels, { skipSpecialTokens: true }), 'O O date');
  assert.deepEqual(decodeGold(s.tags, tok, 128), { gold: ['O', 'O', 'B-city', 'B-date'], undecodable: 1 });
  const r = await evaluateTask({ ...settings({ tokenizer: tok, sentences: [s] }), generate: async () => ['O O O date'] });
  assert.deepEqual(r.rows[0]!.gold, s.tags);
  assert.equal(r.undecodableGold, 1);
  // Gold 2 entities, predicted 1 (date, correct): recall 1/2.
  assert.deepEqual([r.score.gold, r.score.predicted, r.score.correct], [2, 1, 1]);
});

test('with the T5 tokenizer a cut inside a tag name leaves that fragment as the gold type (as the authors scored)', async () => {
  const t5 = await T5Tokenizer.default();
  const tags = ['O', 'B-fromloc.city_name', 'I-fromloc.city_name'];
  const full = t5.encode('<extra_id_0> O <extra_id_1> fromloc.city_name <extra_id_2> I <extra_id_3>');
  const cityStart = t5.encode('<extra_id_0> O <extra_id_1>', { addEos: false }).length;
  // Keep the first piece of the type name only (plus </s>): gold is `O` and a B- of that fragment.
  const cut = cityStart + 2;
  const fragment = t5.decode(full.slice(cityStart, cityStart + 1), { skipSpecialTokens: true }).trim();
  assert.ok(fragment.length > 0 && fragment !== 'fromloc.city_name', `first piece ${JSON.stringify(fragment)}`);
  assert.deepEqual(goldFromLabels(tags, t5, cut), ['O', `B-${fragment}`]);
  assert.deepEqual(goldFromLabels(tags, t5, 128), tags);
});

test('batches are sorted by source length and rows come back in input order', async () => {
  const many: Sentence[] = Array.from({ length: 10 }, (_, i) => {
    const n = [3, 9, 1, 7, 7, 2, 10, 5, 4, 7][i]!;
    const tokens = Array.from({ length: n }, (_, k) => `w${i}_${k}`);
    // A distinct entity per sentence, at a position that depends on i, so a row swap changes the score.
    const tags = tokens.map((_, k) => (k === i % n ? `B-T${i}` : 'O'));
    return { tokens, tags };
  });
  const tok = buildWordLevelTokenizer(many.flatMap((s) => [s.tokens, sbio(s.tags).split(' ')]));
  const seen: number[][] = [];
  const progress: [number, number][] = [];
  const r = await evaluateTask({
    ...settings({ tokenizer: tok, sentences: many, batchSize: 3 }),
    onProgress: (done, total) => progress.push([done, total]),
    generate: async (batch) => {
      seen.push(batch.map((it) => it.index));
      return batch.map((it) => sbio(many[it.index]!.tags));
    },
  });
  // Lengths 10, 9, 7, 7, 7, 5, 4, 3, 2, 1 (ties in input order: 3, 4, 9).
  assert.deepEqual(seen, [[6, 1, 3], [4, 9, 7], [8, 0, 5], [2]]);
  assert.deepEqual(progress, [[3, 10], [6, 10], [9, 10], [10, 10]]);
  many.forEach((s, i) => assert.deepEqual(r.rows[i], { tokens: s.tokens, gold: s.tags, pred: s.tags }, `row ${i}`));
  assert.equal(r.score.f1, 1);
  assert.equal(r.score.gold, 10);
});

test('lengthSortedBatches: stable, longest first, last batch short; a bad batch size is refused', () => {
  const items = [2, 5, 2, 5, 1].map((n, i) => ({ i, sourceIds: new Array<number>(n).fill(0) }));
  assert.deepEqual(lengthSortedBatches(items, 2).map((b) => b.map((x) => x.i)), [[1, 3], [0, 2], [4]]);
  assert.deepEqual(lengthSortedBatches([], 4), []);
  assert.throws(() => lengthSortedBatches(items, 0), RangeError);
});

test('a generator returning the wrong number of texts is a bug, reported as such', async () => {
  await assert.rejects(evaluateTask({ ...settings(), generate: async () => ['O'] }), /generator returned 1 texts for a batch of 2/);
});

test('evaluateTasks: per-task scores, the unweighted average, progress in sentences per second, tasks in order', async () => {
  let clock = 0;
  const progress: EvalProgress[] = [];
  const done: string[] = [];
  // Task "good" decodes gold (F1 1); task "bad" outputs all O (F1 0, precision 0 by zero division).
  const results = await evaluateTasks({
    ...settings({ batchSize: 3 }),
    split: 'test',
    tasks: [
      { task: 'good', sentences },
      { task: 'bad', sentences: sentences.slice(0, 2) },
    ],
    now: () => clock,
    generate: async (batch) => {
      clock += 500 * batch.length; // half a second per sentence
      return batch.map((it) => (batch.length === 3 ? sbio(sentences[it.index]!.tags) : ''));
    },
    onProgress: (p) => progress.push(p),
    onTaskDone: (task, e) => {
      done.push(`${task}:${e.rows.length}`);
    },
  });
  assert.equal(results.split, 'test');
  assert.deepEqual(results.tasks.map((t) => [t.task, t.f1, t.precision, t.recall, t.gold, t.predicted]), [
    ['good', 1, 1, 1, 8, 8],
    ['bad', 0, 0, 0, 6, 0],
  ]);
  assert.deepEqual(results.average, { precision: 0.5, recall: 0.5, f1: 0.5 });
  assert.deepEqual(done, ['good:3', 'bad:2']);
  assert.deepEqual(
    progress.map((p) => [p.task, p.done, p.total, p.elapsedSeconds, p.sentencesPerSecond]),
    [
      ['good', 3, 5, 1.5, 2],
      ['bad', 5, 5, 2.5, 2],
    ],
  );
});

test('a maxTargetLength that leaves no tag scores empty sentences as no entities, without failing', async () => {
  // maxTargetLength 2 keeps `<extra_id_0> </s>`: no tag survives, every word is unscored.
  for (const mode of ['default', 'strict'] as const) {
    const r = await evaluateTask({ ...settings({ maxTargetLength: 2, mode }), generate: goldSeam() });
    assert.deepEqual(r.rows.map((row) => row.tokens.length + row.gold.length + row.pred.length), [0, 0, 0]);
    assert.deepEqual([r.score.sentences, r.score.gold, r.score.predicted, r.score.correct, r.score.f1], [3, 0, 0, 0, 0]);
    assert.equal(r.unscoredWords, 9 + 14 + 8);
  }
});
