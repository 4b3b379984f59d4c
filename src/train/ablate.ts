/**
 * `ablate`: several variants of one config (SPEC §9), each its own run under runs/<name>/<variant>/
 * (…/<variant>-seed<S>/ when several seeds are listed). Finished runs are skipped, unfinished ones
 * resumed; then comparison.md and comparison.csv (train/comparison.ts) put F1, parameters, time,
 * memory and decoding speed side by side, with seed statistics and paired bootstrap intervals.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HyperloaderError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { resolveRunDir } from '../config/paths.js';
import { PEFT_VARIANTS, type Config } from '../config/schema.js';
import { writeFileAtomic } from '../runtime/fs.js';
import { readResults } from '../eval/report.js';
import { parameterTable } from '../peft/params-table.js';
import { train } from './run.js';
import { ablationPoints, prepareGrid, recordLaunch, type PreparedGrid } from './grid.js';
import { comparisonCsv, comparisonMarkdown, type Row } from './comparison.js';
import { parametersPerTask } from './profile.js';
import { readRunInfo } from './run-folder.js';

export const DEFAULT_ABLATION = ['hyperloader', 'adapters', 'lora'];

export interface AblationRun {
  variant: string;
  seed: number;
  name: string;
  sets: string[];
  /** The variant's dotted config keys → values (the sets above, seed and name aside). */
  overrides: Record<string, unknown>;
}

/** YAML flow text for a --set value. */
const flow = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v));

/** The runs an ablation makes: each named variant (config ablate.variants, or a PEFT variant name) × each seed. */
export function planAblation(config: Config, variants: string[] | undefined, seeds: number[] | undefined): AblationRun[] {
  const named = config.ablate.variants ?? {};
  const list = variants && variants.length > 0 ? variants : Object.keys(named).length > 0 ? Object.keys(named) : DEFAULT_ABLATION;
  const seedList = seeds && seeds.length > 0 ? seeds : config.ablate.seeds ?? [config.experiment.seed];
  const base = config.experiment.name!;
  const runs: AblationRun[] = [];
  for (const v of list) {
    let overrides: Record<string, unknown>;
    if (named[v]) overrides = named[v];
    else if ((PEFT_VARIANTS as readonly string[]).includes(v)) overrides = { 'peft.variant': v };
    else {
      const known = [...Object.keys(named), ...PEFT_VARIANTS];
      throw new HyperloaderError(`--variants: unknown variant "${v}"; use one of ${known.join(', ')} or define it under ablate.variants`, { exitCode: 2 });
    }
    for (const seed of seedList) {
      const dir = seedList.length > 1 ? `${v}-seed${seed}` : v;
      const sets = [...Object.entries(overrides).map(([k, val]) => `${k}=${flow(val)}`), `experiment.seed=${seed}`, `experiment.name=${base}/${dir}`];
      runs.push({ variant: v, seed, name: `${base}/${dir}`, sets, overrides });
    }
  }
  return runs;
}

export interface AblationOptions {
  configFile: string;
  sets: string[];
  variants?: string[];
  seeds?: number[];
  backend?: Config['experiment']['backend'];
  makeLogger: (logFile?: string) => Logger;
  signal?: AbortSignal;
  tty?: boolean;
}

export interface PlannedRun extends AblationRun {
  /** The resolved config this run would train with. */
  config: Config;
  trainable: number;
  total: number;
}

/**
 * What `ablate` would run, without training: each variant × seed with its resolved config and
 * parameter counts (from shapes alone), so a grid can be checked before it spends GPU days.
 */
export async function planAblationRuns(opts: Pick<AblationOptions, 'configFile' | 'sets' | 'variants' | 'seeds'>): Promise<PlannedRun[]> {
  const { config: base } = await loadConfig(opts.configFile, opts.sets);
  const out: PlannedRun[] = [];
  for (const r of planAblation(base, opts.variants, opts.seeds)) {
    const { config } = await loadConfig(opts.configFile, [...opts.sets, ...r.sets]);
    const table = await parameterTable(config);
    out.push({ ...r, config, trainable: table.trainable, total: table.total });
  }
  return out;
}

/**
 * The ablation as a grid folder (grid.json, configs/<variant>[-seed<S>].yaml; ./grid.ts), written
 * without training: what the local launcher below and `--launcher slurm` (./slurm.ts) start from.
 */
export async function ablationGrid(opts: Pick<AblationOptions, 'configFile' | 'sets' | 'variants' | 'seeds' | 'backend'>): Promise<PreparedGrid> {
  const { config: base } = await loadConfig(opts.configFile, opts.sets);
  const name = base.experiment.name!;
  const points = ablationPoints(name, planAblation(base, opts.variants, opts.seeds));
  return prepareGrid({ kind: 'ablate', name, configFile: opts.configFile, sets: opts.sets, points, backend: opts.backend });
}

export async function ablate(opts: AblationOptions): Promise<{ dir: string; rows: Row[] }> {
  const { config: base } = await loadConfig(opts.configFile, opts.sets);
  const plan = planAblation(base, opts.variants, opts.seeds);
  // The grid layout (grid.json, configs/): `status`, `collect` and `--launcher slurm` work on it too.
  const grid = await ablationGrid(opts);
  await recordLaunch(grid, { launcher: 'local', runs: grid.selected });
  const logger = opts.makeLogger();
  const rows: Row[] = [];
  for (const r of plan) {
    const { config } = await loadConfig(opts.configFile, [...opts.sets, ...r.sets]);
    if (opts.backend) config.experiment.backend = opts.backend;
    const runDir = resolveRunDir(config);
    if (readRunInfo(runDir)?.status === 'finished') {
      logger.info(`${r.name}: finished already, skipped`);
    } else {
      const resume = existsSync(join(runDir, 'config.yaml'));
      logger.info(`${r.name}: ${resume ? 'resuming' : 'training'}`);
      await train({ config, resume, makeLogger: opts.makeLogger, signal: opts.signal, tty: opts.tty });
    }
    rows.push({ run: r, info: readRunInfo(runDir), results: readResults(runDir), dir: runDir, perTask: await parametersPerTask(config) });
  }
  const dir = join(resolveRunDir(base));
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'comparison.md'), comparisonMarkdown(base.experiment.name!, rows));
  await writeFileAtomic(join(dir, 'comparison.csv'), comparisonCsv(rows));
  return { dir, rows };
}

export { comparisonMarkdown, comparisonCsv, type Row } from './comparison.js';
