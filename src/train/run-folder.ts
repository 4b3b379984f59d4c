/**
 * The run folder's rules: run.json (the run's status report), what --resume may continue (the
 * same config, key by key), that an existing run is never started over, and that a resumed run's
 * metrics drop the steps it redoes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { HyperloaderError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { configToYaml } from '../config/load.js';
import { ATOMIC_TEMP_NAME, writeFileAtomic } from '../runtime/fs.js';
import { LOCK_ASIDE_NAME, LOCK_FILE, processAlive } from './lock.js';

export interface RunInfo {
  name: string;
  /** imported: made by `hyperloader import` from the authors' state dict (evaluable, not trainable further). */
  status: 'running' | 'interrupted' | 'failed' | 'finished' | 'imported';
  hyperloader_version: string;
  backend: string;
  tokenizer: string;
  created: string;
  updated: string;
  step: number;
  steps: number;
  trainable_parameters: number;
  total_parameters: number;
  train_seconds: number;
  examples_per_second: number;
  /** This process's peak resident memory and (on wasm) the wasm heap's high-water mark, in bytes. */
  memory?: { max_rss_bytes: number; wasm_heap_bytes: number | null };
  /** Training seconds / steps done (the mean time per step; metrics.jsonl has each step's `seconds`). */
  seconds_per_step?: number | null;
  error?: string;
  /** For imported runs: the authors' file, its sha256, tasks left out, config keys changed. */
  imported_from?: unknown;
}

/** run.json, or null when absent or unreadable (it is a status report, rewritten as the run goes). */
export function readRunInfo(runDir: string): RunInfo | null {
  try {
    return JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunInfo;
  } catch {
    return null;
  }
}

/** metrics.jsonl may hold steps past the checkpoint a killed run resumes from: drop them (they are redone). */
export async function truncateMetrics(runDir: string, step: number): Promise<void> {
  const f = join(runDir, 'metrics.jsonl');
  if (!existsSync(f)) return;
  const kept = (await readFile(f, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => {
      try {
        return (JSON.parse(l) as { step: number }).step <= step;
      } catch {
        return false; // a line cut short by the kill
      }
    });
  await writeFileAtomic(f, kept.map((l) => l + '\n').join(''));
}

/**
 * Removes files a killed process left half-written in the run folder: writeFileAtomic's
 * temporaries (metrics.jsonl rewritten on resume, run.json, config.yaml, reports). Call only while
 * holding the run's lock — no one else writes these. The lock's own temporaries
 * (`run.lock.<pid>.tmp`, `run.lock.stale-<pid>`) belong to processes trying to take it, so they
 * go only when their process is gone.
 */
export async function removeUnfinishedWrites(runDir: string): Promise<void> {
  if (!existsSync(runDir)) return;
  for (const n of await readdir(runDir)) {
    const m = ATOMIC_TEMP_NAME.exec(n) ?? LOCK_ASIDE_NAME.exec(n);
    if (!m || (m[1] === LOCK_FILE && processAlive(Number(m[2])))) continue;
    await rm(join(runDir, n), { force: true });
  }
}

/** Dotted keys whose values differ between two configs, as `key: saved → now`. */
export function configDifferences(saved: unknown, now: unknown, prefix = ''): string[] {
  const isMap = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isMap(saved) && isMap(now)) {
    const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])];
    return keys.flatMap((k) => configDifferences(saved[k], now[k], prefix ? `${prefix}.${k}` : k));
  }
  const show = (x: unknown) => (x === undefined ? '(unset)' : JSON.stringify(x));
  return JSON.stringify(saved) === JSON.stringify(now) ? [] : [`${prefix}: ${show(saved)} → ${show(now)}`];
}

export function refuseExisting(runDir: string, name: string): never {
  throw new HyperloaderError(
    `the run directory ${runDir} already exists. Continue it with \`--resume\`, or start a new run with \`--name ${name}-2\` (or --set experiment.name=…).`,
    { exitCode: 2 },
  );
}

/**
 * Whether the run exists (its config.yaml does), after the rules: an existing run continues only
 * with --resume and the very config it started with, --resume needs a run, and an imported run
 * cannot be trained further.
 */
export function checkRunFolder(runDir: string, config: Config, resume: boolean): boolean {
  const name = config.experiment.name!;
  const exists = existsSync(runDir) && existsSync(join(runDir, 'config.yaml'));
  if (exists && !resume) refuseExisting(runDir, name);
  if (!exists && resume) {
    throw new HyperloaderError(`nothing to resume: ${runDir} has no run (no config.yaml). Start it without --resume.`, { exitCode: 2 });
  }
  if (exists && readRunInfo(runDir)?.status === 'imported') {
    throw new HyperloaderError(
      `${runDir} was imported from the authors' checkpoint (\`hyperloader import\`): it has no optimizer state or sampler position and cannot be trained further. ` +
        'Evaluate it with `hyperloader eval --run`, or start a new run under another name.',
      { exitCode: 2 },
    );
  }
  if (exists) {
    const saved = readFileSync(join(runDir, 'config.yaml'), 'utf8');
    const now = configToYaml(config);
    // launcher (where a grid's runs are trained) is not part of a run: it may change between launches.
    const changed = saved === now ? [] : configDifferences(parseYaml(saved), parseYaml(now)).filter((d) => !d.startsWith('launcher'));
    if (changed.length > 0) {
      throw new HyperloaderError(
        `--resume: the config differs from the one ${runDir} was started with (${join(runDir, 'config.yaml')}): ` +
          `${changed.slice(0, 12).join('; ')}${changed.length > 12 ? `; and ${changed.length - 12} more` : ''}. ` +
          'Resume with the same config and --set values, or start a new run under another name.',
        { exitCode: 2 },
      );
    }
  }
  return exists;
}
