/**
 * The hypernetwork (SPEC §3): for one task, every (stack, layer, position) gets a source embedding
 *   e = LayerNorm( W2·ReLU(W1·[z_τ; l_i; p_j] + b1) + b2 )
 * and shared linear generators turn e into adapter weights (down, up, their biases, LayerNorm γ/β)
 * or LoRA factors (A, B). All rows of a stack go through the projector and each generator as one
 * matrix, so a step costs a handful of matmuls per stack however many layers there are.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdapterPosition, LoraPosition, PeftPlan, Position, Stack } from './config.js';
import { STACKS, positionsUsedIn } from './config.js';
import type { AdapterWeights, LayerModules, LoraWeights, Modules } from './modules.js';
import { adapterGeneratorName, layerEmbeddingName, loraGeneratorName, positionEmbeddingName, projectorNormName, taskEmbeddingName, taskProjectorName } from './author-names.js';
import { layerNorm } from './ops.js';
import { matMul2d } from '../model/linear.js';
import { HyperloaderError } from '../errors.js';

export type ParamMap = ReadonlyMap<string, tf.Tensor>;

/** The hypernetwork's LayerNorm eps (SPEC §3). */
const PROJECTOR_LN_EPS = 1e-6;

function param(params: ParamMap, name: string): tf.Tensor {
  const t = params.get(name);
  if (!t) throw new Error(`peft parameter ${name} is missing (a bug: the plan and the parameter map disagree)`);
  return t;
}

/** x·W + b for a generator stored [in, out]. */
function gen(params: ParamMap, name: string, x: tf.Tensor2D, bias = true): tf.Tensor2D {
  const y = matMul2d(x, param(params, `${name}.weight`) as tf.Tensor2D);
  return bias ? tf.add(y, param(params, `${name}.bias`)) : y;
}

/** A constant [rows, n] one-hot matrix selecting table rows: rows·table gathers with a plain matmul gradient. */
function selector(indices: number[], n: number): tf.Tensor2D {
  const data = new Float32Array(indices.length * n);
  indices.forEach((idx, r) => (data[r * n + idx] = 1));
  return tf.tensor2d(data, [indices.length, n]);
}

/** The rows generated for one stack: position-major (all layers of a position are contiguous). */
function rowsOf(plan: PeftPlan, stack: Stack): { position: Position; layer: number }[] {
  const used = positionsUsedIn(plan, stack);
  const rows: { position: Position; layer: number }[] = [];
  for (const position of [...used.adapters, ...used.lora] as Position[]) {
    for (let layer = 0; layer < plan.layers[stack]; layer++) rows.push({ position, layer });
  }
  return rows;
}

/** The source embeddings e for every row of a stack: [rows, projected_dim]. */
export function sourceEmbeddings(params: ParamMap, plan: PeftPlan, stack: Stack, task: string, rows: { position: Position; layer: number }[]): tf.Tensor2D {
  const z = param(params, taskEmbeddingName(task)).reshape([1, plan.taskEmbeddingDim]);
  const parts: tf.Tensor2D[] = [tf.tile(z, [rows.length, 1]) as tf.Tensor2D];
  if (plan.conditioning !== 'task') {
    const table = param(params, layerEmbeddingName(stack)) as tf.Tensor2D;
    parts.push(matMul2d(selector(rows.map((r) => r.layer), table.shape[0]), table));
  }
  if (plan.conditioning === 'task+layer+position') {
    const table = param(params, positionEmbeddingName(stack)) as tf.Tensor2D;
    parts.push(matMul2d(selector(rows.map((r) => plan.embeddedPositions.indexOf(r.position)), table.shape[0]), table));
  }
  const x = parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
  const h = tf.relu(gen(params, taskProjectorName(stack, 'hidden'), x));
  const u = gen(params, taskProjectorName(stack, 'out'), h as tf.Tensor2D);
  return layerNorm(u, param(params, projectorNormName(stack, 'weight')), param(params, projectorNormName(stack, 'bias')), PROJECTOR_LN_EPS) as tf.Tensor2D;
}

/** Splits [rows, a·b] generator output into per-row matrices transposed to [b, a] (view as [a, b], then ᵀ). */
function viewTransposed(flat: tf.Tensor2D, a: number, b: number): tf.Tensor2D[] {
  const t = tf.transpose(flat.reshape([flat.shape[0], a, b]), [0, 2, 1]);
  return tf.unstack(t) as tf.Tensor2D[];
}

const rowsTensors = (t: tf.Tensor2D) => tf.unstack(t) as tf.Tensor1D[];

/**
 * Generates every module of one task (SPEC §3). Call inside the step's gradient function so the
 * generators get gradients; during decoding call once per task and keep the result.
 */
export function generateModules(params: ParamMap, plan: PeftPlan, task: string): Modules {
  if (!plan.tasks.includes(task)) {
    throw new HyperloaderError(`unknown task "${task}": this model knows ${plan.tasks.join(', ')}`);
  }
  const out = {} as Modules;
  for (const stack of STACKS) {
    const layers: LayerModules[] = Array.from({ length: plan.layers[stack] }, () => ({ adapters: {}, lora: {} }));
    out[stack] = layers;
    const rows = rowsOf(plan, stack);
    if (rows.length === 0) continue;
    const e = sourceEmbeddings(params, plan, stack, task, rows);
    const L = plan.layers[stack];
    const used = positionsUsedIn(plan, stack);
    const nA = used.adapters.length * L;
    const d = plan.dModel;
    if (nA > 0) {
      const m = plan.bottleneck;
      const ea = e.slice([0, 0], [nA, e.shape[1]]);
      // The author's views: W_down = view([m, d]), W_up = view([d, m]); we keep their transposes.
      const down = viewTransposed(gen(params, adapterGeneratorName(stack, 'down'), ea), m, d);
      const downBias = rowsTensors(gen(params, adapterGeneratorName(stack, 'down_bias'), ea));
      const up = viewTransposed(gen(params, adapterGeneratorName(stack, 'up'), ea), d, m);
      const upBias = rowsTensors(gen(params, adapterGeneratorName(stack, 'up_bias'), ea));
      const gamma = rowsTensors(gen(params, adapterGeneratorName(stack, 'ln_gamma'), ea));
      const beta = rowsTensors(gen(params, adapterGeneratorName(stack, 'ln_beta'), ea));
      rows.slice(0, nA).forEach(({ position, layer }, i) => {
        const w: AdapterWeights = { down: down[i], downBias: downBias[i], up: up[i], upBias: upBias[i], gamma: gamma[i], beta: beta[i] };
        layers[layer].adapters[position as AdapterPosition] = w;
      });
    }
    const nL = rows.length - nA;
    if (nL > 0) {
      const r = plan.loraRank;
      const el = e.slice([nA, 0], [nL, e.shape[1]]);
      // Shared generators: all LoRA rows at once; separate: each position's contiguous block of L rows.
      const blocks: { start: number; owner: Position | null }[] = plan.separateLoraGenerators
        ? used.lora.map((q, k) => ({ start: k * L, owner: q }))
        : [{ start: 0, owner: null }];
      for (const { start, owner } of blocks) {
        const count = owner === null ? nL : L;
        const eb = el.slice([start, 0], [count, el.shape[1]]);
        const a = viewTransposed(gen(params, loraGeneratorName(stack, 'a', owner), eb, false), r, d);
        const b = viewTransposed(gen(params, loraGeneratorName(stack, 'b', owner), eb, false), plan.inner, r);
        rows.slice(nA + start, nA + start + count).forEach(({ position, layer }, i) => {
          const w: LoraWeights = { a: a[i], b: b[i] };
          layers[layer].lora[position as LoraPosition] = w;
        });
      }
    }
  }
  return out;
}
