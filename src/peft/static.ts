/**
 * The baselines without a hypernetwork (SPEC §9): the same adapters and LoRA at the same places,
 * their weights trained directly — one set per task (`static`) or one for all tasks (`shared`).
 */
import type * as tf from '@tensorflow/tfjs';
import type { PeftPlan } from './config.js';
import { STACKS, positionsUsedIn } from './config.js';
import type { LayerModules, Modules } from './modules.js';
import { staticPrefix } from './specs.js';
import { HyperloaderError } from '../errors.js';
import type { ParamMap } from './hypernetwork.js';

export function staticModules(params: ParamMap, plan: PeftPlan, task: string): Modules {
  if (!plan.tasks.includes(task)) throw new HyperloaderError(`unknown task "${task}": this model knows ${plan.tasks.join(', ')}`);
  const owner = plan.source === 'shared' ? 'shared' : `task.${task}`;
  const get = (name: string) => {
    const t = params.get(name);
    if (!t) throw new Error(`peft parameter ${name} is missing (a bug: the plan and the parameter map disagree)`);
    return t;
  };
  const out = {} as Modules;
  for (const stack of STACKS) {
    const used = positionsUsedIn(plan, stack);
    out[stack] = Array.from({ length: plan.layers[stack] }, (_, layer): LayerModules => {
      const m: LayerModules = { adapters: {}, lora: {} };
      for (const pos of used.adapters) {
        const p = staticPrefix(owner, stack, layer, pos);
        m.adapters[pos] = {
          down: get(`${p}.down`) as tf.Tensor2D,
          downBias: get(`${p}.down_bias`) as tf.Tensor1D,
          up: get(`${p}.up`) as tf.Tensor2D,
          upBias: get(`${p}.up_bias`) as tf.Tensor1D,
          gamma: get(`${p}.ln_gamma`) as tf.Tensor1D,
          beta: get(`${p}.ln_beta`) as tf.Tensor1D,
        };
      }
      for (const pos of used.lora) {
        const p = staticPrefix(owner, stack, layer, pos);
        m.lora[pos] = { a: get(`${p}.lora_A`) as tf.Tensor2D, b: get(`${p}.lora_B`) as tf.Tensor2D };
      }
      return m;
    });
  }
  return out;
}
