/**
 * grid.yaml, what `hyperloader sweep` runs: the cross product of `--set`-style overrides, each
 * point with each seed.
 *
 *   name: lr-variant          # optional: the grid folder, runs_dir/<name>/ (default: the file's base name)
 *   set:                      # dotted config key → the values to try (always a list)
 *     training.lr: [1.0e-3, 3.0e-3]
 *     peft.variant: [hyperloader, lora]
 *     eval.splits: [[dev]]    # a list value is one item of the list: one value, nested
 *   seeds: [1, 2]             # optional: every point with each seed (default: experiment.seed)
 *
 * Every problem is reported with the file and its key path (`set.training.lr[1]`); each value is
 * also checked against the config schema (./grid.ts) before anything is written.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse } from 'yaml';
import { HyperloaderError } from '../errors.js';
import { closest } from '../config/suggest.js';

export interface GridSpec {
  /** The grid folder's name (runs_dir/<name>/). */
  name: string;
  /** Each dotted key with the values it takes, in file order. */
  set: [string, unknown[]][];
  /** Seeds, or undefined: the config's experiment.seed. */
  seeds?: number[];
}

/** A folder name a grid or run may have: one path segment. */
export const NAME_PATTERN = /^[A-Za-z0-9_.+=-]+$/;
const KEYS = ['name', 'set', 'seeds'];

const isMap = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function readGridFile(file: string): GridSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new HyperloaderError(`--grid ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass a grid.yaml (see README "Grids on a Slurm cluster")`, { exitCode: 2 });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new HyperloaderError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`, { exitCode: 2 });
  }
  return parseGridSpec(doc, file, basename(file, extname(file)));
}

/** Validates a parsed grid.yaml; `source` names it in errors, `defaultName` is used when it has no `name`. */
export function parseGridSpec(doc: unknown, source: string, defaultName: string): GridSpec {
  const problems: string[] = [];
  const at = (path: string, msg: string) => problems.push(`  ${source}: ${path}: ${msg}`);
  if (!isMap(doc)) {
    throw new HyperloaderError(`${source}: expected a mapping with set: (dotted keys → lists of values) and optionally seeds: and name:`, { exitCode: 2 });
  }
  for (const k of Object.keys(doc)) {
    if (!KEYS.includes(k)) {
      const near = closest(k, KEYS);
      at(k, `unknown key${near ? ` (did you mean ${near}?)` : ''}; a grid has ${KEYS.join(', ')}`);
    }
  }
  let name = defaultName;
  if (doc.name !== undefined) {
    if (typeof doc.name !== 'string' || !NAME_PATTERN.test(doc.name)) at('name', `expected a folder name (letters, digits, _ . + = -), got ${JSON.stringify(doc.name)}`);
    else name = doc.name;
  } else if (!NAME_PATTERN.test(name)) at('name', `the file name "${name}" is not a usable folder name: set name:`);
  const set: [string, unknown[]][] = [];
  if (doc.set !== undefined && doc.set !== null) {
    if (!isMap(doc.set)) at('set', 'expected a mapping of dotted config keys to lists of values, e.g. set: {training.lr: [1.0e-3, 3.0e-3]}');
    else {
      for (const [key, values] of Object.entries(doc.set)) {
        const path = `set.${key}`;
        if (key.split('.').some((s) => s.trim() === '')) at(path, 'not a dotted key path (empty segment), e.g. training.lr');
        else if (key === 'experiment.name' || key === 'experiment.seed') at(path, `a grid names its runs itself${key === 'experiment.seed' ? '; list seeds under seeds:' : ''}`);
        else if (key === 'launcher' || key.startsWith('launcher.')) at(path, 'launcher options are not part of a run; put them in the config or pass --slurm-opt');
        else if (!Array.isArray(values)) at(path, `expected a list of the values to try, e.g. [${JSON.stringify(values)}] (a list value goes nested: [[a, b]])`);
        else if (values.length === 0) at(path, 'an empty list: give at least one value');
        else {
          const seen = new Set<string>();
          values.forEach((v, i) => {
            const s = JSON.stringify(v);
            if (v === null || v === undefined) at(`${path}[${i}]`, 'null: give a value (to unset a key, leave it out of the grid)');
            else if (seen.has(s)) at(`${path}[${i}]`, `${s} is listed twice`);
            seen.add(s);
          });
          set.push([key, values]);
        }
      }
    }
  }
  let seeds: number[] | undefined;
  if (doc.seeds !== undefined && doc.seeds !== null) {
    if (!Array.isArray(doc.seeds) || doc.seeds.length === 0) at('seeds', 'expected a non-empty list of seeds, e.g. [1, 2, 3]');
    else {
      const list = doc.seeds as unknown[];
      list.forEach((s, i) => {
        if (!Number.isInteger(s) || (s as number) < 0) at(`seeds[${i}]`, `expected a non-negative integer, got ${JSON.stringify(s)}`);
        else if (list.indexOf(s) !== i) at(`seeds[${i}]`, `${s} is listed twice`);
      });
      seeds = list as number[];
    }
  }
  if (set.length === 0 && seeds === undefined && problems.length === 0) at('set', 'the grid is empty: give set: (keys → values) or seeds:');
  if (problems.length > 0) {
    throw new HyperloaderError(`invalid grid ${source} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.join('\n')}`, { exitCode: 2 });
  }
  return { name, set, seeds };
}

export interface GridPoint {
  /** The run's folder name in the grid. */
  label: string;
  /** The comparison's first column: the point's overrides without the seed (or an ablation's variant). */
  variant: string;
  seed: number | undefined;
  overrides: Record<string, unknown>;
}

/** YAML flow text of a value for a --set override. */
export const flowValue = (v: unknown) => JSON.stringify(v);

/** A value as a piece of a folder name. */
function slug(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.replace(/[^A-Za-z0-9_.+-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40) || 'x';
}

/**
 * The grid's points, in order: the cross product of `set` (first key slowest), each with each
 * seed. A point's label names only the keys that vary (their last segment, or the whole key when
 * two share it), e.g. `lr=0.001_variant=lora-seed2`; keys with one value apply to every run.
 */
export function gridPoints(spec: GridSpec): GridPoint[] {
  const varying = spec.set.filter(([, vs]) => vs.length > 1).map(([k]) => k);
  const last = (k: string) => k.split('.').pop()!;
  const short = (k: string) => (varying.filter((x) => last(x) === last(k)).length > 1 ? k : last(k));
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of spec.set) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  const seeds: (number | undefined)[] = spec.seeds ?? [undefined];
  const out: GridPoint[] = [];
  const used = new Set<string>();
  for (const overrides of combos) {
    const variant = varying.map((k) => `${short(k)}=${slug(overrides[k])}`).join('_') || 'base';
    for (const seed of seeds) {
      let label = seeds.length > 1 ? `${variant}-seed${seed}` : variant;
      for (let n = 2; used.has(label); n++) label = `${seeds.length > 1 ? `${variant}-seed${seed}` : variant}-${n}`;
      used.add(label);
      out.push({ label, variant, seed, overrides });
    }
  }
  return out;
}
