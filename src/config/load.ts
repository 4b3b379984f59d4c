/**
 * Loading a config: YAML file → its `extends` chain (deep-merged, base first) → `--set`
 * overrides → validation with every default filled in. All problems are reported together in one
 * HyperloaderError (exit 2), each naming file:line:column (or the --set), the key path and the fix.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { HyperloaderError } from '../errors.js';
import type { Config } from './schema.js';
import { mergeLayers, isPlainObject } from './merge.js';
import { applySet, parseSet } from './overrides.js';
import { configError, CONFIG_ERROR_EXIT, type Problem } from './problems.js';
import { displayFile, dropOrigins, formatOrigin, pathKey, type Origin, type OriginMap } from './origins.js';
import { validateConfig } from './validate.js';
import { parseYamlConfig, type Layer } from './yaml-source.js';

export interface LoadedConfig {
  config: Config;
  /** Every file read, in merge order: the deepest `extends` base first, the given file last (absolute paths). */
  files: string[];
}

/** Loads, merges, overrides and validates `file`. experiment.name defaults to the file's base name. */
export async function loadConfig(file: string, sets: string[] = []): Promise<LoadedConfig> {
  const main = resolve(file);
  const problems: Problem[] = [];
  const chain = await readChain(main, [], undefined, problems);
  if (problems.length > 0 || chain === undefined) throw configError(displayFile(main), problems);
  const merged = chain.layers.reduce(mergeLayers, emptyLayer());
  const config = finish(merged, sets, problems, displayFile(main), defaultExperimentName(main));
  return { config, files: chain.files };
}

/**
 * Validates a config given as an object (programmatic use): same rules and messages as a file,
 * with `source` naming it in errors. `name` fills experiment.name when the object has none.
 */
export function resolveConfigObject(obj: unknown, opts: { sets?: string[]; source?: string; name?: string } = {}): Config {
  const source = opts.source ?? '<config object>';
  if (!isPlainObject(obj)) {
    throw new HyperloaderError(`invalid config ${source}: expected a mapping of sections (experiment, model, data, …)`, { exitCode: CONFIG_ERROR_EXIT });
  }
  const origins: OriginMap = new Map([[pathKey([]), { kind: 'object', source } as Origin]]);
  const merged = mergeLayers(emptyLayer(), { value: obj, origins });
  return finish(merged, opts.sets ?? [], [], source, opts.name);
}

/** What a run saves as config.yaml: the resolved config, every default written out. */
export function configToYaml(config: Config): string {
  return `# hyperloader resolved config: every default filled in\n${stringify(config, { lineWidth: 0 })}`;
}

/** The config file's base name without its extension: configs/quickstart.yaml → quickstart. */
export function defaultExperimentName(file: string): string {
  return basename(file, extname(file));
}

function emptyLayer(): Layer {
  return { value: {}, origins: new Map() };
}

function finish(merged: Layer, sets: string[], problems: Problem[], source: string, name: string | undefined): Config {
  for (const text of sets) {
    const parsed = parseSet(text);
    if ('message' in parsed) problems.push(parsed);
    else {
      const p = applySet(merged, parsed);
      if (p) problems.push(p);
    }
  }
  const v = validateConfig(merged.value, merged.origins);
  if (!v.ok) problems.push(...v.problems);
  if (problems.length > 0 || !v.ok) throw configError(source, problems);
  const config = v.config;
  // Written first so the saved config.yaml reads like a heading.
  if (config.experiment.name === undefined && name !== undefined) config.experiment = { name, ...config.experiment };
  return config;
}

interface Chain {
  layers: Layer[];
  files: string[];
}

/** Reads `file` and, recursively, what it extends; `stack` holds the files that extend it (cycle check). */
async function readChain(file: string, stack: string[], extendedAt: Origin | undefined, problems: Problem[]): Promise<Chain | undefined> {
  if (stack.includes(file)) {
    const cycle = [...stack.slice(stack.indexOf(file)), file].map(displayFile).join(' → ');
    throw new HyperloaderError(`${formatOrigin(extendedAt)}: extends: config files extend each other in a cycle: ${cycle}. Remove one of the extends.`, {
      exitCode: CONFIG_ERROR_EXIT,
    });
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a YAML file' : (e as Error).message;
    if (extendedAt === undefined) {
      throw new HyperloaderError(`config ${displayFile(file)}: ${why}. Pass a YAML config, e.g. --config configs/quickstart.yaml.`, { exitCode: CONFIG_ERROR_EXIT });
    }
    problems.push({ path: ['extends'], origin: extendedAt, message: `${displayFile(file)}: ${why} (extends paths are relative to the file that extends)` });
    return undefined;
  }
  const parsed = parseYamlConfig(file, text);
  if (!parsed.ok) {
    problems.push(...parsed.problems);
    return undefined;
  }
  const layer = parsed.layer;
  const ext = layer.value.extends;
  const extOrigin = layer.origins.get(pathKey(['extends']));
  delete layer.value.extends;
  dropOrigins(layer.origins, ['extends'], true);
  if (ext === undefined || ext === null) return { layers: [layer], files: [file] };
  if (typeof ext !== 'string' || ext.trim() === '') {
    problems.push({ path: ['extends'], origin: extOrigin, message: 'expected the path of a base YAML config (a string), e.g. extends: base.yaml' });
    return undefined;
  }
  const base = await readChain(resolve(dirname(file), ext), [...stack, file], extOrigin, problems);
  if (!base) return undefined;
  return { layers: [...base.layers, layer], files: [...base.files, file] };
}
