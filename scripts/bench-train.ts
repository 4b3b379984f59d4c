/**
 * Training-loop benchmark (issue 7): the real loop — `trainSteps` over the temperature sampler and
 * the bundled demo data, with the run's own tokenizer, model, AdamW, clipping and schedule — on the
 * wasm backend, for
 *   quickstart  configs/quickstart.yaml as it is (backend forced to wasm);
 *   t5-small    a randomly initialised t5-small shape (d_model 512, d_kv 64, d_ff 2048, 6+6 layers,
 *               8 heads, vocab 32128) with the vendored T5 tokenizer, peft hyperloader with the
 *               paper's knobs (bottleneck d/32, LoRA r 8, α 8), frozen backbone (RMSNorm scales
 *               trained), dropout 0.1, summed label-smoothed loss, batch 8, and max lengths 64/32
 *               (not the paper's 128/128: a t5-small step takes seconds here).
 * Each case also runs the `static` variant (same placement, per-task weights, no hypernetwork, same
 * seed and so the same batches), its steps interleaved with the hyperloader ones, and the
 * hyperloader model's module generation is timed on its own (forward + backward of a sum over
 * every generated tensor): two estimates of what the hypernetwork costs per step.
 *
 *   npm run build && npm run bench:train -- [--cases quickstart,t5-small] [--variants hyperloader,static]
 *        [--steps N] [--warmup N] [--threads 1] [--json out.json]
 *
 * Every case runs in its own child process: a fresh wasm heap each (it only grows and cannot pass
 * 4 GB), and an out-of-memory abort is reported instead of ending the benchmark. The machine may
 * be shared: process CPU time is reported beside wall time (single-threaded wasm: CPU
 * time is the work done, wall time also counts waiting for a core).
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../src/config/schema.js';
import { loadConfig, resolveConfigObject } from '../src/config/load.js';
import { resolvePeftPlan } from '../src/peft/config.js';
import { PeftModel } from '../src/peft/model.js';
import { hypernetworkPass } from '../src/train/profile.js';
import { initBackend } from '../src/runtime/backend.js';
import { createLogger } from '../src/runtime/logger.js';
import { packageRoot } from '../src/runtime/paths.js';
import { wasmThreads } from '../src/runtime/wasm-threads.js';
import type { Example } from '../src/data/collate.js';
import { samplerFor, toExamples } from '../src/train/features.js';
import { trainSteps, type StepReport } from '../src/train/loop.js';
import { adamWFor } from '../src/train/optimizer.js';
import { prepareRun } from '../src/train/prepare.js';
import { buildModel } from '../src/train/setup.js';

const CASES = ['quickstart', 't5-small'] as const;
type Case = (typeof CASES)[number];
const VARIANTS = ['hyperloader', 'static'] as const;
type Variant = (typeof VARIANTS)[number];

/**
 * Warm-up and timed steps per case. Quickstart steps are tens of ms and mostly JavaScript per
 * kernel (V8 keeps optimising for a while: a longer warm-up); a t5-small step takes seconds.
 */
const STEPS: Record<Case, { warmup: number; steps: number }> = {
  quickstart: { warmup: 15, steps: 40 },
  't5-small': { warmup: 2, steps: 8 },
};

/** The t5-small case (see the header); data are the quickstart's two demo tasks. */
const T5_SMALL_LENGTHS = { source: 64, target: 32 };
function t5SmallConfig(sets: string[]): Config {
  return resolveConfigObject(
    {
      experiment: { name: 'bench-train-t5-small', seed: 42 },
      model: {
        random_init: { vocab_size: 32128, d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_heads: 8, dropout_rate: 0.1 },
        train_backbone: false,
      },
      peft: { variant: 'hyperloader' },
      data: {
        tasks: [{ name: 'demo_slots' }, { name: 'demo_ner' }],
        max_source_length: T5_SMALL_LENGTHS.source,
        max_target_length: T5_SMALL_LENGTHS.target,
      },
      training: { batch_size: 8, lr: 3e-4, warmup_steps: 500, loss_reduction: 'sum', label_smoothing: 0.1, clip_norm: 1.0 },
    },
    { sets, source: 'bench-train t5-small config' },
  );
}

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: CASES.join(',') },
    variants: { type: 'string', default: VARIANTS.join(',') },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string', default: '1' },
    json: { type: 'string' },
    /** Internal: run one case:variant in this process and print its result as JSON. */
    child: { type: 'string' },
  },
});
const threads = Number(args.threads);

interface Sample {
  wall: number;
  cpu: number;
}

/** Wall and process CPU time (user + system, every thread) of one call, in ms. */
function measure<T>(fn: () => T): { value: T; sample: Sample } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, sample: { wall, cpu: (c.user + c.system) / 1000 } };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const medianSample = (xs: Sample[]): Sample => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) });

interface Result {
  case: Case;
  variant: Variant;
  backend: string;
  /** What the backend loader said (SIMD, threads). */
  backendNote: string;
  /** Threads asked for (experiment.threads) and the ones the wasm backend runs with. */
  threads: number;
  wasmThreads: number;
  batchSize: number;
  maxSource: number;
  maxTarget: number;
  warmup: number;
  steps: number;
  /** Median per timed step, ms (the variants' steps interleaved). */
  step: Sample;
  stepWalls: number[];
  examplesPerS: number;
  targetTokensPerS: number;
  /** Mean non-pad target tokens per step. */
  targetTokensPerStep: number;
  /** Mean tokens per training example (before padding) and the share cut at the max length. */
  sourceTokens: number;
  targetTokens: number;
  truncatedSource: number;
  truncatedTarget: number;
  /** Forward + backward of the task's generated modules alone, median ms (hyperloader only). */
  generate?: Sample;
  trainable: number;
  total: number;
  /** The variants ran on one backbone object (frozen but for its RMSNorm scales). */
  sharedBackbone: boolean;
  /** Process start to the first step (config, backend, data, tokenizer, models), all variants together. */
  setupS: number;
  lossFirst: number;
  lossLast: number;
  /** Live tensors after the timed steps minus before, all variants together. */
  leakedTensors: number;
  /** The heap at the end, all variants together. */
  wasmHeapMiB?: number;
}

async function caseConfig(c: Case, variant: Variant): Promise<Config> {
  const sets = ['experiment.backend=wasm', `experiment.threads=${threads}`];
  if (variant !== 'hyperloader') sets.push(`peft.variant=${variant}`);
  if (c === 'quickstart') return (await loadConfig(join(packageRoot(), 'configs', 'quickstart.yaml'), sets)).config;
  return t5SmallConfig(sets);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

interface Lane {
  variant: Variant;
  config: Config;
  model: PeftModel;
  optimizer: ReturnType<typeof adamWFor>;
  loop: Generator<StepReport, void, void>;
  timed: { sample: Sample; examples: number; tokens: number; loss: number }[];
}

/**
 * One case, every variant in this process. The variants take turns step by step (the order flipping
 * each round), so drift — allocator growth, caches warming, other load on a shared machine — hits
 * them alike. Each has its own sampler with the run's seed (the same batches), optimizer and loop.
 * With a frozen backbone they share it (t5-small's weights fit the wasm heap once, not twice); only
 * its RMSNorm scales are then updated by both, which changes values, not the work per step. A
 * trained backbone (the quickstart) is built once per variant from the same seed.
 */
async function child(spec: string): Promise<void> {
  const [c, list] = spec.split(':') as [Case, string];
  const variants = list.split('+') as Variant[];
  const warmup = args.warmup !== undefined ? Number(args.warmup) : STEPS[c].warmup;
  const steps = args.steps !== undefined ? Number(args.steps) : STEPS[c].steps;
  const t0 = performance.now();
  const configs = await Promise.all(variants.map((v) => caseConfig(c, v)));
  // The loop stops at training.steps: leave room for the warm-up and timed steps.
  for (const cfg of configs) cfg.training.steps = Math.max(cfg.training.steps, warmup + steps);
  const config = configs[0];
  const logger = createLogger({ level: 'warn' });
  // prepareRun initialises the backend again; with the same choice that is a no-op.
  const backend = await initBackend(config.experiment.backend, { threads: config.experiment.threads, logger });
  const run = await prepareRun(config, logger);
  const { tokenizer } = run;
  const taskNames = run.tasks.map((x) => x.name);
  // As train() does (src/train/run.ts), without the run directory. The variants differ only in peft.*.
  const examples: Record<string, Example[]> = {};
  for (const task of run.tasks) {
    examples[task.name] = toExamples(task.splits.train, tokenizer, { maxSourceLength: config.data.max_source_length, maxTargetLength: config.data.max_target_length, codec: run.codec });
  }
  const all = Object.values(examples).flat();
  const lanes: Lane[] = [];
  for (const [i, cfg] of configs.entries()) {
    const t = cfg.training;
    const model =
      i === 0
        ? run.model
        : cfg.model.train_backbone
          ? (await buildModel(cfg, taskNames, tokenizer)).model
          : new PeftModel(run.model.t5, resolvePeftPlan(cfg.peft, run.model.t5.cfg, taskNames, { trainBackbone: false }), { seed: cfg.experiment.seed });
    const sampler = samplerFor(examples, t, cfg.experiment.seed);
    const optimizer = adamWFor(model.trainableVariables(), t);
    const microBatches = t.grad_accumulation === 'auto' ? 1 : t.grad_accumulation;
    const loop = trainSteps({ model, optimizer, sampler, examples, training: t, seed: cfg.experiment.seed, padId: tokenizer.padId, decoderStartId: model.t5.cfg.decoder_start_token_id, microBatches });
    lanes.push({ variant: variants[i], config: cfg, model, optimizer, loop, timed: [] });
  }
  const backbones = [...new Set(lanes.map((l) => l.model.t5))];
  const setupS = (performance.now() - t0) / 1000;

  // The backbones' caches of frozen weights' transposes fill during the first steps and are kept: not a leak.
  const live = () => tf.memory().numTensors - backbones.reduce((s, b) => s + b.transposeCache.size, 0);
  let before = 0;
  for (let i = 0; i < warmup + steps; i++) {
    if (i === warmup) before = live();
    for (const lane of i % 2 === 0 ? lanes : [...lanes].reverse()) {
      const { value, sample } = measure(() => lane.loop.next());
      if (value.done) throw new Error(`the ${lane.variant} loop ended after ${i} steps`);
      if (i >= warmup) lane.timed.push({ sample, examples: value.value.examples, tokens: value.value.tokens, loss: value.value.tokenLoss });
    }
  }
  const leakedTensors = live() - before;

  const generated = new Map<Variant, Sample>();
  for (const lane of lanes.filter((l) => l.model.plan.source === 'hypernetwork')) {
    const gs: Sample[] = [];
    const n = Math.max(steps, 5);
    for (let i = 0; i < warmup + n; i++) {
      const { sample } = measure(() => hypernetworkPass(lane.model, taskNames[i % taskNames.length]));
      if (i >= warmup) gs.push(sample);
    }
    generated.set(lane.variant, medianSample(gs));
  }

  const heap = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length : undefined;
  for (const lane of lanes) {
    const { timed } = lane;
    const t = lane.config.training;
    const wallS = timed.reduce((s, x) => s + x.sample.wall, 0) / 1000;
    const counts = lane.model.parameterCounts();
    const result: Result = {
      case: c,
      variant: lane.variant,
      backend: tf.getBackend(),
      backendNote: backend.tried.find((x) => x.ok)?.reason ?? '',
      threads: config.experiment.threads,
      wasmThreads: wasmThreads(),
      batchSize: t.batch_size,
      maxSource: config.data.max_source_length,
      maxTarget: config.data.max_target_length,
      warmup,
      steps,
      step: medianSample(timed.map((x) => x.sample)),
      stepWalls: timed.map((x) => Math.round(x.sample.wall)),
      examplesPerS: timed.reduce((s, x) => s + x.examples, 0) / wallS,
      targetTokensPerS: timed.reduce((s, x) => s + x.tokens, 0) / wallS,
      targetTokensPerStep: mean(timed.map((x) => x.tokens)),
      sourceTokens: mean(all.map((e) => e.source.length)),
      targetTokens: mean(all.map((e) => e.target.length)),
      truncatedSource: all.filter((e) => e.source.length >= config.data.max_source_length).length / all.length,
      truncatedTarget: all.filter((e) => e.target.length >= config.data.max_target_length).length / all.length,
      generate: generated.get(lane.variant),
      trainable: counts.trainable,
      total: counts.total,
      sharedBackbone: lane.model.t5 === run.model.t5 && lanes.length > 1 && !lane.config.model.train_backbone,
      setupS,
      lossFirst: timed[0].loss,
      lossLast: timed[timed.length - 1].loss,
      leakedTensors,
      wasmHeapMiB: heap === undefined ? undefined : Math.round(heap / 2 ** 20),
    };
    console.log(`RESULT ${JSON.stringify(result)}`);
  }
  for (const lane of lanes) {
    lane.optimizer.dispose();
    lane.model.dispose();
  }
  for (const b of backbones) b.dispose();
}

const f0 = (x: number) => x.toFixed(0);
const f1 = (x: number) => x.toFixed(1);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function table(head: string[], body: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (i < 2 ? x.padEnd(w[i]) : x.padStart(w[i]))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

interface Share {
  case: Case;
  /** generate (fwd+bwd of the modules alone) / hyperloader step, CPU and wall medians. */
  generateShareCpu: number;
  generateShareWall: number;
  /** 1 − static / hyperloader step (CPU medians): the step time the hypernetwork adds. */
  staticShareCpu?: number;
  ratioCpu?: number;
  ratioWall?: number;
}

async function main(): Promise<void> {
  const cases = args.cases!.split(',') as Case[];
  const variants = args.variants!.split(',') as Variant[];
  for (const c of cases) if (!CASES.includes(c)) throw new Error(`unknown case ${c}; known: ${CASES.join(', ')}`);
  for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`unknown variant ${v}; known: ${VARIANTS.join(', ')}`);
  const load0 = loadavg();
  console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); load average ${load0.map((x) => x.toFixed(2)).join(' ')}`);
  console.log(
    `wasm, threads ${threads}; the real training loop (trainSteps: sampler → collate → loss/gradients → clip → AdamW); ` +
      `median over the timed steps after warm-up. t5-small: random init, vendored T5 tokenizer, frozen backbone, batch 8, ` +
      `max lengths ${T5_SMALL_LENGTHS.source}/${T5_SMALL_LENGTHS.target} (the paper: 128/128) to keep it affordable.`,
  );
  const script = fileURLToPath(import.meta.url);
  const results: Result[] = [];
  const failures: string[] = [];
  for (const c of cases) {
    const childArgs = [script, '--child', `${c}:${variants.join('+')}`, '--threads', String(threads)];
    if (args.steps !== undefined) childArgs.push('--steps', args.steps);
    if (args.warmup !== undefined) childArgs.push('--warmup', args.warmup);
    const r = spawnSync(process.execPath, childArgs, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, cwd: packageRoot() });
    const got = r.stdout.split('\n').filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)) as Result);
    if (r.status !== 0 || got.length === 0) {
      const why = /Aborted|memory access out of bounds/.test(r.stderr) ? 'out of wasm memory (4 GB heap)' : `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
      failures.push(`${c}: ${why}`);
      console.log(`${c}: failed: ${why}`);
      continue;
    }
    for (const res of got) {
      results.push(res);
      console.log(
        `${c} ${res.variant}: ${res.backend} with ${res.wasmThreads} thread(s)${res.sharedBackbone ? ', one backbone shared by the variants' : ''}; ` +
          `step wall ${res.stepWalls.join(' ')} ms; loss/token ${res.lossFirst.toFixed(3)} → ${res.lossLast.toFixed(3)}`,
      );
    }
    console.log(`${c}: setup ${got[0].setupS.toFixed(1)} s; wasm heap ${got[0].wasmHeapMiB ?? '-'} MiB at the end`);
  }

  const shares: Share[] = [];
  for (const c of cases) {
    const hl = results.find((r) => r.case === c && r.variant === 'hyperloader');
    const st = results.find((r) => r.case === c && r.variant === 'static');
    if (!hl?.generate) continue;
    shares.push({
      case: c,
      generateShareCpu: hl.generate.cpu / hl.step.cpu,
      generateShareWall: hl.generate.wall / hl.step.wall,
      staticShareCpu: st ? 1 - st.step.cpu / hl.step.cpu : undefined,
      ratioCpu: st ? hl.step.cpu / st.step.cpu : undefined,
      ratioWall: st ? hl.step.wall / st.step.wall : undefined,
    });
  }

  console.log('');
  const head = ['case', 'variant', 'batch', 'src/tgt max', 'ms/step wall', 'ms/step cpu', 'examples/s', 'tgt tokens/s', 'tgt tok/step', 'generate ms cpu', 'trainable params'];
  const body = results.map((r) => [
    r.case,
    r.variant,
    String(r.batchSize),
    `${r.maxSource}/${r.maxTarget}`,
    f0(r.step.wall),
    f0(r.step.cpu),
    f1(r.examplesPerS),
    f0(r.targetTokensPerS),
    f0(r.targetTokensPerStep),
    r.generate ? f1(r.generate.cpu) : '-',
    r.trainable.toLocaleString('en-US'),
  ]);
  console.log(table(head, body));
  console.log('');
  const shareHead = ['case', '', 'generate / step (cpu)', 'generate / step (wall)', 'hyperloader / static (cpu)', '(wall)', '1 − static/hyperloader (cpu)'];
  const shareBody = shares.map((s) => [
    s.case,
    '',
    pct(s.generateShareCpu),
    pct(s.generateShareWall),
    s.ratioCpu === undefined ? '-' : s.ratioCpu.toFixed(3),
    s.ratioWall === undefined ? '-' : s.ratioWall.toFixed(3),
    s.staticShareCpu === undefined ? '-' : pct(s.staticShareCpu),
  ]);
  if (shares.length > 0) console.log(table(shareHead, shareBody));
  for (const r of results.filter((x) => x.variant === 'hyperloader')) {
    console.log(
      `${r.case}: ${f1(r.sourceTokens)} source / ${f1(r.targetTokens)} target tokens per example (truncated at the max: ${pct(r.truncatedSource)} / ${pct(r.truncatedTarget)}); ` +
        `${r.trainable.toLocaleString('en-US')} trainable of ${r.total.toLocaleString('en-US')}`,
    );
  }
  for (const r of results.filter((x) => x.variant === variants[0])) if (r.leakedTensors > 0) console.log(`warning: ${r.case}: ${r.leakedTensors} tensors more after the timed steps than before`);
  console.log(
    'ms/step: median of the timed steps (process CPU time: above wall = threads, below = waited for a core); examples/s and tokens/s: totals over the timed steps / their wall time; ' +
      "generate: forward + backward of the task's generated modules alone (a sum per generated tensor), as a share of the hyperloader step; " +
      'static: same placement as per-task weights without the hypernetwork, same batches.',
  );
  const load1 = loadavg();
  console.log(`load average at the end ${load1.map((x) => x.toFixed(2)).join(' ')}`);
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ node: process.version, cores: cpus().length, threads, loadavg: { start: load0, end: load1 }, results, shares, failures }, null, 2) + '\n');
  }
  if (failures.length > 0) process.exitCode = 1;
}

if (args.child) await child(args.child);
else await main();
// The threaded wasm build keeps pthread workers around; nothing else is pending.
process.exit(process.exitCode ?? 0);
