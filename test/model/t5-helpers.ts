/** Shared by the T5 model tests: backend choice, fixture cases, small comparisons. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/runtime/backend.js';
import { t5ConfigFromShape, type T5Config } from '../../src/model/config.js';
import { t5ShapeSchema } from '../../src/config/schema.js';
import { fixtureDirsFromEnv, fixturesDir } from '../helpers/paths.js';

/**
 * The suite runs the model tests on wasm (the CPU default, and the backend whose missing gather
 * gradient the custom ops exist for); HYPERLOADER_TEST_BACKEND=cpu runs them on pure JS instead.
 */
export async function useTestBackend(): Promise<string> {
  const choice = process.env.HYPERLOADER_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm';
  return (await initBackend(choice)).name;
}

export interface JsonTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: number[];
}

export interface T5Case {
  name: string;
  input_ids: JsonTensor;
  attention_mask: JsonTensor;
  decoder_input_ids: JsonTensor;
  labels: JsonTensor;
  expected: {
    encoder_last_hidden_state: JsonTensor;
    logits: JsonTensor;
    loss: number;
    greedy_ids: JsonTensor;
  };
}

/** The HF T5 fixture directories: HYPERLOADER_T5_FIXTURES (comma-separated) or our copies. */
export function t5FixtureDirs(): string[] {
  return fixtureDirsFromEnv('HYPERLOADER_T5_FIXTURES', [join(fixturesDir, 't5-tiny-relu'), join(fixturesDir, 't5-tiny-gated')]);
}

/** The fixture's cases; a fixture with none is an error (a parity check must compare something). */
export function readCases(dir: string): T5Case[] {
  const cases = (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: T5Case[] }).cases;
  if (!Array.isArray(cases) || cases.length === 0) throw new Error(`${dir}/cases.json holds no cases`);
  return cases;
}

export function toTensor(t: JsonTensor): tf.Tensor {
  return tf.tensor(t.data, t.shape, t.dtype);
}

/** Rows of a 2-D JSON tensor. */
export function rowsOf(t: JsonTensor): number[][] {
  const [r, c] = t.shape as [number, number];
  return Array.from({ length: r }, (_, i) => t.data.slice(i * c, (i + 1) * c));
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor | JsonTensor): number {
  const bt = b instanceof tf.Tensor ? b : toTensor(b);
  try {
    if (!tf.util.arraysEqual(a.shape, bt.shape)) throw new Error(`shape [${a.shape}] vs [${bt.shape}]`);
    return tf.tidy(() => tf.max(tf.abs(tf.sub(a, bt))).dataSync()[0]!);
  } finally {
    if (!(b instanceof tf.Tensor)) bt.dispose();
  }
}

/** A tiny T5 shape for unit tests (the fixtures' shape). */
export function tinyConfig(over: Partial<T5Config> = {}): T5Config {
  const cfg = t5ConfigFromShape(
    t5ShapeSchema.parse({
      vocab_size: 64,
      d_model: 16,
      d_kv: 4,
      d_ff: 24,
      num_layers: 2,
      num_heads: 4,
      relative_attention_num_buckets: 8,
      relative_attention_max_distance: 20,
      dropout_rate: 0,
    }),
  );
  return { ...cfg, ...over };
}
