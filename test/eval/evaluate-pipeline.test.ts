/**
 * Acceptance for the decode-and-score pipeline on a tiny random HyperLoader and the bundled demo
 * data: the real decoding path runs end to end, rows are well formed, memory stays flat (the
 * task's generated weights are released, also on error), and `hyperloader score --json` on the
 * written predictions agrees with the returned scores.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { peftSchema, t5ShapeSchema } from '../../src/config/schema.js';
import { readSeqio } from '../../src/data/readers/seqio.js';
import type { Sentence } from '../../src/data/types.js';
import { t5ConfigFromShape } from '../../src/model/config.js';
import { T5Model } from '../../src/model/t5-model.js';
import { resolvePeftPlan } from '../../src/peft/config.js';
import { PeftModel } from '../../src/peft/model.js';
import { buildWordLevelTokenizer, type WordLevelTokenizer } from '../../src/tokenizer/word-level.js';
import { evaluateTask, type EvaluateTaskOptions, type TaskEvaluation } from '../../src/eval/evaluate.js';
import { writePredictions } from '../../src/eval/predictions.js';
import type { TaskScore } from '../../src/eval/report.js';
import { binPath, repoRoot } from '../helpers/paths.js';

const TASK = 'demo_slots';
const SUBSET = 40;

function readDemo(task: string, split: string): Sentence[] {
  const dir = join(repoRoot, 'datasets', 'demo', task, split);
  const file = (name: string) => ({ input: readFileSync(join(dir, name)), file: join(dir, name) });
  return readSeqio({ seqIn: file('seq.in'), seqOut: file('seq.out') });
}

/** sBIO words written out by hand (B-X → X, I-X → I). */
const sbio = (tags: readonly string[]) => tags.map((t) => (t === 'O' ? 'O' : t.startsWith('B-') ? t.slice(2) : 'I'));

let sentences: Sentence[];
let tokenizer: WordLevelTokenizer;
let model: PeftModel;

before(async () => {
  await tf.setBackend('cpu');
  sentences = readDemo(TASK, 'dev').slice(0, SUBSET);
  const train = readDemo(TASK, 'train');
  // Words and sBIO tags, so every gold tag is in the vocabulary (an unknown tag would decode to nothing).
  tokenizer = buildWordLevelTokenizer([...train, ...sentences].flatMap((s) => [s.tokens, sbio(s.tags)]));
  const shape = t5ShapeSchema.parse({
    vocab_size: tokenizer.vocabSize,
    d_model: 32,
    d_kv: 8,
    d_ff: 48,
    num_layers: 2,
    num_heads: 4,
    relative_attention_num_buckets: 8,
    dropout_rate: 0,
  });
  const cfg = t5ConfigFromShape(shape);
  const plan = resolvePeftPlan(peftSchema.parse({ variant: 'hyperloader', adapter: { reduction_factor: 4 } }), cfg, [TASK, 'demo_ner']);
  model = new PeftModel(T5Model.random(cfg, 11), plan, { seed: 7 });
  // LoRA-B starts at zero; give it values so the generated LoRA is on the decoding path too.
  for (const [n, v] of model.params) if (/lora_b|lora_B/.test(n)) v.assign(tf.randomNormal(v.shape, 0, 0.05, 'float32', 3));
});

function options(over: Partial<EvaluateTaskOptions> = {}): EvaluateTaskOptions {
  return {
    model,
    tokenizer,
    task: TASK,
    sentences,
    batchSize: 8,
    maxSourceLength: 128,
    maxTargetLength: 128,
    // Demo sentences have ≤ 18 words: a full target is ≤ 38 tokens. A random model seldom emits </s>.
    maxDecodeLength: 40,
    mode: 'default',
    ...over,
  } as EvaluateTaskOptions;
}

const IOB2 = /^(O|[BI]-\S+)$/;

/** Well-formed IOB2: every I-X continues a B-X or I-X of the same type. */
function assertIob2(tags: readonly string[], where: string): void {
  tags.forEach((t, i) => {
    assert.match(t, IOB2, where);
    if (t.startsWith('I-')) assert.ok(tags[i - 1] === `B-${t.slice(2)}` || tags[i - 1] === t, `${where}: ${tags.join(' ')}`);
  });
}

/** `hyperloader score --json` on a file: the default-mode micro scores and counts. */
function scoreCli(file: string): { micro: { precision: number; recall: number; f1: number }; counts: { tp: number; n_pred: number; n_gold: number } } {
  const r = spawnSync(process.execPath, [binPath, 'score', '--json', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).default;
}

function assertAgrees(score: TaskScore, file: string): void {
  const cli = scoreCli(file);
  assert.deepEqual(
    [cli.micro.precision, cli.micro.recall, cli.micro.f1, cli.counts.n_gold, cli.counts.n_pred, cli.counts.tp],
    [score.precision, score.recall, score.f1, score.gold, score.predicted, score.correct],
  );
}

let decoded: TaskEvaluation;

test('real decoding on a tiny random HyperLoader: well-formed rows, flat memory, score CLI agrees', async () => {
  const tensorsBefore = tf.memory().numTensors;
  const cachedBefore = model.t5.transposeCache.size;
  const progress: number[] = [];
  const t0 = performance.now();
  decoded = await evaluateTask(options({ onProgress: (done) => progress.push(done) }));
  const seconds = (performance.now() - t0) / 1000;
  // The only tensors that may stay are the backbone's transposes of frozen weights (a deliberate cache).
  const cached = model.t5.transposeCache.size - cachedBefore;
  assert.equal(tf.memory().numTensors, tensorsBefore + cached, 'generated weights and batch tensors are all released');
  assert.deepEqual(progress, [8, 16, 24, 32, 40]);
  assert.equal(decoded.rows.length, SUBSET);
  decoded.rows.forEach((row, i) => {
    // Nothing is truncated at 128 tokens here, so gold decoded from the label ids is the dataset's tags.
    assert.deepEqual(row.gold, sentences[i]!.tags, `row ${i} gold`);
    assert.deepEqual(row.tokens, sentences[i]!.tokens, `row ${i} tokens`);
    assert.equal(row.pred.length, row.gold.length, `row ${i}`);
    assertIob2(row.pred, `row ${i} pred`);
  });
  assert.equal(decoded.score.sentences, SUBSET);
  assert.equal(decoded.unscoredWords, 0);
  const goldEntities = sentences.reduce((n, s) => n + s.tags.filter((t) => t.startsWith('B-')).length, 0);
  assert.equal(decoded.score.gold, goldEntities);
  const dir = mkdtempSync(join(tmpdir(), 'hl-eval-'));
  try {
    assertAgrees(decoded.score, await writePredictions(dir, TASK, 'dev', decoded.rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`# ${SUBSET} sentences decoded in ${seconds.toFixed(2)} s (${(SUBSET / seconds).toFixed(1)} sentences/s, tfjs cpu backend)`);
});

test('padding does not change the decoding: one sentence per batch gives the same predictions', async () => {
  const few = sentences.slice(0, 6);
  const single = await evaluateTask(options({ sentences: few, batchSize: 1 }));
  assert.deepEqual(single.rows, decoded.rows.slice(0, 6));
});

test('the generated weights are released when decoding fails midway', async () => {
  const tensorsBefore = tf.memory().numTensors;
  await assert.rejects(
    evaluateTask(
      options({
        sentences: sentences.slice(0, 4),
        batchSize: 2,
        onProgress: () => {
          throw new Error('stop here');
        },
      }),
    ),
    /stop here/,
  );
  assert.equal(tf.memory().numTensors, tensorsBefore);
});

test('forced to output the gold tags: F1 exactly 1.0, and one changed entity scores the hand-computed value', async () => {
  const gold = await evaluateTask(options({ generate: async (batch) => batch.map((it) => sbio(sentences[it.index]!.tags).join(' ')) }));
  assert.deepEqual([gold.score.precision, gold.score.recall, gold.score.f1], [1, 1, 1]);
  const n = gold.score.gold;
  assert.ok(n > 0);
  // Sentence 0's first entity gets another type: n gold, n predicted, n − 1 correct → P = R = F1 = (n − 1)/n.
  const first = sentences[0]!.tags.findIndex((t) => t.startsWith('B-'));
  const changed = await evaluateTask(
    options({
      generate: async (batch) =>
        batch.map((it) => {
          const words = sbio(sentences[it.index]!.tags);
          if (it.index === 0) words[first] = 'some_other_type';
          return words.join(' ');
        }),
    }),
  );
  assert.deepEqual([changed.score.gold, changed.score.predicted, changed.score.correct], [n, n, n - 1]);
  for (const k of ['precision', 'recall', 'f1'] as const) assert.ok(Math.abs(changed.score[k] - (n - 1) / n) < 1e-12, k);
  const dir = mkdtempSync(join(tmpdir(), 'hl-eval-'));
  try {
    assertAgrees(changed.score, await writePredictions(dir, TASK, 'test', changed.rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
