/**
 * What the hypernetwork costs per training step (issue 4's benchmark): one step — forward,
 * backward, global-norm clipping and the AdamW update — of `hyperloader` against the same T5 with
 * the same adapters and LoRA as directly-trained per-task weights (`static`), on the wasm backend,
 * for a tiny and the t5-small shape. Also times generating one task's modules alone (forward and
 * backward of just the hypernetwork), as a share of the hyperloader step.
 *
 *   npm run bench:peft            # both shapes
 *   node dist/scripts/bench-peft.js --shapes tiny --steps 20 --warmup 5
 *
 * Target (issue 4): the hyperloader step at most 10% slower than the static one.
 */
import * as tf from '@tensorflow/tfjs';
import { peftSchema, t5ShapeSchema, type T5Shape } from '../src/config/schema.js';
import { t5ConfigFromShape, type T5Config } from '../src/model/config.js';
import { T5Model } from '../src/model/t5-model.js';
import { encode, decode } from '../src/model/forward.js';
import { seq2seqLoss } from '../src/model/loss.js';
import { resolvePeftPlan } from '../src/peft/config.js';
import { PeftModel } from '../src/peft/model.js';
import { hypernetworkPass } from '../src/train/profile.js';
import { AdamW, clipByGlobalNorm } from '../src/train/optimizer.js';
import { initBackend } from '../src/runtime/backend.js';

const SHAPES: Record<string, Partial<T5Shape>> = {
  // The tiny fixtures' T5 (test/fixtures/t5-tiny-relu): overhead-dominated, the worst case for the ratio.
  tiny: { vocab_size: 128, d_model: 32, d_kv: 8, d_ff: 64, num_layers: 2, num_heads: 4, relative_attention_num_buckets: 8 },
  't5-small': { vocab_size: 32128, d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_heads: 8 },
};
const TASKS = ['movieTrivia', 'movie', 'restaurant', 'atis', 'snips', 'mtod', 'mtop'];
const BATCH = 8;
const SOURCE = 64;
const TARGET = 32;

interface Args {
  shapes: string[];
  /** When set, override each shape's own step counts. */
  steps?: number;
  warmup?: number;
}

/**
 * Timed and warm-up steps per shape: many for tiny (milliseconds a step), few for t5-small (seconds).
 * Tiny needs a long warm-up: its steps are mostly JavaScript per kernel, and V8 keeps optimising
 * for tens of steps (with 3 warm-up steps the ratio read ~1.14, with 20 or more ~1.05).
 */
const STEPS: Record<string, { steps: number; warmup: number }> = { tiny: { steps: 40, warmup: 20 }, 't5-small': { steps: 4, warmup: 2 } };

function parseArgs(argv: string[]): Args {
  const args: Args = { shapes: Object.keys(SHAPES) };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--shapes') args.shapes = value.split(',');
    else if (flag === '--steps') args.steps = Number(value);
    else if (flag === '--warmup') args.warmup = Number(value);
    else throw new Error(`unknown option ${flag}; use --shapes tiny,t5-small --steps N --warmup N`);
    i++;
  }
  for (const s of args.shapes) if (!SHAPES[s]) throw new Error(`unknown shape ${s}; known: ${Object.keys(SHAPES).join(', ')}`);
  return args;
}

/** A fixed random batch: token ids in [2, vocab), the last target position padded (-100) in half the rows. */
function makeBatch(cfg: T5Config) {
  const rand = (n: number, seed: number) => tf.randomUniform([n], 2, cfg.vocab_size, 'int32', seed);
  const ids = rand(BATCH * SOURCE, 1).reshape([BATCH, SOURCE]) as tf.Tensor2D;
  const mask = tf.ones([BATCH, SOURCE], 'int32') as tf.Tensor2D;
  const labelsData = rand(BATCH * TARGET, 2).dataSync() as Int32Array;
  for (let b = 0; b < BATCH; b += 2) labelsData[b * TARGET + TARGET - 1] = -100;
  const labels = tf.tensor2d(labelsData, [BATCH, TARGET], 'int32');
  // decoder input = labels shifted right, start token 0, -100 → 0.
  const decData = new Int32Array(BATCH * TARGET);
  for (let b = 0; b < BATCH; b++) for (let t = 1; t < TARGET; t++) decData[b * TARGET + t] = Math.max(0, labelsData[b * TARGET + t - 1]);
  const dec = tf.tensor2d(decData, [BATCH, TARGET], 'int32');
  return { ids, mask, labels, dec };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Wall time and CPU time of one call, in ms. wasm runs on this one thread, so CPU time is the
 * work done and barely moves when other processes compete for the cores; wall time does.
 */
interface Sample {
  wall: number;
  cpu: number;
}
function measure(fn: () => void): Sample {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}
const medianOf = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k]));

/** One training step of `model` on the batch for task `task`: loss, gradients, clipping, AdamW. */
function trainStep(model: PeftModel, opt: AdamW, vars: Map<string, tf.Variable>, batch: ReturnType<typeof makeBatch>, task: string, step: number): void {
  const byVar = new Map([...vars].map(([n, v]) => [v.name, n]));
  const { value, grads } = tf.variableGrads(() => {
    const hooks = model.hooks(model.modules(task));
    const fwd = { hooks, training: true, dropoutSeed: step };
    const logits = decode(model.t5, batch.dec, encode(model.t5, batch.ids, batch.mask, fwd), batch.mask, fwd);
    return seq2seqLoss(logits, batch.labels, { labelSmoothing: 0.1, reduction: 'sum' });
  }, [...vars.values()]);
  const named: Record<string, tf.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) named[byVar.get(k)!] = g;
  const clipped = clipByGlobalNorm(named, 1.0);
  opt.apply(clipped.grads, 1e-4);
  value.dataSync();
  value.dispose();
  for (const g of Object.values(clipped.grads)) g.dispose();
}

interface Row {
  shape: string;
  static: Sample;
  hyper: Sample;
  modules: Sample;
  hyperParams: number;
  staticParams: number;
}

/**
 * Both variants share one backbone and alternate step by step (the order flipping each round), so
 * drift (allocator growth, caches warming, other load on the machine) affects both alike.
 */
function benchShape(name: string, args: Args): Row {
  const steps = args.steps ?? STEPS[name].steps;
  const warmup = args.warmup ?? STEPS[name].warmup;
  const cfg = t5ConfigFromShape(t5ShapeSchema.parse(SHAPES[name]));
  const t5 = T5Model.random(cfg, 7);
  const batch = makeBatch(cfg);
  const variants = (['static', 'hyperloader'] as const).map((variant) => {
    const model = new PeftModel(t5, resolvePeftPlan(peftSchema.parse({ variant }), cfg, TASKS), { seed: 3 });
    const vars = model.trainableVariables();
    const opt = new AdamW(vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    return { variant, model, vars, opt, samples: [] as Sample[], params: [...model.params.values()].reduce((s, v) => s + v.size, 0) };
  });
  // The backbone's transpose cache (frozen weights' transposes, kept across steps) is not a leak.
  const live = () => tf.memory().numTensors - t5.transposeCache.size;
  const before = live();
  for (let i = 0; i < warmup + steps; i++) {
    const task = TASKS[i % TASKS.length];
    // Alternate which variant goes first, so neither always runs right after the other's allocations.
    for (const v of i % 2 === 0 ? variants : [...variants].reverse()) {
      const sample = measure(() => trainStep(v.model, v.opt, v.vars, batch, task, i));
      if (i >= warmup) v.samples.push(sample);
    }
  }
  const [stat, hyper] = variants;
  const moduleSamples: Sample[] = [];
  for (let i = 0; i < warmup + Math.max(steps, 5); i++) {
    const sample = measure(() => hypernetworkPass(hyper.model, 'atis'));
    if (i >= warmup) moduleSamples.push(sample);
  }
  const leaked = live() - before;
  if (leaked > 0) process.stderr.write(`warning: ${name}: ${leaked} tensors left after the timed steps\n`);
  const summary = (xs: Sample[]): Sample => ({ wall: medianOf(xs, 'wall'), cpu: medianOf(xs, 'cpu') });
  const row: Row = {
    shape: name,
    static: summary(stat.samples),
    hyper: summary(hyper.samples),
    modules: summary(moduleSamples),
    hyperParams: hyper.params,
    staticParams: stat.params,
  };
  for (const v of variants) {
    process.stderr.write(`${name} ${v.variant}: wall ${v.samples.map((m) => m.wall.toFixed(0)).join(' ')} ms; cpu ${v.samples.map((m) => m.cpu.toFixed(0)).join(' ')} ms\n`);
    v.opt.dispose();
    v.model.dispose();
  }
  t5.dispose();
  tf.dispose(Object.values(batch));
  return row;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await initBackend('wasm');
  process.stderr.write(`backend ${backend.name}; batch ${BATCH} × ${SOURCE} source / ${TARGET} target tokens; 7 tasks; median over the timed steps after warm-up\n`);
  const rows = args.shapes.map((s) => benchShape(s, args));
  const head = ['shape', 'static ms', 'hyperloader ms', 'ratio', 'wall ratio', 'generate ms', 'generate share', 'peft params (hl / static)'];
  const body = rows.map((r) => [
    r.shape,
    r.static.cpu.toFixed(1),
    r.hyper.cpu.toFixed(1),
    (r.hyper.cpu / r.static.cpu).toFixed(3),
    (r.hyper.wall / r.static.wall).toFixed(3),
    r.modules.cpu.toFixed(1),
    `${((100 * r.modules.cpu) / r.hyper.cpu).toFixed(1)}%`,
    `${r.hyperParams.toLocaleString('en-US')} / ${r.staticParams.toLocaleString('en-US')}`,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  process.stdout.write(`${[line(head), ...body.map(line)].join('\n')}\n`);
  process.stdout.write(
    'ms: median CPU time per step; ratio = hyperloader / static (target ≤ 1.10); wall ratio: the same from wall-clock medians; ' +
      "generate: forward+backward of the task's modules alone (plus a sum per generated tensor), share of the hyperloader step\n",
  );
}

await main();
