/**
 * `metric: accuracy` on a small synthetic per-token (part-of-speech) task: the file is read with
 * its tags as written, training targets hold those tags, and evaluation scores token and per-tag
 * accuracy instead of seqeval — every number hand-computed in the comments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HyperloaderError } from '../../src/errors.js';
import { resolveConfigObject } from '../../src/config/load.js';
import { loadDatasetSplits, loadTaskSplits } from '../../src/data/load.js';
import { customEntry } from '../../src/data/registry.js';
import { toTarget } from '../../src/data/sentinel.js';
import { taskSchema } from '../../src/config/schema.js';
import { buildWordLevelTokenizer } from '../../src/tokenizer/word-level.js';
import { accuracyScoreOf } from '../../src/eval/accuracy.js';
import { evaluateTask, type EvalItem } from '../../src/eval/evaluate.js';
import { resultsMarkdown } from '../../src/eval/report.js';

// Three sentences, token<SPACE>tag; `.` and `O` are tags here too (O: a tag set may have one).
const POS = 'The DT\ndog NN\nbarks VBZ\n. .\n\nI PRP\nsaw VBD\nO O\n\nDogs NNS\nbark VBP\n';
const GOLD = [['DT', 'NN', 'VBZ', '.'], ['PRP', 'VBD', 'O'], ['NNS', 'VBP']];

test('accuracyScoreOf: token accuracy and per-tag accuracy (hand-computed)', () => {
  const rows = [
    { tokens: ['a', 'b', 'c'], gold: ['DT', 'NN', 'VBZ'], pred: ['DT', 'NN', 'NN'] },
    { tokens: ['d', 'e', 'f'], gold: ['PRP', 'VBD', 'NN'], pred: ['PRP', 'VBD', 'VB'] },
  ];
  const s = accuracyScoreOf('pos', rows);
  // 4 of 6 tokens right; NN: 1 of 2, VBZ 0 of 1, the rest 1 of 1
  assert.deepEqual(
    [s.metric, s.accuracy, s.precision, s.recall, s.f1, s.gold, s.predicted, s.correct, s.sentences],
    ['accuracy', 4 / 6, 4 / 6, 4 / 6, 4 / 6, 6, 6, 4, 2],
  );
  assert.deepEqual(s.per_tag, {
    DT: { accuracy: 1, correct: 1, support: 1 },
    NN: { accuracy: 0.5, correct: 1, support: 2 },
    PRP: { accuracy: 1, correct: 1, support: 1 },
    VBD: { accuracy: 1, correct: 1, support: 1 },
    VBZ: { accuracy: 0, correct: 0, support: 1 },
  });
  assert.equal(accuracyScoreOf('empty', []).accuracy, 0);
});

test('a per-token task is read with its tags as written and its targets hold them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-pos-'));
  try {
    writeFileSync(join(dir, 'pos.txt'), POS);
    const task = taskSchema.parse({ name: 'pos', metric: 'accuracy', custom: { format: 'conll', train: 'pos.txt', dev: 'pos.txt', test: 'pos.txt' } });
    const s = await loadDatasetSplits(customEntry(task, dir), { cacheDir: dir, metric: 'accuracy' });
    // carried as one-token entities …
    assert.deepEqual(s.test.map((x) => x.tags), GOLD.map((g) => g.map((t) => `B-${t}`)));
    // … so the Sentinel+Tag target writes each tag itself (`.` and `O` through the lossless escape)
    assert.equal(toTarget(s.test[0]!.tags), '<extra_id_0> DT <extra_id_1> NN <extra_id_2> VBZ <extra_id_3> esc..2e. <extra_id_4>');
    assert.equal(toTarget(s.test[1]!.tags), '<extra_id_0> PRP <extra_id_1> VBD <extra_id_2> esc.O <extra_id_3>');
    // the same file under metric f1 is refused: DT is no IOB tag
    await assert.rejects(loadDatasetSplits(customEntry(task, dir), { cacheDir: dir }), (e: unknown) => e instanceof HyperloaderError && /pos\.txt:1: bad tag "DT"/.test(e.message));
    // through a config: data.tasks[].metric reaches the loader
    const config = resolveConfigObject({ model: { random_init: { d_model: 8, num_layers: 1, num_heads: 1, d_ff: 8, d_kv: 8 } }, data: { tasks: [{ name: 'pos', metric: 'accuracy', custom: { format: 'auto', train: join(dir, 'pos.txt') } }] } }, { name: 'x' });
    const fromConfig = await loadTaskSplits(config, 'pos');
    assert.equal(fromConfig.train.length + fromConfig.dev.length, 3); // dev carved: ceil(3/10) = 1
    assert.ok([...fromConfig.train, ...fromConfig.dev].every((x) => x.tags.every((t) => t.startsWith('B-'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('evaluateTask with metric accuracy: rows hold the tags as written, scored by token and per-tag accuracy', async () => {
  const sentences = GOLD.map((g, i) => ({ tokens: POS.split('\n\n')[i]!.split('\n').filter(Boolean).map((l) => l.split(' ')[0]!), tags: g.map((t) => `B-${t}`) }));
  const tokenizer = buildWordLevelTokenizer([...sentences.map((s) => s.tokens), ['DT', 'NN', 'VBZ', 'esc..2e.', 'PRP', 'VBD', 'esc.O', 'NNS', 'VBP', 'VB', 'I', 'O']]);
  // What the "model" writes (decoded, sentinels skipped), by hand:
  //  1: DT NN VB esc..2e.  → DT NN VB .       3 of 4 right (VBZ → VB wrong)
  //  2: PRP VBD I          → PRP VBD I        2 of 3 (the sBIO inside marker is no tag: I ≠ O)
  //  3: NNS                → NNS O            1 of 2 (short output padded with O; gold VBP)
  const outputs = ['DT NN VB esc..2e.', 'PRP VBD I', 'NNS'];
  const generate = async (batch: readonly EvalItem[]) => batch.map((it) => outputs[it.index]!);
  const r = await evaluateTask({ tokenizer, task: 'pos', sentences, batchSize: 2, maxSourceLength: 128, maxTargetLength: 128, maxDecodeLength: 16, mode: 'default', metric: 'accuracy', generate });
  assert.deepEqual(r.rows.map((x) => x.gold), GOLD);
  assert.deepEqual(r.rows.map((x) => x.pred), [['DT', 'NN', 'VB', '.'], ['PRP', 'VBD', 'I'], ['NNS', 'O']]);
  // 6 of 9 tokens; per gold tag: VBZ 0/1, O 0/1, VBP 0/1, every other 1/1
  assert.equal(r.score.accuracy, 6 / 9);
  assert.equal(r.score.f1, 6 / 9);
  assert.deepEqual([r.score.gold, r.score.correct], [9, 6]);
  const wrong = Object.entries(r.score.per_tag!).filter(([, v]) => v.accuracy < 1).map(([k]) => k);
  assert.deepEqual(wrong, ['O', 'VBP', 'VBZ']);
  // results.md: the accuracy note and the per-tag table
  const md = resultsMarkdown({ run: 'r', checkpoint: 'last', step: 1, mode: 'default', paper: null, splits: [{ split: 'dev', tasks: [r.score], average: { precision: 6 / 9, recall: 6 / 9, f1: 6 / 9 } }] });
  assert.match(md, /Scored by token accuracy \(metric: accuracy\): pos;/);
  assert.match(md, /\*\*pos\*\*: per-tag accuracy \(token accuracy 0\.6667, 6 of 9 tokens\)/);
  assert.match(md, /\| tag \| accuracy \| correct \| support \|\n\|---\|---\|---\|---\|\n\| \. \| 1\.0000 \| 1 \| 1 \|\n\| DT \| 1\.0000 \| 1 \| 1 \|/);
  assert.match(md, /\| VBZ \| 0\.0000 \| 0 \| 1 \|/);
});
