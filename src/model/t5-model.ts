/**
 * A T5 model: its config plus one tf.Variable per parameter (Hugging Face names, linear weights
 * `[in, out]`), whether the transformers-3.x cross-attention bias is in use, and the per-parameter
 * `trainable` flag (kept on the tf.Variable itself, so optimizers see it).
 */
import * as tf from '@tensorflow/tfjs';
import type { T5Config } from './config.js';
import { TransposeCache } from './linear.js';
import { initT5Params, LEGACY_CROSS_BIAS, t5ParamSpecs, type ParamSpec } from './params.js';

let nextModelId = 0;

export interface T5ModelOptions {
  /** Which parameters are trainable (default: none, the paper freezes the backbone). */
  trainable?: boolean | ((name: string) => boolean);
  /**
   * Use the legacy cross-attention bias table (SPEC §1). Only possible when `params` has it;
   * defaults to on exactly when it does.
   */
  legacyCrossBias?: boolean;
}

export class T5Model {
  readonly cfg: T5Config;
  /** Parameters by Hugging Face state-dict name. */
  readonly params: Map<string, tf.Variable>;
  /** Caches the transposes of frozen weights across steps (see TransposeCache). */
  readonly transposeCache = new TransposeCache();
  /**
   * Keep Wᵀ of every frozen linear weight (and the tied head's Eᵀ) between steps: saves a
   * transpose per weight per step, at the cost of a second copy of those weights (t5-base:
   * +0.8 GB, which matters under wasm's 4 GB heap). Switching it off also frees the cache.
   */
  get cacheFrozenTransposes(): boolean {
    return this.useCache;
  }
  set cacheFrozenTransposes(on: boolean) {
    this.useCache = on;
    if (!on) this.transposeCache.clear();
  }
  private useCache = true;
  private legacy: boolean;

  /** Takes ownership of `params` (tensors become variables; the given tensors are disposed). */
  constructor(cfg: T5Config, params: Map<string, tf.Tensor>, opts: T5ModelOptions = {}) {
    this.cfg = cfg;
    const hasLegacy = params.has(LEGACY_CROSS_BIAS);
    const expected = new Map(t5ParamSpecs(cfg, { legacyCrossBias: hasLegacy }).map((s) => [s.name, s]));
    for (const [name, spec] of expected) {
      const t = params.get(name);
      if (!t) throw new Error(`T5Model: parameter ${name} is missing`);
      if (!tf.util.arraysEqual(t.shape, spec.shape)) {
        throw new Error(`T5Model: parameter ${name} has shape [${t.shape}], expected [${spec.shape}]`);
      }
    }
    for (const name of params.keys()) {
      if (!expected.has(name)) throw new Error(`T5Model: unexpected parameter ${name}`);
    }
    const id = nextModelId++;
    const trainable = opts.trainable ?? false;
    this.params = new Map();
    for (const [name, t] of params) {
      const on = typeof trainable === 'function' ? trainable(name) : trainable;
      this.params.set(name, tf.variable(t, on, `t5_${id}/${name}`, 'float32'));
      t.dispose();
    }
    if (opts.legacyCrossBias && !hasLegacy) {
      throw new Error(`T5Model: legacyCrossBias requested but ${LEGACY_CROSS_BIAS} is not among the parameters`);
    }
    this.legacy = opts.legacyCrossBias ?? hasLegacy;
  }

  /** A randomly initialised model (transformers' init scheme; see initT5Params). */
  static random(cfg: T5Config, seed: number, opts: T5ModelOptions = {}): T5Model {
    return new T5Model(cfg, initT5Params(cfg, seed, { legacyCrossBias: opts.legacyCrossBias ?? false }), opts);
  }

  /** Whether decoder cross-attention adds the legacy (transformers 3.x) position bias. */
  get legacyCrossBias(): boolean {
    return this.legacy;
  }

  /** Switch the legacy cross-attention bias off (4.x behaviour) or back on (needs the table). */
  set legacyCrossBias(on: boolean) {
    if (on && !this.params.has(LEGACY_CROSS_BIAS)) {
      throw new Error(`legacy cross-attention bias cannot be switched on: the model has no ${LEGACY_CROSS_BIAS}`);
    }
    this.legacy = on;
  }

  /** The parameter called `name` (a bug, not a user error, when absent). */
  p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`T5Model has no parameter ${name}`);
    return v;
  }

  specs(): ParamSpec[] {
    return t5ParamSpecs(this.cfg, { legacyCrossBias: this.params.has(LEGACY_CROSS_BIAS) });
  }

  /** Sets each parameter's trainable flag. */
  setTrainable(trainable: boolean | ((name: string) => boolean)): void {
    for (const [name, v] of this.params) v.trainable = typeof trainable === 'function' ? trainable(name) : trainable;
  }

  trainableVariables(): Map<string, tf.Variable> {
    return new Map([...this.params].filter(([, v]) => v.trainable));
  }

  /** Total number of parameter values. */
  numParams(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  dispose(): void {
    this.transposeCache.clear();
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
