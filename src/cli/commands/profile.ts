/**
 * `hyperloader profile --config X [--variants a,b] [--shapes config,tiny,small,base]
 * [--batch-sizes 8,32] [--json]`: what each combination costs on this machine's backend — a
 * training step (median, per example, per target token), the hypernetwork's share of it, peak
 * memory, decoding latency (batch 1, p50/p95) and throughput (eval.batch_size), the checkpoint's
 * size and the parameters one more task adds. Each combination runs in its own process
 * (src/train/profile.ts says why); one that runs out of memory is reported as not fitting.
 * Writes profile.json and profile.md under <runs_dir>/profile-<experiment.name>/ (or --out).
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { PEFT_VARIANTS } from '../../config/schema.js';
import { HyperloaderError } from '../../errors.js';
import { writeFileAtomic } from '../../runtime/fs.js';
import { profileCase, SHAPE_NAMES, type ProfileCase, type ProfileResult, type ProfileShape } from '../../train/profile.js';
import { loadConfigFromArgs, loggerFromArgs, withConfigOption, type GlobalArgs } from '../common.js';

export interface Args extends GlobalArgs {
  config: string;
  variants?: string[];
  shapes?: string[];
  'batch-sizes'?: string[];
  steps: number;
  warmup: number;
  'latency-sentences': number;
  out?: string;
  json?: boolean;
  /** Internal: measure one case (JSON) in this process and print it. */
  case?: string;
}

const RESULT = 'PROFILE_RESULT ';
const list = (xs: string[] | undefined) => xs?.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);

/** The combinations asked for, checked: every name known, every batch size a positive integer. */
export function profileCases(
  args: { variants?: string[]; shapes?: string[]; batchSizes?: string[]; steps: number; warmup: number; latencySentences: number },
  defaults: { variant: string; batchSize: number },
): ProfileCase[] {
  const variants = list(args.variants) ?? [defaults.variant];
  for (const v of variants) {
    if (!(PEFT_VARIANTS as readonly string[]).includes(v)) throw new HyperloaderError(`--variants: unknown variant "${v}"; known: ${PEFT_VARIANTS.join(', ')}`, { exitCode: 2 });
  }
  const shapes = (list(args.shapes) ?? ['config']) as ProfileShape[];
  for (const s of shapes) {
    if (!SHAPE_NAMES.includes(s)) throw new HyperloaderError(`--shapes: unknown shape "${s}"; known: ${SHAPE_NAMES.join(', ')}`, { exitCode: 2 });
  }
  const batchSizes = (list(args.batchSizes) ?? [String(defaults.batchSize)]).map((b) => {
    const n = Number(b);
    if (!Number.isInteger(n) || n < 1) throw new HyperloaderError(`--batch-sizes: "${b}" is not a positive integer`, { exitCode: 2 });
    return n;
  });
  for (const [flag, n] of [['--steps', args.steps], ['--warmup', args.warmup], ['--latency-sentences', args.latencySentences]] as const) {
    if (!Number.isInteger(n) || n < (flag === '--warmup' ? 0 : 1)) throw new HyperloaderError(`${flag}: ${n} is not a ${flag === '--warmup' ? 'non-negative' : 'positive'} integer`, { exitCode: 2 });
  }
  const cases: ProfileCase[] = [];
  for (const shape of shapes) {
    for (const variant of variants) {
      for (const batchSize of batchSizes) cases.push({ variant, shape, batchSize, steps: args.steps, warmup: args.warmup, latencySentences: args.latencySentences });
    }
  }
  return cases;
}

const ms = (x: number | null | undefined) => (x == null ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mib = (x: number | null | undefined) => (x == null ? '-' : (x / 2 ** 20).toFixed(0));
const pct = (x: number | null | undefined) => (x == null ? '-' : `${(100 * x).toFixed(1)}%`);
const int = (x: number | undefined) => (x === undefined ? '-' : x.toLocaleString('en-US'));

export const PROFILE_COLUMNS = [
  'variant', 'shape', 'batch', 'step ms', 'ms/example', 'ms/target token', 'examples/s', 'hypernetwork share',
  'peak RSS MiB', 'wasm heap MiB', 'tensor MiB', 'decode p50 ms', 'decode p95 ms', 'decode sent/s', 'checkpoint MiB', 'trainable', 'per task',
] as const;

/** One row per case, in PROFILE_COLUMNS order; a case that does not fit says so. */
export function profileRows(results: readonly ProfileResult[]): string[][] {
  return results.map((r) =>
    r.fits
      ? [
          r.variant, r.shape, String(r.batch_size), ms(r.step_ms), ms(r.ms_per_example), ms(r.ms_per_target_token), (r.examples_per_s ?? 0).toFixed(1),
          pct(r.hypernetwork_share), mib(r.peak_rss_bytes), mib(r.wasm_heap_bytes), mib(r.peak_tensor_bytes), ms(r.decode_ms_p50), ms(r.decode_ms_p95),
          (r.decode_sentences_per_s ?? 0).toFixed(1), (r.checkpoint_bytes! / 2 ** 20).toFixed(2), int(r.trainable_parameters), int(r.parameters_per_task),
        ]
      : [r.variant, r.shape, String(r.batch_size), ...PROFILE_COLUMNS.slice(3).map((_, i) => (i === 0 ? 'does not fit' : ''))],
  );
}

export function profileMarkdown(results: readonly ProfileResult[], about: string): string {
  const rows = profileRows(results);
  const out = [
    '# Profile',
    '',
    about,
    '',
    `| ${PROFILE_COLUMNS.join(' | ')} |`,
    `|${PROFILE_COLUMNS.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    'step ms: median wall time of a training step after the warm-up (the real loop: sampler, collate, loss and gradients, clipping, AdamW); ' +
      "hypernetwork share: forward + backward of one task's generated modules alone / the step; peak RSS: the process (one per case); " +
      'wasm heap: its size at the end (it only grows); tensor MiB: tfjs live tensor bytes at most; decode: greedy, first task\'s dev sentences, ' +
      'p50/p95 one sentence at a time, sentences/s at eval.batch_size; checkpoint: checkpoints/last (trainable weights, AdamW moments, state); ' +
      'per task: trainable parameters one more task adds.',
  ];
  for (const r of results.filter((x) => !x.fits)) out.push('', `${r.variant} / ${r.shape} / batch ${r.batch_size}: ${r.error}`);
  return out.join('\n') + '\n';
}

function table(rows: string[][]): string {
  const all = [[...PROFILE_COLUMNS], ...rows];
  const w = PROFILE_COLUMNS.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((x, i) => (i < 2 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  ')).join('\n') + '\n';
}

/** One case in a child process: its result, or "does not fit" when the wasm heap ran out. */
function runChild(args: Args, c: ProfileCase): Promise<ProfileResult> {
  const argv = [process.argv[1]!, 'profile', '--config', args.config, '--case', JSON.stringify(c), '--quiet'];
  for (const s of args.set ?? []) argv.push('--set', s);
  if (args.backend) argv.push('--backend', args.backend);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT));
      if (code === 0 && line) return done(JSON.parse(line.slice(RESULT.length)) as ProfileResult);
      const tail = err.trim().split('\n').slice(-3).join(' | ');
      if (/Aborted\(|memory access out of bounds|out of memory/i.test(err)) {
        return done({ variant: c.variant, shape: c.shape, batch_size: c.batchSize, backend: args.backend ?? '', fits: false, error: `does not fit: ${tail}` });
      }
      fail(new HyperloaderError(`profile ${c.variant}/${c.shape}/batch ${c.batchSize} failed (exit ${code}): ${tail}`));
    });
  });
}

export const command: CommandModule<object, Args> = {
  command: 'profile',
  describe: 'Measure training step time, memory, decoding latency/throughput and checkpoint size per variant, shape and batch size',
  builder: (y) =>
    withConfigOption(y)
      .option('variants', { type: 'string', array: true, describe: `PEFT variants (comma-separated): ${PEFT_VARIANTS.join(', ')}; default the config's` })
      .option('shapes', { type: 'string', array: true, describe: `backbone shapes: ${SHAPE_NAMES.join(', ')} (config = as configured; the others are random-init T5 shapes with the config's tokenizer)` })
      .option('batch-sizes', { type: 'string', array: true, describe: "training batch sizes (comma-separated); default the config's" })
      .option('steps', { type: 'number', default: 10, describe: 'timed training steps per case' })
      .option('warmup', { type: 'number', default: 3, describe: 'untimed steps first' })
      .option('latency-sentences', { type: 'number', default: 20, describe: 'dev sentences decoded one at a time for the latency percentiles' })
      .option('out', { type: 'string', describe: 'folder for profile.json/.md (default <runs_dir>/profile-<experiment.name>)' })
      .option('json', { type: 'boolean', describe: 'print the results as JSON instead of the table' })
      .option('case', { type: 'string', hidden: true })
      .example('$0 profile -c configs/quickstart.yaml --variants hyperloader,lora --batch-sizes 8,32', 'two variants × two batch sizes')
      .example('$0 profile -c configs/quickstart.yaml --shapes tiny,small,base', 'how the cost grows with the backbone') as unknown as Argv<Args>,
  handler: async (args) => {
    const { config } = await loadConfigFromArgs(args);
    if (args.case) {
      const { initBackend } = await import('../../runtime/backend.js');
      const logger = loggerFromArgs({ ...args, quiet: true });
      await initBackend(config.experiment.backend, { threads: config.experiment.threads, logger });
      const result = await profileCase(config, JSON.parse(args.case) as ProfileCase, logger);
      process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
      return;
    }
    const cases = profileCases(
      { variants: args.variants, shapes: args.shapes, batchSizes: args['batch-sizes'], steps: args.steps, warmup: args.warmup, latencySentences: args['latency-sentences'] },
      { variant: config.peft.variant, batchSize: config.training.batch_size },
    );
    const logger = loggerFromArgs(args);
    const results: ProfileResult[] = [];
    for (const [i, c] of cases.entries()) {
      logger.info(`profile ${i + 1}/${cases.length}: ${c.variant}, shape ${c.shape}, batch ${c.batchSize}`);
      results.push(await runChild(args, c));
    }
    const { cpus } = await import('node:os');
    const about =
      `Config \`${args.config}\`${(args.set ?? []).length ? ` with ${args.set!.map((s) => `--set ${s}`).join(' ')}` : ''}; backend ${results.find((r) => r.fits)?.backend ?? '?'}; ` +
      `${args.warmup} warm-up + ${args.steps} timed steps per case; node ${process.version}; ${cpus()[0]?.model ?? '?'} × ${cpus().length}; ${new Date().toISOString()}.`;
    const dir = resolve(args.out ?? join(config.experiment.runs_dir, `profile-${config.experiment.name}`));
    await writeFileAtomic(join(dir, 'profile.json'), JSON.stringify({ about, results }, null, 2) + '\n');
    await writeFileAtomic(join(dir, 'profile.md'), profileMarkdown(results, about));
    if (args.json) process.stdout.write(JSON.stringify({ about, results }, null, 2) + '\n');
    else process.stdout.write(`${about}\n\n${table(profileRows(results))}\nwritten: ${join(dir, 'profile.md')} (also .json)\n`);
  },
};
