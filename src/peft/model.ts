/**
 * A T5 backbone plus the PEFT plan's parameters: which weights train, the task's modules (generated
 * by the hypernetwork or looked up for the baselines) and the hooks that put them in the model.
 */
import * as tf from '@tensorflow/tfjs';
import type { T5Model } from '../model/t5-model.js';
import type { T5Hooks } from '../model/hooks.js';
import type { PeftPlan } from './config.js';
import { generateModules } from './hypernetwork.js';
import { hooksFor } from './inject.js';
import { moduleTensors, type Modules } from './modules.js';
import { peftParamSpecs, type Init, type ParamSpec } from './specs.js';
import { staticModules } from './static.js';

/** T5's RMSNorm scales: trained in HyperLoader (SPEC §1). */
export const isT5LayerNorm = (name: string) => /(^|\.)(final_)?layer_norm\.weight$/.test(name);

function initTensor(spec: ParamSpec, seed: number): tf.Tensor {
  const init: Init = spec.init;
  switch (init.kind) {
    case 'zeros':
      return tf.zeros(spec.shape);
    case 'ones':
      return tf.ones(spec.shape);
    case 'normal':
      return tf.randomNormal(spec.shape, 0, init.std, 'float32', seed);
    case 'uniform':
      return tf.randomUniform(spec.shape, -init.limit, init.limit, 'float32', seed);
  }
}

export class PeftModel {
  /** The plan's own parameters (all trainable), by name. */
  readonly params: Map<string, tf.Variable>;

  /**
   * Takes the backbone and, when given, the PEFT parameters' values (e.g. from a checkpoint);
   * otherwise initialises them as SPEC §3 says, from `seed`. Sets which backbone weights train.
   */
  constructor(
    readonly t5: T5Model,
    readonly plan: PeftPlan,
    opts: { seed?: number; values?: ReadonlyMap<string, tf.Tensor> } = {},
  ) {
    const seed = opts.seed ?? 0;
    this.params = new Map();
    peftParamSpecs(plan).forEach((spec, i) => {
      const given = opts.values?.get(spec.name);
      if (given && !tf.util.arraysEqual(given.shape, spec.shape)) {
        throw new Error(`peft parameter ${spec.name} has shape [${given.shape}], expected [${spec.shape}]`);
      }
      const value = given ? given.clone() : initTensor(spec, seed * 1000003 + i);
      this.params.set(spec.name, tf.variable(value, true));
      value.dispose();
    });
    t5.setTrainable(plan.trainBackbone ? true : plan.trainLayerNorms ? isT5LayerNorm : false);
  }

  /** Every trainable variable, backbone and PEFT, by name. */
  trainableVariables(): Map<string, tf.Variable> {
    return new Map([...this.t5.trainableVariables(), ...this.params]);
  }

  /** Trainable values, and all values (backbone and PEFT; the tied head counted once). */
  parameterCounts(): { trainable: number; total: number } {
    let trainable = 0;
    for (const v of this.trainableVariables().values()) trainable += v.size;
    return { trainable, total: this.t5.numParams() + [...this.params.values()].reduce((s, v) => s + v.size, 0) };
  }

  /** The task's modules. Inside a gradient tape these carry gradients to the generators. */
  modules(task: string): Modules {
    if (this.plan.source === 'none') return { encoder: [], decoder: [] };
    return this.plan.source === 'hypernetwork' ? generateModules(this.params, this.plan, task) : staticModules(this.params, this.plan, task);
  }

  hooks(modules: Modules): T5Hooks {
    return this.plan.source === 'none' ? {} : hooksFor(modules, this.plan);
  }

  /**
   * The task's modules computed once and kept (for a whole decoding run, SPEC §3); call
   * `release()` afterwards. For static/shared they are the parameters themselves, not copies.
   */
  frozenModules(task: string): { modules: Modules; hooks: T5Hooks; release: () => void } {
    if (this.plan.source !== 'hypernetwork') {
      const modules = this.modules(task);
      return { modules, hooks: this.hooks(modules), release: () => {} };
    }
    let modules!: Modules;
    tf.tidy(() => {
      modules = this.modules(task);
      for (const t of moduleTensors(modules)) tf.keep(t);
    });
    return { modules, hooks: this.hooks(modules), release: () => moduleTensors(modules).forEach((t) => t.dispose()) };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
