/** Reads a hyperloader-tiny style fixture directory (the authors' code's outputs, copied from ../shared/fixtures; see its README.md). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { peftSchema } from '../../src/config/schema.js';
import { resolvePeftPlan, type PeftPlan } from '../../src/peft/config.js';
import { peftParamSpecs } from '../../src/peft/specs.js';
import { peftParamsFromAuthor, type HostTensor } from '../../src/peft/author.js';
import { readSafetensors } from '../../src/model/safetensors.js';

export interface JsonTensor {
  shape: number[];
  dtype: string;
  data: number[];
}

export interface HlFixture {
  dir: string;
  config: any;
  plan: PeftPlan;
  /** The authors' whole state dict as host tensors. */
  state: Map<string, HostTensor>;
  /** Our PEFT parameters converted from it, as tf tensors. */
  peft: Map<string, tf.Tensor>;
}

export function planFromFixtureConfig(config: any): PeftPlan {
  const h = config.hyperloader;
  const peft = peftSchema.parse({
    variant: 'hyperloader',
    lora: { rank: h.lora_rank_r, alpha: h.lora_alpha },
    adapter: { reduction_factor: h.reduction_factor },
    hypernetwork: {
      task_embedding_dim: h.task_embedding_dim,
      layer_embedding_dim: h.task_embedding_dim,
      position_embedding_dim: h.task_embedding_dim,
      projector_hidden_dim: h.task_hidden_dim,
      projected_dim: h.projected_task_embedding_dim,
    },
  });
  return resolvePeftPlan(peft, config, h.tasks);
}

export async function loadHlFixture(dir: string): Promise<HlFixture> {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const plan = planFromFixtureConfig(config);
  const file = join(dir, 'model.safetensors');
  const raw = await readSafetensors(file);
  const state = new Map<string, HostTensor>();
  for (const [name, t] of raw) state.set(name, { shape: t.shape, data: t.data as Float32Array });
  const host = peftParamsFromAuthor(state, peftParamSpecs(plan), file);
  const peft = new Map<string, tf.Tensor>();
  for (const [name, t] of host) peft.set(name, tf.tensor(t.data, t.shape));
  return { dir, config, plan, state, peft };
}

export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let m = 0;
  for (let i = 0; i < actual.length; i++) m = Math.max(m, Math.abs(actual[i] - expected[i]));
  return m;
}

/** Row-major transpose of a JSON [a, b] matrix into [b, a] data. */
export function transposed(t: JsonTensor): number[] {
  const [a, b] = t.shape;
  const out = new Array<number>(a * b);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[j * a + i] = t.data[i * b + j];
  return out;
}
