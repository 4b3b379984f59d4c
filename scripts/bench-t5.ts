/**
 * T5 speed benchmark (issue 3): forward, forward+backward+Adam update, and greedy decoding
 * (cached vs uncached) per backend, for a tiny config and the t5-small shape, at batch
 * 8 × 64 source / 32 target tokens (the train step: loss, gradients, the project's AdamW). Each measurement is the median over --steps runs after one
 * warm-up; `naive` rows use plain tfjs calls (tfjs's own matMul/gather gradients) for comparison.
 *
 *   npm run build && npm run bench:t5 -- [--backends wasm,cpu] [--configs tiny,small]
 *        [--steps 3] [--naive-steps 1] [--decode-tokens 32] [--threads 1] [--json out.json]
 *
 * --threads > 1 asks the runtime for the multi-threaded wasm build (experiment.threads).
 * The cpu backend (pure JS) only runs the tiny config unless --cpu-small is given.
 */
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend.js';
import { t5ConfigFromShape, type T5Config } from '../src/model/config.js';
import { t5ShapeSchema } from '../src/config/schema.js';
import { T5Model } from '../src/model/t5-model.js';
import { encode, decode } from '../src/model/forward.js';
import { seq2seqLoss } from '../src/model/loss.js';
import { greedyGenerate, greedyGenerateUncached } from '../src/model/generate.js';
import { AdamW } from '../src/train/optimizer.js';

const SHAPES: Record<string, object> = {
  tiny: { vocab_size: 1024, d_model: 64, d_kv: 16, d_ff: 128, num_layers: 2, num_heads: 4 },
  small: { vocab_size: 32128, d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_heads: 8 },
};
const BATCH = 8;
const SRC = 64;
const TGT = 32;

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,cpu' },
    configs: { type: 'string', default: 'tiny,small' },
    steps: { type: 'string', default: '3' },
    'naive-steps': { type: 'string', default: '1' },
    'decode-tokens': { type: 'string', default: '32' },
    'cpu-small': { type: 'boolean', default: false },
    threads: { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});
const steps = Number(args.steps);
const naiveSteps = Number(args['naive-steps']);
const decodeTokens = Number(args['decode-tokens']);

interface Row {
  backend: string;
  config: string;
  what: string;
  ms: number;
  /** Process CPU time of the same runs (user + system, all threads): shows contention from other processes. */
  cpuMs: number;
  tokensPerS: number;
  note?: string;
}
const rows: Row[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall and CPU time of `n` runs after one warm-up. */
async function timeIt(n: number, f: (i: number) => void | Promise<void>): Promise<{ ms: number; cpuMs: number }> {
  await f(0);
  const ts: number[] = [];
  const cs: number[] = [];
  for (let i = 1; i <= n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f(i);
    ts.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
  }
  return { ms: median(ts), cpuMs: median(cs) };
}

function report(r: Row): void {
  rows.push(r);
  console.log(
    `${r.backend.padEnd(5)} ${r.config.padEnd(6)} ${r.what.padEnd(42)} ${r.ms.toFixed(1).padStart(9)} ms (cpu ${r.cpuMs.toFixed(0).padStart(6)} ms) ${r.tokensPerS.toFixed(0).padStart(7)} tok/s${r.note ? `  ${r.note}` : ''}`,
  );
}

async function benchConfig(backend: string, name: string, cfg: T5Config): Promise<void> {
  const model = T5Model.random(cfg, 1, { trainable: true });
  const ids = tf.randomUniformInt([BATCH, SRC], 2, cfg.vocab_size, 1) as tf.Tensor2D;
  const mask = tf.ones([BATCH, SRC], 'int32') as tf.Tensor2D;
  const dec = tf.randomUniformInt([BATCH, TGT], 2, cfg.vocab_size, 2) as tf.Tensor2D;
  const labels = tf.randomUniformInt([BATCH, TGT], 2, cfg.vocab_size, 3) as tf.Tensor2D;
  const trainTokens = BATCH * (SRC + TGT);
  const loss = (naive: boolean, training: boolean, seed: number) => {
    const o = { training, dropoutSeed: seed, naive };
    const logits = decode(model, dec, encode(model, ids, mask, o), mask, o);
    return seq2seqLoss(logits, labels, { labelSmoothing: 0.1, reduction: 'sum', naive });
  };
  const row = (what: string, t: { ms: number; cpuMs: number }, tokens: number, note?: string) =>
    report({ backend, config: name, what, ms: t.ms, cpuMs: t.cpuMs, tokensPerS: (tokens / t.ms) * 1000, note });

  try {
    for (const naive of [false, true]) {
      const n = naive ? naiveSteps : steps;
      if (n <= 0) continue;
      const tag = naive ? 'naive' : 'fast';
      const fwd = await timeIt(n, () => {
        tf.tidy(() => loss(naive, false, 0).dataSync());
      });
      row(`forward + loss (${tag})`, fwd, trainTokens);

      for (const mode of ['full', 'frozen'] as const) {
        model.setTrainable(mode === 'full' ? true : (p) => p.endsWith('layer_norm.weight'));
        const params = model.trainableVariables();
        const byVar = new Map([...params].map(([k, v]) => [v.name, k]));
        // The project's AdamW (src/train), which updates one parameter at a time; tf.train.adam
        // keeps every temporary of all parameters alive at once (4.4 GB peak on t5-small).
        const opt = new AdamW(params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
        const counts: number[] = [];
        const t = await timeIt(n, (i) => {
          const { value, grads } = tf.variableGrads(() => loss(naive, true, i), [...params.values()]);
          value.dataSync();
          const named = Object.fromEntries(Object.entries(grads).map(([k, g]) => [byVar.get(k)!, g]));
          opt.apply(named, 1e-4);
          tf.dispose([value, ...Object.values(grads)]);
          counts.push(tf.memory().numTensors);
        });
        opt.dispose();
        model.transposeCache.clear();
        const flat = counts.length > 1 && counts.every((c) => c === counts[1]) ? 'numTensors flat' : `numTensors ${counts.join(',')}`;
        const heap = backend === 'wasm' ? `, wasm heap ${((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length / 2 ** 20).toFixed(0)} MiB` : '';
        row(`train step, ${mode === 'full' ? 'all weights' : 'frozen backbone'} (${tag})`, t, trainTokens, flat + heap);
      }
      model.setTrainable(false);
    }

    // Greedy decoding: the random model seldom says EOS, so every run makes decodeTokens steps.
    const cached = await timeIt(Math.max(1, Math.min(steps, 2)), async () => {
      await greedyGenerate(model, ids, mask, { maxNewTokens: decodeTokens });
    });
    row(`greedy ${decodeTokens} tokens, kv cache`, cached, BATCH * decodeTokens);
    const uncached = await timeIt(1, async () => {
      await greedyGenerateUncached(model, ids, mask, { maxNewTokens: decodeTokens });
    });
    row(`greedy ${decodeTokens} tokens, uncached`, uncached, BATCH * decodeTokens, `cache speed-up ×${(uncached.ms / cached.ms).toFixed(1)}`);
  } finally {
    tf.dispose([ids, mask, dec, labels]);
    model.dispose();
  }
}

async function main(): Promise<void> {
  console.log(`wall ms = median; cpu = process CPU time (above wall: threads; below: the process waited for a core)`);
  console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); batch ${BATCH} × ${SRC} src / ${TGT} tgt; median of ${steps} (naive ${naiveSteps}) after a warm-up`);
  for (const backend of args.backends!.split(',')) {
    const init = await initBackend(backend as 'wasm' | 'cpu', { threads: Number(args.threads) });
    const name = init.name;
    console.log(`\nbackend ${name}: ${init.tried.find((t) => t.ok)?.reason ?? ''}`);
    for (const config of args.configs!.split(',')) {
      if (name === 'cpu' && config !== 'tiny' && !args['cpu-small']) continue;
      const shape = SHAPES[config];
      if (!shape) throw new Error(`unknown config ${config}; known: ${Object.keys(SHAPES).join(', ')}`);
      await benchConfig(name, config, t5ConfigFromShape(t5ShapeSchema.parse({ ...shape, dropout_rate: 0.1 })));
    }
  }
  // Speed-ups of the fast paths over naive tfjs calls.
  console.log('');
  for (const r of rows.filter((x) => x.what.endsWith('(naive)'))) {
    const fast = rows.find((x) => x.backend === r.backend && x.config === r.config && x.what === r.what.replace('(naive)', '(fast)'));
    if (fast) {
      console.log(
        `${r.backend} ${r.config}: ${r.what.replace(' (naive)', '')}: fast paths ×${(r.ms / fast.ms).toFixed(2)} faster than naive (wall), ×${(r.cpuMs / fast.cpuMs).toFixed(2)} (cpu)`,
      );
    }
  }
  if (args.json) writeFileSync(args.json, JSON.stringify({ node: process.version, cores: cpus().length, rows }, null, 2) + '\n');
}

await main();
// The threaded wasm build keeps pthread workers around; nothing else is pending.
process.exit(0);
