/**
 * Run checkpoints: `checkpoints/<label>/` holds the trainable parameters (params.safetensors: the
 * PEFT parameters under the authors' names and the trained T5 weights under Hugging Face names,
 * all in our [in, out] layout), the AdamW moments (optimizer.safetensors) and state.json (step,
 * sampler state, evaluation history, the backbone's fingerprint). Frozen backbone weights are not
 * stored: the base model is referenced and checked by its hash.
 *
 * A checkpoint is written to a temporary folder, fsynced, and renamed into place, so a kill at any
 * moment leaves either the old checkpoint or the new one, never a mix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { HyperloaderError } from '../errors.js';
import { fsyncDir, writeFileAtomic } from '../runtime/fs.js';
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

export type CheckpointLabel = 'last' | 'best';

export const checkpointDir = (runDir: string, label: CheckpointLabel) => join(runDir, 'checkpoints', label);

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
  if (optimizer) {
    const o = optimizer.state();
    const moments: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [name, v] of model.trainableVariables()) {
      moments[`m/${name}`] = { shape: [...v.shape], data: o.moments[name].m };
      moments[`v/${name}`] = { shape: [...v.shape], data: o.moments[name].v };
    }
    await writeSafetensors(join(tmp, 'optimizer.safetensors'), moments, { step: String(o.step) });
  }
  await writeFileAtomic(join(tmp, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  const target = checkpointDir(runDir, label);
  const old = join(parent, `.${label}.old-${process.pid}`);
  if (existsSync(target)) await rename(target, old);
  await rename(tmp, target);
  await fsyncDir(parent);
  await rm(old, { recursive: true, force: true });
}

/** Finds a checkpoint, recovering one left aside by a kill between the two renames. */
async function locate(runDir: string, label: CheckpointLabel): Promise<string | null> {
  const target = checkpointDir(runDir, label);
  if (existsSync(join(target, 'state.json'))) return target;
  const parent = join(runDir, 'checkpoints');
  if (!existsSync(parent)) return null;
  const aside = (await readdir(parent)).filter((n) => n.startsWith(`.${label}.old-`));
  for (const n of aside) {
    if (existsSync(join(parent, n, 'state.json'))) {
      await rename(join(parent, n), target);
      return target;
    }
  }
  return null;
}

export function hasCheckpoint(runDir: string, label: CheckpointLabel): boolean {
  return existsSync(join(checkpointDir(runDir, label), 'state.json'));
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
  if (!dir) throw new HyperloaderError(`${runDir}: no "${label}" checkpoint (looked for ${checkpointDir(runDir, label)}/state.json)`);
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as CheckpointState;
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
