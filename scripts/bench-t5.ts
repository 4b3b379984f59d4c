/**
 * T5 speed benchmark (issue 3): forward, forward+backward+update, and greedy decoding (cached vs
 * uncached) per backend, for a tiny config and the t5-small shape, at batch 8 × 64 source /
 * 32 target tokens. The train step is loss + gradients + the project's AdamW (src/train);
 * train-hyperloader is HyperLoader's step on the frozen backbone (modules generated for the
 * batch's task, loss, gradients, clipping at 1.0, AdamW), as scripts/bench-reference.py does it. Each
 * number is the median over --steps runs after one warm-up; `naive` rows use plain tfjs calls
 * (tfjs's own matMul/gather gradients) instead of the fast paths of src/model.
 *
 *   npm run build && npm run bench:t5 -- [--backends wasm,cpu] [--configs tiny,small]
 *        [--steps 3] [--naive-steps 1] [--decode-tokens 32] [--threads 1] [--json out.json]
 *
 * Every measurement group runs in its own child process: the wasm heap only grows (and cannot
 * pass 4 GB), so a fresh process per group keeps one group's peak from starving the next, and an
 * out-of-memory abort is reported instead of ending the benchmark. The cpu backend (pure JS) only
 * runs the tiny config unless --cpu-small is given. --threads > 1 asks the runtime for the
 * multi-threaded wasm build (experiment.threads).
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend.js';
import { t5ConfigFromShape, type T5Config } from '../src/model/config.js';
import { peftSchema, t5ShapeSchema } from '../src/config/schema.js';
import { T5Model } from '../src/model/t5-model.js';
import { encode, decode } from '../src/model/forward.js';
import { seq2seqLoss } from '../src/model/loss.js';
import { greedyGenerate, greedyGenerateUncached } from '../src/model/generate.js';
import { AdamW, clipByGlobalNorm } from '../src/train/optimizer.js';
import { resolvePeftPlan } from '../src/peft/config.js';
import { PeftModel } from '../src/peft/model.js';

const SHAPES: Record<string, object> = {
  tiny: { vocab_size: 1024, d_model: 64, d_kv: 16, d_ff: 128, num_layers: 2, num_heads: 4 },
  small: { vocab_size: 32128, d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_heads: 8 },
};
const BATCH = 8;
const SRC = 64;
const TGT = 32;
const GROUPS = ['forward', 'train-full', 'train-frozen', 'train-hyperloader', 'decode'] as const;
type Group = (typeof GROUPS)[number];

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,cpu' },
    configs: { type: 'string', default: 'tiny,small' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    'naive-steps': { type: 'string', default: '1' },
    'decode-tokens': { type: 'string', default: '32' },
    'cpu-small': { type: 'boolean', default: false },
    threads: { type: 'string', default: '1' },
    json: { type: 'string' },
    /** Internal: run one group in this process and print its rows as JSON. */
    child: { type: 'string' },
  },
});
const steps = Number(args.steps);
const warmup = Math.max(1, Number(args.warmup));
const naiveSteps = Number(args['naive-steps']);
const decodeTokens = Number(args['decode-tokens']);
const threads = Number(args.threads);

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall and CPU time of `n` runs after --warmup (default 1) warm-up runs. */
async function timeIt(n: number, f: (i: number) => void | Promise<void>): Promise<{ ms: number; cpuMs: number }> {
  for (let w = 0; w < warmup; w++) await f(1000 + w); // seeds apart from the timed runs' 1..n
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

function heapNote(backend: string): string {
  if (backend !== 'wasm') return '';
  const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  return `wasm heap ${(heap / 2 ** 20).toFixed(0)} MiB`;
}

/** One measurement group on one backend/config/variant; returns its rows. */
async function runGroup(backend: string, config: string, variant: 'fast' | 'naive', group: Group): Promise<Row[]> {
  const cfg: T5Config = t5ConfigFromShape(t5ShapeSchema.parse({ ...SHAPES[config], dropout_rate: 0.1 }));
  const naive = variant === 'naive';
  const n = naive ? naiveSteps : steps;
  const model = T5Model.random(cfg, 1);
  const ids = tf.randomUniformInt([BATCH, SRC], 2, cfg.vocab_size, 1) as tf.Tensor2D;
  const mask = tf.ones([BATCH, SRC], 'int32') as tf.Tensor2D;
  const dec = tf.randomUniformInt([BATCH, TGT], 2, cfg.vocab_size, 2) as tf.Tensor2D;
  const labels = tf.randomUniformInt([BATCH, TGT], 2, cfg.vocab_size, 3) as tf.Tensor2D;
  const trainTokens = BATCH * (SRC + TGT);
  const out: Row[] = [];
  const row = (what: string, t: { ms: number; cpuMs: number }, tokens: number, note?: string) =>
    out.push({ backend, config, what, ms: t.ms, cpuMs: t.cpuMs, tokensPerS: (tokens / t.ms) * 1000, note });
  const loss = (training: boolean, seed: number) => {
    const o = { training, dropoutSeed: seed, naive };
    const logits = decode(model, dec, encode(model, ids, mask, o), mask, o);
    return seq2seqLoss(logits, labels, { labelSmoothing: 0.1, reduction: 'sum', naive });
  };
  try {
    if (group === 'forward') {
      const t = await timeIt(n, () => {
        tf.tidy(() => loss(false, 0).dataSync());
      });
      row(`forward + loss (${variant})`, t, trainTokens);
    } else if (group === 'train-full' || group === 'train-frozen') {
      model.setTrainable(group === 'train-full' ? true : (p) => p.endsWith('layer_norm.weight'));
      const params = model.trainableVariables();
      const byVar = new Map([...params].map(([k, v]) => [v.name, k]));
      // The project's AdamW updates one parameter at a time; tf.train.adam keeps every temporary
      // of all parameters alive at once (a 4.4 GB peak on t5-small).
      const opt = new AdamW(params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
      const counts: number[] = [];
      const t = await timeIt(n, (i) => {
        const { value, grads } = tf.variableGrads(() => loss(true, i), [...params.values()]);
        value.dataSync();
        opt.apply(Object.fromEntries(Object.entries(grads).map(([k, g]) => [byVar.get(k)!, g])), 1e-4);
        tf.dispose([value, ...Object.values(grads)]);
        counts.push(tf.memory().numTensors);
      });
      opt.dispose();
      const flat = counts.length > 1 && counts.every((c) => c === counts[1]) ? 'numTensors flat' : `numTensors ${counts.join(',')}`;
      const what = group === 'train-full' ? 'all weights' : 'frozen backbone';
      row(`train step, ${what} (${variant})`, t, trainTokens, [flat, heapNote(backend)].filter(Boolean).join(', '));
    } else if (group === 'train-hyperloader') {
      // The paper's variant and defaults (bottleneck d_model/32, LoRA rank 8), seven tasks.
      const tasks = ['movieTrivia', 'movie', 'restaurant', 'atis', 'snips', 'mtod', 'mtop'];
      const peft = new PeftModel(model, resolvePeftPlan(peftSchema.parse({ variant: 'hyperloader' }), cfg, tasks), { seed: 3 });
      const vars = peft.trainableVariables();
      const byVar = new Map([...vars].map(([k, v]) => [v.name, k]));
      const opt = new AdamW(vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
      const t = await timeIt(n, (i) => {
        const { value, grads } = tf.variableGrads(() => {
          const hooks = peft.hooks(peft.modules(tasks[0]!)); // generated inside the step: the generators get gradients
          const o = { hooks, training: true, dropoutSeed: i, naive };
          const logits = decode(model, dec, encode(model, ids, mask, o), mask, o);
          return seq2seqLoss(logits, labels, { labelSmoothing: 0.1, reduction: 'sum', naive });
        }, [...vars.values()]);
        value.dataSync();
        const clipped = clipByGlobalNorm(Object.fromEntries(Object.entries(grads).map(([k, g]) => [byVar.get(k)!, g])), 1.0);
        opt.apply(clipped.grads, 1e-4);
        tf.dispose([value, ...Object.values(grads), ...Object.values(clipped.grads)]);
      });
      opt.dispose();
      const trainable = [...vars.values()].reduce((sum, v) => sum + v.size, 0);
      row(`train step, HyperLoader on the frozen backbone (${variant})`, t, trainTokens, [`trainable ${trainable}`, heapNote(backend)].filter(Boolean).join(', '));
    } else {
      // The random model seldom says EOS, so every run makes decodeTokens steps.
      const cached = await timeIt(Math.max(1, Math.min(n, 2)), async () => {
        await greedyGenerate(model, ids, mask, { maxNewTokens: decodeTokens, naive });
      });
      row(`greedy ${decodeTokens} tokens, kv cache (${variant})`, cached, BATCH * decodeTokens);
      const uncached = await timeIt(1, async () => {
        await greedyGenerateUncached(model, ids, mask, { maxNewTokens: decodeTokens, naive });
      });
      row(`greedy ${decodeTokens} tokens, uncached (${variant})`, uncached, BATCH * decodeTokens, `kv cache ×${(uncached.ms / cached.ms).toFixed(1)} faster`);
    }
  } finally {
    tf.dispose([ids, mask, dec, labels]);
    model.dispose();
  }
  return out;
}

function print(r: Row): void {
  console.log(
    `${r.backend.padEnd(5)} ${r.config.padEnd(6)} ${r.what.padEnd(42)} ${r.ms.toFixed(1).padStart(9)} ms (cpu ${r.cpuMs.toFixed(0).padStart(6)} ms) ${r.tokensPerS.toFixed(0).padStart(7)} tok/s${r.note ? `  ${r.note}` : ''}`,
  );
}

async function child(spec: string): Promise<void> {
  const [backend, config, variant, group] = spec.split(':') as [string, string, 'fast' | 'naive', Group];
  await initBackend(backend as 'wasm' | 'cpu', { threads });
  for (const r of await runGroup(tf.getBackend(), config, variant, group)) console.log(`ROW ${JSON.stringify(r)}`);
}

async function main(): Promise<void> {
  console.log('wall ms = median; cpu = process CPU time (above wall: threads; below: the process waited for a core)');
  console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); batch ${BATCH} × ${SRC} src / ${TGT} tgt; median of ${steps} (naive ${naiveSteps}) after a warm-up`);
  const rows: Row[] = [];
  const script = fileURLToPath(import.meta.url);
  for (const backend of args.backends!.split(',')) {
    const init = await initBackend(backend as 'wasm' | 'cpu', { threads });
    console.log(`\nbackend ${init.name}: ${init.tried.find((t) => t.ok)?.reason ?? ''}${threads > 1 ? ` (threads ${threads} requested)` : ''}`);
    for (const config of args.configs!.split(',')) {
      if (!SHAPES[config]) throw new Error(`unknown config ${config}; known: ${Object.keys(SHAPES).join(', ')}`);
      if (init.name === 'cpu' && config !== 'tiny' && !args['cpu-small']) continue;
      for (const variant of ['fast', 'naive'] as const) {
        if ((variant === 'naive' ? naiveSteps : steps) <= 0) continue;
        for (const group of GROUPS) {
          const childArgs = [script, '--child', `${backend}:${config}:${variant}:${group}`, '--steps', String(steps), '--naive-steps', String(naiveSteps), '--decode-tokens', String(decodeTokens), '--threads', String(threads)];
          const r = spawnSync(process.execPath, childArgs, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
          const got = r.stdout.split('\n').filter((l) => l.startsWith('ROW ')).map((l) => JSON.parse(l.slice(4)) as Row);
          if (r.status !== 0 || got.length === 0) {
            const why = /Aborted|memory access out of bounds/.test(r.stderr) ? 'out of wasm memory (4 GB heap)' : `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-1)[0]}`;
            console.log(`${backend.padEnd(5)} ${config.padEnd(6)} ${`${group} (${variant})`.padEnd(42)} failed: ${why}`);
            continue;
          }
          for (const row of got) {
            rows.push(row);
            print(row);
          }
        }
      }
    }
  }
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

if (args.child) await child(args.child);
else await main();
// The threaded wasm build keeps pthread workers around; nothing else is pending.
process.exit(0);
