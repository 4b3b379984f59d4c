/**
 * Run checkpoints: `checkpoints/<label>/` holds the trainable parameters (params.safetensors: the
 * PEFT parameters under the authors' names and the trained T5 weights under Hugging Face names,
 * all in our [in, out] layout), the AdamW moments (optimizer.safetensors) and state.json (step,
 * sampler state, evaluation history, the backbone's fingerprint). Frozen backbone weights are not
 * stored: the base model is referenced and checked by its hash.
 *
 * A checkpoint is written to a temporary folder, fsynced, and renamed into place, so a kill at any
 * moment leaves either the old checkpoint or the new one, never a mix. Its manifest.json, written
 * last, lists every file with its size and sha256: a checkpoint is complete only when the manifest
 * is there and every file matches it (a file deleted, cut short or changed afterwards is caught on
 * loading). Checkpoints from before manifests (state.json alone) still load.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { HyperloaderError } from '../errors.js';
import { fsyncDir, sha256File, writeFileAtomic } from '../runtime/fs.js';
import type { TaskSamplerState } from '../data/sampler.js';
import { readSafetensors, writeSafetensors } from '../model/safetensors.js';
import type { PeftModel } from '../peft/model.js';
import type { AdamW, AdamWState } from './optimizer.js';

export interface EvalRecord {
  step: number;
  split: 'dev';
  average_f1: number;
  f1: Record<string, number>;
}

export interface CheckpointState {
  version: 1;
  step: number;
  sampler: TaskSamplerState;
  backbone_hash: string;
  evals: EvalRecord[];
  best: { step: number; average_f1: number } | null;
  /** Dev evaluations since the best one (for patience). */
  since_best: number;
  /** Seconds spent training so far (across resumes). */
  train_seconds: number;
  examples_seen: number;
  /** Micro-batches per step, fixed at the start (training.grad_accumulation resolved), so a resumed run splits batches the same way. */
  micro_batches?: number;
}

/** The state of a run before its first step: what train starts from and what a fresh checkpoint holds. */
export function initialCheckpointState(sampler: TaskSamplerState, backboneHash: string, step = 0): CheckpointState {
  return { version: 1, step, sampler, backbone_hash: backboneHash, evals: [], best: null, since_best: 0, train_seconds: 0, examples_seen: 0 };
}

export type CheckpointLabel = 'last' | 'best';

export const checkpointDir = (runDir: string, label: CheckpointLabel) => join(runDir, 'checkpoints', label);

/**
 * HYPERLOADER_TEST_CHECKPOINT_PAUSE_MS pauses between the steps of a checkpoint write, so the
 * fault tests can kill a trainer in the middle of one (test/train/fault.test.ts). Unset: no pause.
 */
async function faultTestPause(): Promise<void> {
  const ms = Number(process.env.HYPERLOADER_TEST_CHECKPOINT_PAUSE_MS ?? 0);
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}

/** Removes checkpoint writes cut short by a kill (`.<label>.tmp-<pid>`); call only while holding the run's lock. */
export async function removeUnfinishedCheckpoints(runDir: string): Promise<void> {
  const parent = join(runDir, 'checkpoints');
  if (!existsSync(parent)) return;
  for (const n of await readdir(parent)) if (/^\.(last|best)\.tmp-\d+$/.test(n)) await rm(join(parent, n), { recursive: true, force: true });
}

/** Writes a checkpoint atomically (see the file comment). */
export async function saveCheckpoint(runDir: string, label: CheckpointLabel, model: PeftModel, optimizer: AdamW | null, state: CheckpointState): Promise<void> {
  const parent = join(runDir, 'checkpoints');
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${label}.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  const params: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, v] of model.trainableVariables()) params[name] = { shape: [...v.shape], data: v.dataSync() as Float32Array };
  await writeSafetensors(join(tmp, 'params.safetensors'), params, { format: 'hyperloader', layout: 'linear weights [in, out]' });
  await faultTestPause();
  if (optimizer) {
    const o = optimizer.state();
    const moments: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [name, v] of model.trainableVariables()) {
      moments[`m/${name}`] = { shape: [...v.shape], data: o.moments[name].m };
      moments[`v/${name}`] = { shape: [...v.shape], data: o.moments[name].v };
    }
    await writeSafetensors(join(tmp, 'optimizer.safetensors'), moments, { step: String(o.step) });
    await faultTestPause();
  }
  await writeFileAtomic(join(tmp, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  const files: Manifest['files'] = {};
  for (const f of [...CHECKPOINT_FILES].filter((f) => existsSync(join(tmp, f)))) {
    files[f] = { size: statSync(join(tmp, f)).size, sha256: await sha256File(join(tmp, f)) };
  }
  await writeFileAtomic(join(tmp, MANIFEST), JSON.stringify({ version: 1, step: state.step, files } satisfies Manifest, null, 2) + '\n');
  await faultTestPause();
  const target = checkpointDir(runDir, label);
  const old = join(parent, `.${label}.old-${process.pid}`);
  if (existsSync(target)) await rename(target, old);
  await faultTestPause();
  await rename(tmp, target);
  await fsyncDir(parent);
  await removeAside(parent, label);
}

/**
 * Removes previous versions set aside by the write (`.last.old-<pid>`), this process's and any a
 * kill left between the final rename and this removal: with the new checkpoint in place they are
 * older than it. (The run lock means no other process is writing here.)
 */
async function removeAside(parent: string, label: CheckpointLabel): Promise<void> {
  for (const n of await readdir(parent)) if (n.startsWith(`.${label}.old-`)) await rm(join(parent, n), { recursive: true, force: true });
}

const MANIFEST = 'manifest.json';
const CHECKPOINT_FILES = ['params.safetensors', 'optimizer.safetensors', 'state.json'] as const;

interface Manifest {
  version: 1;
  step: number;
  files: Record<string, { size: number; sha256: string }>;
}

/** A checkpoint folder holds one: its manifest (or, from older versions, its state.json). */
function present(dir: string): boolean {
  return existsSync(join(dir, MANIFEST)) || existsSync(join(dir, 'state.json'));
}

/** Reads a small JSON file of a checkpoint; a corrupt one is a user error naming it. */
function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new HyperloaderError(
      `${file}: the checkpoint's ${what} is ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `not valid JSON (${(e as Error).message})`}, so this checkpoint cannot be used. ` +
        'Restore the file, or resume from another checkpoint (delete this one to fall back on an earlier state, or start a new run).',
      { cause: e },
    );
  }
}

/** Every file the manifest lists is there with its size and sha256; a user error naming what differs otherwise. */
async function verify(dir: string): Promise<void> {
  if (!existsSync(join(dir, MANIFEST))) return; // a checkpoint from before manifests
  const m = readJson<Manifest>(join(dir, MANIFEST), 'manifest');
  const problems: string[] = [];
  for (const [f, want] of Object.entries(m.files ?? {})) {
    const p = join(dir, f);
    if (!existsSync(p)) problems.push(`${f} is missing`);
    else if (statSync(p).size !== want.size) problems.push(`${f} has ${statSync(p).size} bytes, the manifest says ${want.size}`);
    else if ((await sha256File(p)) !== want.sha256) problems.push(`${f} does not match its sha256 in the manifest`);
  }
  if (problems.length > 0) {
    throw new HyperloaderError(
      `${dir} is not a complete checkpoint: ${problems.join('; ')}. It was changed or cut short after it was written; ` +
        'restore it, or delete it to start that run again under a new name.',
    );
  }
}

/** What a run's checkpoints folder holds besides complete checkpoints: weights without a manifest, leftovers. */
export function strayCheckpointFiles(runDir: string): string[] {
  const parent = join(runDir, 'checkpoints');
  if (!existsSync(parent)) return [];
  const out: string[] = [];
  for (const d of readdirSync(parent)) {
    if (d.includes('.tmp-')) continue; // a write cut short: never a checkpoint
    const dir = join(parent, d);
    if (!statSync(dir).isDirectory() || present(dir)) continue;
    for (const f of readdirSync(dir)) out.push(join('checkpoints', d, f));
  }
  return out;
}

/** Finds a checkpoint, recovering one left aside by a kill between the two renames. */
async function locate(runDir: string, label: CheckpointLabel): Promise<string | null> {
  const target = checkpointDir(runDir, label);
  const parent = join(runDir, 'checkpoints');
  if (present(target)) {
    // A kill after a write's final rename leaves the old version aside; tidy it when we may
    // (a read-only run folder keeps it, harmlessly: the complete checkpoint is found first).
    await removeAside(parent, label).catch(() => undefined);
    return target;
  }
  if (!existsSync(parent)) return null;
  const aside = (await readdir(parent)).filter((n) => n.startsWith(`.${label}.old-`));
  for (const n of aside) {
    if (present(join(parent, n))) {
      if (existsSync(target)) await rm(target, { recursive: true, force: true }); // an empty or partial folder in its place
      await rename(join(parent, n), target);
      return target;
    }
  }
  return null;
}

/** Whether a checkpoint is there (its manifest or, for older ones, its state.json); loading verifies it. */
export function hasCheckpoint(runDir: string, label: CheckpointLabel): boolean {
  const parent = join(runDir, 'checkpoints');
  if (present(checkpointDir(runDir, label))) return true;
  return existsSync(parent) && readdirSync(parent).some((n) => n.startsWith(`.${label}.old-`) && present(join(parent, n)));
}

/**
 * Loads a checkpoint's parameters into `model` (and moments into `optimizer`); returns its state.
 * Every trainable parameter must be there with its shape; the backbone must be the one it was
 * trained on.
 */
export async function loadCheckpoint(
  runDir: string,
  label: CheckpointLabel,
  model: PeftModel,
  optimizer: AdamW | null,
  expectedBackbone: string,
): Promise<CheckpointState> {
  const dir = await locate(runDir, label);
  if (!dir) throw new HyperloaderError(`${runDir}: no "${label}" checkpoint (looked for ${checkpointDir(runDir, label)}/${MANIFEST})`);
  await verify(dir);
  const state = readJson<CheckpointState>(join(dir, 'state.json'), 'state (state.json)');
  if (!Number.isSafeInteger(state?.step) || state.step < 0 || typeof state.backbone_hash !== 'string') {
    throw new HyperloaderError(`${join(dir, 'state.json')}: not a checkpoint state (no valid step / backbone_hash); restore the file or start a new run.`);
  }
  if (state.backbone_hash !== expectedBackbone) {
    throw new HyperloaderError(
      `${dir}: this checkpoint was trained on a different backbone than model.* now names (fingerprints differ). ` +
        'Point model.checkpoint (or random_init and experiment.seed) at the model the run was trained on.',
    );
  }
  const file = join(dir, 'params.safetensors');
  const saved = await readSafetensors(file);
  const problems: string[] = [];
  for (const [name, v] of model.trainableVariables()) {
    const t = saved.get(name);
    if (!t) problems.push(`missing ${name}`);
    else if (!tf.util.arraysEqual(t.shape, v.shape)) problems.push(`${name} has shape [${t.shape}], the model expects [${v.shape}]`);
  }
  if (problems.length > 0) {
    throw new HyperloaderError(`${file}: does not fit this configuration:\n  ${problems.slice(0, 20).join('\n  ')}\nWas the config changed since the run started?`);
  }
  for (const [name, v] of model.trainableVariables()) {
    const t = saved.get(name)!;
    v.assign(tf.tensor(t.data as Float32Array, v.shape));
  }
  if (optimizer) {
    const mfile = join(dir, 'optimizer.safetensors');
    if (!existsSync(mfile)) throw new HyperloaderError(`${dir}: optimizer.safetensors is missing; this checkpoint cannot resume training`);
    const m = await readSafetensors(mfile);
    const moments: AdamWState['moments'] = {};
    for (const name of model.trainableVariables().keys()) {
      const mm = m.get(`m/${name}`);
      const vv = m.get(`v/${name}`);
      if (!mm || !vv) throw new HyperloaderError(`${mfile}: no moments for ${name}`);
      moments[name] = { m: mm.data as Float32Array, v: vv.data as Float32Array };
    }
    optimizer.restore({ step: state.step, moments });
  }
  return state;
}

/** Writes a small JSON file atomically. */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
