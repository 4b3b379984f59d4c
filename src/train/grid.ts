/**
 * A grid: several runs of one config (an ablation's variants × seeds, or a sweep's points × seeds)
 * in one folder, whatever trains them. The layout, the same for every launcher:
 *
 *   runs_dir/<grid>/grid.json          the runs (name, overrides, seed, config path) and each launch
 *   runs_dir/<grid>/configs/<run>.yaml each run's resolved config: what `train --config` gets
 *   runs_dir/<grid>/slurm/             the sbatch script and the array tasks' logs (--launcher slurm)
 *   runs_dir/<grid>/<run>/             the runs themselves (experiment.name = <grid>/<run>)
 *   runs_dir/<grid>/comparison.md|csv  written by the local launcher at the end, or `collect`
 *
 * A run is trained from its configs/<run>.yaml, with --resume once its folder exists, so a grid
 * started by one launcher can be continued by the other: the run folders are the truth.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Logger } from 'pino';
import { HyperloaderError } from '../errors.js';
import { configToYaml, loadConfig } from '../config/load.js';
import { resolveConfigPath, resolveRunDir } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import { writeFileAtomic } from '../runtime/fs.js';
import { packageVersion } from '../runtime/paths.js';
import { configDifferences, readRunInfo } from './run-folder.js';
import { flowValue, gridPoints, type GridPoint, type GridSpec } from './grid-file.js';
import { train } from './run.js';
import type { AblationRun } from './ablate.js';

export const GRID_FILE = 'grid.json';

export interface GridRun {
  /** Its position in grid.json: the Slurm array task index. */
  index: number;
  /** Folder name inside the grid (and configs/<label>.yaml). */
  label: string;
  /** experiment.name: <grid>/<label>. */
  name: string;
  /** The comparison's first column: an ablation's variant, or a sweep point's varying overrides. */
  variant: string;
  seed: number;
  /** Dotted config keys → values this run sets on top of the config (seed and name aside). */
  overrides: Record<string, unknown>;
  /** Its resolved config, relative to the grid folder. */
  config: string;
}

export interface GridLaunch {
  launcher: 'local' | 'slurm';
  at: string;
  /** Indices of the runs it started. */
  runs: number[];
  /** Slurm: the array job's id (absent for --dry-run). */
  job_id?: string;
  /** Slurm: the script, relative to the grid folder. */
  script?: string;
  dry_run?: boolean;
}

export interface GridFile {
  version: 1;
  grid: string;
  kind: 'ablate' | 'sweep';
  hyperloader_version: string;
  created: string;
  updated: string;
  /** Where the runs came from: the config, its --set values, the grid file (sweep). */
  source: { config: string; sets: string[]; grid_file?: string };
  runs: GridRun[];
  launches: GridLaunch[];
}

export function readGrid(gridDir: string): GridFile | null {
  const file = join(gridDir, GRID_FILE);
  if (!existsSync(file)) return null;
  try {
    const g = JSON.parse(readFileSync(file, 'utf8')) as GridFile;
    if (g.version !== 1 || !Array.isArray(g.runs)) throw new Error('not a version 1 grid.json');
    return g;
  } catch (e) {
    throw new HyperloaderError(`${file} is not a readable grid.json (${(e as Error).message}); restore it, or start the grid under another name`, { exitCode: 1 });
  }
}

export async function writeGrid(gridDir: string, grid: GridFile): Promise<void> {
  grid.updated = new Date().toISOString();
  await writeFileAtomic(join(gridDir, GRID_FILE), JSON.stringify(grid, null, 2) + '\n');
}

/**
 * A grid folder from a command-line argument: a folder with grid.json, else runs/<arg> (the
 * default runs_dir) with one.
 */
export function findGridDir(arg: string): string {
  for (const dir of [resolve(arg), resolve('runs', arg)]) if (existsSync(join(dir, GRID_FILE))) return dir;
  throw new HyperloaderError(
    `no grid at ${resolve(arg)}${arg.includes('/') ? '' : ` or ${resolve('runs', arg)}`} (no ${GRID_FILE}); pass the grid folder that ablate or sweep made, e.g. runs/quickstart`,
    { exitCode: 2 },
  );
}

export interface GridPlanOptions {
  kind: GridFile['kind'];
  /** The grid's name: its folder under the config's runs_dir. */
  name: string;
  configFile: string;
  sets: string[];
  points: GridPoint[];
  gridFile?: string;
  backend?: Config['experiment']['backend'];
}

export interface PreparedGrid {
  gridDir: string;
  grid: GridFile;
  /** Indices (in grid.runs) of this plan's runs, in plan order. */
  selected: number[];
  /** The base config (with --set), launcher options included. */
  base: Config;
}

/** A run's config as a grid writes it: the config with the run's overrides, without launcher options. */
export async function runConfig(opts: Pick<GridPlanOptions, 'configFile' | 'sets' | 'backend'>, gridName: string, p: GridPoint): Promise<Config> {
  const sets = [
    ...opts.sets,
    ...Object.entries(p.overrides).map(([k, v]) => `${k}=${flowValue(v)}`),
    ...(p.seed === undefined ? [] : [`experiment.seed=${p.seed}`]),
    `experiment.name=${gridName}/${p.label}`,
  ];
  const { config } = await loadConfig(opts.configFile, sets);
  if (opts.backend) config.experiment.backend = opts.backend;
  delete config.launcher;
  return config;
}

/**
 * Writes (or extends) the grid folder for a plan: configs/<run>.yaml and grid.json. A run already
 * in grid.json keeps its index and must resolve to the same config (else the error names the keys
 * that changed); new runs are appended. Nothing is trained.
 */
export async function prepareGrid(opts: GridPlanOptions): Promise<PreparedGrid> {
  const { config: base } = await loadConfig(opts.configFile, opts.sets);
  const gridDir = resolve(resolveConfigPath(base, base.experiment.runs_dir), opts.name);
  const now = new Date().toISOString();
  const grid: GridFile = readGrid(gridDir) ?? {
    version: 1,
    grid: opts.name,
    kind: opts.kind,
    hyperloader_version: packageVersion(),
    created: now,
    updated: now,
    source: { config: resolve(opts.configFile), sets: opts.sets, ...(opts.gridFile ? { grid_file: resolve(opts.gridFile) } : {}) },
    runs: [],
    launches: [],
  };
  const texts = new Map<string, string>();
  const selected: number[] = [];
  for (const p of opts.points) {
    const config = await runConfig(opts, opts.name, p);
    if (resolveRunDir(config) !== join(gridDir, p.label)) {
      throw new HyperloaderError(`grid run ${p.label}: its overrides move the run out of the grid folder (experiment.runs_dir); leave experiment.runs_dir out of variants and grids`, { exitCode: 2 });
    }
    const text = configToYaml(config);
    const rel = join('configs', `${p.label}.yaml`);
    const existing = grid.runs.find((r) => r.label === p.label);
    if (existing) {
      const file = join(gridDir, existing.config);
      const saved = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
      if (saved !== undefined && saved !== text) {
        const changed = configDifferences(parseYaml(saved), parseYaml(text));
        throw new HyperloaderError(
          `grid ${gridDir}: run ${p.label} was planned with another config (${file}): ${changed.slice(0, 8).join('; ')}${changed.length > 8 ? `; and ${changed.length - 8} more` : ''}. ` +
            'Use the same config and --set values as when the grid started, or another grid name (sweep --name, or experiment.name for ablate).',
          { exitCode: 2 },
        );
      }
      selected.push(existing.index);
    } else {
      const index = grid.runs.length;
      grid.runs.push({ index, label: p.label, name: `${opts.name}/${p.label}`, variant: p.variant, seed: config.experiment.seed, overrides: p.overrides, config: rel });
      selected.push(index);
    }
    texts.set(rel, text);
  }
  await mkdir(join(gridDir, 'configs'), { recursive: true });
  await mkdir(join(gridDir, 'slurm'), { recursive: true });
  for (const [rel, text] of texts) {
    const file = join(gridDir, rel);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) await writeFileAtomic(file, text);
  }
  await writeGrid(gridDir, grid);
  return { gridDir, grid, selected, base };
}

/** An ablation's runs (ablate.ts planAblation) as grid points: runs_dir/<base>/<variant>[-seed<S>]/. */
export function ablationPoints(base: string, plan: readonly AblationRun[]): GridPoint[] {
  return plan.map((r) => ({ label: r.name.slice(base.length + 1), variant: r.variant, seed: r.seed, overrides: r.overrides }));
}

/**
 * A sweep's points, each value first checked alone against the config schema so that a bad one is
 * named by its place in the grid file (set.training.lr[1]) as well as by the config's own message.
 */
export async function sweepPoints(configFile: string, sets: string[], spec: GridSpec, source: string): Promise<GridPoint[]> {
  const problems: string[] = [];
  for (const [key, values] of spec.set) {
    for (let i = 0; i < values.length; i++) {
      try {
        await loadConfig(configFile, [...sets, `${key}=${flowValue(values[i])}`]);
      } catch (e) {
        if (!(e instanceof HyperloaderError)) throw e;
        const detail = e.message.split('\n').slice(1).map((l) => l.trim()).filter(Boolean).join('; ') || e.message;
        problems.push(`  ${source}: set.${key}[${i}] = ${flowValue(values[i])}: ${detail}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new HyperloaderError(`invalid grid ${source} for ${configFile} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.join('\n')}`, { exitCode: 2 });
  }
  return gridPoints(spec);
}

/** Records a launch in grid.json. */
export async function recordLaunch(prepared: PreparedGrid, launch: Omit<GridLaunch, 'at'>): Promise<void> {
  prepared.grid.launches.push({ ...launch, at: new Date().toISOString() });
  await writeGrid(prepared.gridDir, prepared.grid);
}

/** A run's folder. */
export const runDirOf = (gridDir: string, run: GridRun) => join(gridDir, run.label);

/** A path for the command line: relative to the working directory when inside it, else absolute. */
export function displayPath(p: string, cwd = process.cwd()): string {
  const rel = relative(cwd, p);
  return rel && !rel.startsWith('..') && !rel.startsWith('/') ? rel : p;
}

/**
 * The local launcher: trains the selected runs one after another in this process, each from its
 * configs/<run>.yaml; finished runs are skipped, started ones resumed (also ones a Slurm task began).
 */
export async function runGridLocally(
  prepared: PreparedGrid,
  opts: { makeLogger: (logFile?: string) => Logger; signal?: AbortSignal; tty?: boolean },
): Promise<void> {
  const { gridDir, grid, selected } = prepared;
  await recordLaunch(prepared, { launcher: 'local', runs: selected });
  const logger = opts.makeLogger();
  for (const i of selected) {
    const run = grid.runs[i]!;
    const runDir = runDirOf(gridDir, run);
    if (readRunInfo(runDir)?.status === 'finished') {
      logger.info(`${run.name}: finished already, skipped`);
      continue;
    }
    const { config } = await loadConfig(join(gridDir, run.config));
    const resume = existsSync(join(runDir, 'config.yaml'));
    logger.info(`${run.name}: ${resume ? 'resuming' : 'training'}`);
    await train({ config, resume, makeLogger: opts.makeLogger, signal: opts.signal, tty: opts.tty });
  }
}
