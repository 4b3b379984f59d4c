/**
 * Does the decoder look at the word it tags? For a trained run, teacher-forced over the first N
 * sentences of a split: at each decoder position that emits the first token of tag k (its input is
 * sentinel k), the cross-attention probability on the source token right after sentinel k (word
 * k's first token), per layer — the mean over heads and the best head — beside the uniform share
 * 1/source length. docs/real-data.md uses it to show the plateau: attention spread evenly over the
 * sentence, so tag k is not tied to word k.
 *
 *   npm run build && node dist/scripts/alignment.js --run runs/X [--split dev] [--sentences 200] [--checkpoint last] [--json]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createLogger } from '../src/runtime/logger.js';
import { prepareRun } from '../src/train/prepare.js';
import { chooseCheckpoint, openRun } from '../src/train/runs.js';
import { loadCheckpoint } from '../src/train/checkpoint.js';
import { toExamples } from '../src/train/features.js';
import { collate, type Example } from '../src/data/collate.js';
import { encode, decode } from '../src/model/forward.js';

const { values } = parseArgs({
  options: {
    run: { type: 'string' },
    split: { type: 'string', default: 'dev' },
    sentences: { type: 'string', default: '200' },
    checkpoint: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
if (!values.run) throw new Error('pass --run runs/<name>');
const split = values.split as 'dev' | 'test';
const { runDir, config } = await openRun(values.run);
const run = await prepareRun(config, createLogger({ level: 'warn' }));
const label = chooseCheckpoint(runDir, config, values.checkpoint as 'last' | 'best' | undefined);
const state = await loadCheckpoint(runDir, label, run.model, null, run.backbone);
const tok = run.tokenizer;
const layers = run.model.t5.cfg.num_decoder_layers;

interface Row {
  task: string;
  positions: number;
  /** Per layer: mean over heads of the probability on the aligned source token. */
  meanHead: number[];
  /** Per layer: the best single head's mean probability on it. */
  bestHead: number[];
  /** Mean of 1 / source length over the same positions (what an even spread gives). */
  uniform: number;
}

const rows: Row[] = [];
for (const task of run.tasks) {
  const sentences = task.splits[split].slice(0, Number(values.sentences));
  const examples: Example[] = toExamples(sentences, tok, { maxSourceLength: config.data.max_source_length, maxTargetLength: config.data.max_target_length, codec: run.codec });
  const heads = run.model.t5.cfg.num_heads;
  const sums = Array.from({ length: layers }, () => new Float64Array(heads));
  let positions = 0;
  let uniform = 0;
  const frozen = run.model.frozenModules(task.name);
  for (let start = 0; start < examples.length; start += 25) {
    const chunk = examples.slice(start, start + 25);
    const b = collate(chunk, { padId: tok.padId, decoderStartId: run.model.t5.cfg.decoder_start_token_id });
    // (decoder position, source position) pairs where the input is sentinel k and the label tag k's first token.
    const pairs = chunk.map((e) => {
      const out: [number, number][] = [];
      for (let p = 1; p < e.target.length; p++) {
        const k = tok.sentinelIndex(e.target[p - 1]!);
        if (k < 0 || tok.sentinelIndex(e.target[p]!) >= 0 || e.target[p] === tok.eosId) continue;
        const s = e.source.findIndex((id) => tok.sentinelIndex(id) === k);
        if (s >= 0 && s + 1 < e.source.length) out.push([p, s + 1]);
      }
      return out;
    });
    const probs: Float32Array[] = [];
    tf.tidy(() => {
      const ids = tf.tensor2d(b.inputIds, [b.size, b.sourceLength], 'int32');
      const mask = tf.tensor2d(b.attentionMask, [b.size, b.sourceLength], 'int32');
      const dec = tf.tensor2d(b.decoderInputIds, [b.size, b.targetLength], 'int32');
      const hooks = { ...frozen.hooks, crossAttentionProbs: (_layer: number, p: tf.Tensor4D) => void probs.push(p.dataSync() as Float32Array) };
      decode(run.model.t5, dec, encode(run.model.t5, ids, mask, { hooks }), mask, { hooks });
    });
    const [S, T] = [b.sourceLength, b.targetLength];
    for (let l = 0; l < layers; l++) {
      const p = probs[l]!;
      pairs.forEach((list, bi) => {
        for (const [t, s] of list) for (let h = 0; h < heads; h++) sums[l]![h]! += p[((bi * heads + h) * T + t) * S + s]!;
      });
    }
    pairs.forEach((list, bi) => {
      positions += list.length;
      uniform += list.length / chunk[bi]!.source.length;
    });
  }
  frozen.release();
  rows.push({
    task: task.name,
    positions,
    meanHead: sums.map((hs) => hs.reduce((a, x) => a + x, 0) / heads / positions),
    bestHead: sums.map((hs) => Math.max(...hs) / positions),
    uniform: uniform / positions,
  });
}

if (values.json) process.stdout.write(JSON.stringify({ run: runDir, checkpoint: label, step: state.step, split, rows }, null, 2) + '\n');
else {
  process.stdout.write(`${runDir} (${label}, step ${state.step}), ${split}: cross-attention on the word being tagged\n`);
  for (const r of rows) {
    const per = r.meanHead.map((m, l) => `layer ${l}: mean ${m.toFixed(3)} best head ${r.bestHead[l]!.toFixed(3)}`).join('; ');
    process.stdout.write(`  ${r.task} (${r.positions} tags): ${per}; uniform ${r.uniform.toFixed(3)}\n`);
  }
}
run.model.dispose();
run.model.t5.dispose();
