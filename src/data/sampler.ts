/**
 * Multi-task temperature sampling (SPEC §7): every batch holds one task, chosen with probability
 * p_t ∝ (n_t / N)^(1/T); its examples are drawn uniformly with replacement from that task's
 * training set. T = 1 samples in proportion to size, T → ∞ uniformly over tasks (the paper: T = 10).
 *
 * The sampler is seeded and its state is plain JSON, so a resumed run draws exactly the batches
 * the uninterrupted run would have drawn.
 *
 * Length grouping (`groupByLength` = G > 1, off in the paper setting): when a task comes up and
 * its pool is empty, G batches' worth of its examples are drawn at once (still uniformly, with
 * replacement), sorted by length and cut into G batches, which the task then hands out in random
 * order. Which examples are seen, and how often, is unchanged; only their grouping into batches
 * is, so each batch pads to a length close to its examples' own. On a CPU that matters twice:
 * attention costs grow with the square of the padded length, and wasm's batched matMul is slow.
 */
import { HyperloaderError } from '../errors.js';
import { Rng, type RngState } from './rng.js';

export interface TaskSamplerOptions {
  /** Training-set size n_t per task, in task order (the order fixes the draw sequence). */
  sizes: Record<string, number>;
  /** Temperature T > 0. */
  temperature: number;
  seed: number;
  /** Examples per batch (all from the batch's one task). */
  batchSize: number;
  /** G > 1 groups G batches of a task by length (see the header); 0 or 1 = off. */
  groupByLength?: number;
  /** Each task's example lengths (what a batch pads to); required when groupByLength > 1. */
  lengths?: Record<string, readonly number[]>;
}

export interface TaskBatch {
  task: string;
  /** Indices into the task's training set, drawn with replacement. */
  indices: number[];
}

/** What `state()` returns: the generator state, plus what it was made for (checked on restore). */
export interface TaskSamplerState {
  /** 1: no grouping (older checkpoints); 2: adds groupByLength and the pools. */
  version: 1 | 2;
  tasks: string[];
  sizes: number[];
  temperature: number;
  batchSize: number;
  /** Batches drawn so far. */
  batches: number;
  rng: RngState;
  groupByLength?: number;
  /** Per task, the length-grouped batches still to hand out (version 2). */
  pools?: number[][][];
}

/** p_t ∝ (n_t / N)^(1/T), normalised over the tasks; tasks keep their order. */
export function temperatureProbabilities(sizes: Record<string, number>, temperature: number): Record<string, number> {
  checkSizes(sizes);
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new HyperloaderError(`training.temperature must be a positive number, got ${temperature}; the paper uses 10`);
  }
  const entries = Object.entries(sizes);
  const total = entries.reduce((a, [, n]) => a + n, 0);
  // Divide by N before the power: it cancels in the normalisation but keeps the powers in (0, 1].
  const weights = entries.map(([, n]) => Math.pow(n / total, 1 / temperature));
  const z = weights.reduce((a, w) => a + w, 0);
  return Object.fromEntries(entries.map(([task], i) => [task, weights[i] / z]));
}

function checkSizes(sizes: Record<string, number>): void {
  const entries = Object.entries(sizes);
  if (entries.length === 0) throw new HyperloaderError('the task sampler needs at least one task; list them under data.tasks');
  for (const [task, n] of entries) {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new HyperloaderError(`task "${task}" has an invalid training-set size ${n} (expected a non-negative integer)`);
    }
  }
  if (entries.every(([, n]) => n === 0)) {
    throw new HyperloaderError(
      `every task's training set is empty (${entries.map(([t]) => t).join(', ')}); check data.tasks and data.fraction`,
    );
  }
}

export class TaskSampler {
  private readonly tasks: string[];
  private readonly sizes: number[];
  private readonly temperature: number;
  private readonly batchSize: number;
  /** Cumulative probabilities, for inverse-CDF task choice. */
  private readonly cumulative: number[];
  private readonly probs: Record<string, number>;
  private readonly rng: Rng;
  private batches = 0;
  private readonly group: number;
  private readonly lengths: (readonly number[])[] | null;
  /** Per task, grouped batches not yet handed out (the next one last). */
  private pools: number[][][];

  constructor(options: TaskSamplerOptions) {
    this.probs = temperatureProbabilities(options.sizes, options.temperature);
    if (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1) {
      throw new HyperloaderError(`training.batch_size must be a positive integer, got ${options.batchSize}`);
    }
    this.tasks = Object.keys(options.sizes);
    this.sizes = this.tasks.map((t) => options.sizes[t]);
    this.temperature = options.temperature;
    this.batchSize = options.batchSize;
    this.rng = new Rng(options.seed);
    let acc = 0;
    this.cumulative = this.tasks.map((t) => (acc += this.probs[t]));
    const g = options.groupByLength ?? 0;
    if (!Number.isSafeInteger(g) || g < 0) throw new HyperloaderError(`training.group_by_length must be a non-negative integer, got ${g}`);
    this.group = g > 1 ? g : 0;
    this.lengths = null;
    if (this.group > 0) {
      const lengths = options.lengths;
      this.lengths = this.tasks.map((t, i) => {
        const l = lengths?.[t];
        if (!l || l.length !== this.sizes[i]) throw new Error(`TaskSampler: groupByLength needs the ${this.sizes[i]} example lengths of task ${t}`);
        return l;
      });
    }
    this.pools = this.tasks.map(() => []);
  }

  /** Each task's sampling probability (sums to 1). */
  probabilities(): Record<string, number> {
    return { ...this.probs };
  }

  /** The next batch: one task, `batchSize` example indices drawn with replacement. */
  next(): TaskBatch {
    const u = this.rng.float();
    let t = this.cumulative.findIndex((c) => u < c);
    // Rounding can leave the last cumulative value a hair under 1: fall back to the last task that can be drawn.
    if (t < 0) {
      t = this.sizes.length - 1;
      while (this.sizes[t] === 0) t--;
    }
    this.batches++;
    return { task: this.tasks[t], indices: this.group > 0 ? this.groupedBatch(t) : this.draw(t, this.batchSize) };
  }

  /** `count` indices of task t, uniformly with replacement. */
  private draw(t: number, count: number): number[] {
    const n = this.sizes[t];
    const indices = new Array<number>(count);
    for (let i = 0; i < count; i++) indices[i] = this.rng.int(n);
    return indices;
  }

  private groupedBatch(t: number): number[] {
    const pool = this.pools[t];
    if (pool.length === 0) {
      const len = this.lengths![t];
      // Stable sort by length, so equal lengths keep their draw order (reproducible everywhere).
      const drawn = this.draw(t, this.batchSize * this.group).map((i, k) => [i, k] as const);
      drawn.sort((a, b) => len[a[0]] - len[b[0]] || a[1] - b[1]);
      for (let g = 0; g < this.group; g++) pool.push(drawn.slice(g * this.batchSize, (g + 1) * this.batchSize).map(([i]) => i));
      this.rng.shuffle(pool);
    }
    return pool.pop()!;
  }

  /** Batches drawn so far. */
  get drawn(): number {
    return this.batches;
  }

  state(): TaskSamplerState {
    const base = {
      tasks: [...this.tasks],
      sizes: [...this.sizes],
      temperature: this.temperature,
      batchSize: this.batchSize,
      batches: this.batches,
      rng: this.rng.state(),
    };
    if (this.group === 0) return { version: 1, ...base };
    return { version: 2, ...base, groupByLength: this.group, pools: this.pools.map((p) => p.map((b) => [...b])) };
  }

  /**
   * Continues from a saved state. The tasks, sizes, temperature and batch size must be the ones
   * the state was saved with: resuming with other data would silently change the run.
   */
  restore(state: TaskSamplerState): void {
    if (state?.version !== 1 && state?.version !== 2) {
      throw new HyperloaderError(`saved task-sampler state has unknown version ${JSON.stringify(state?.version)}; expected 1 or 2`);
    }
    const mine = { tasks: this.tasks, sizes: this.sizes, temperature: this.temperature, batchSize: this.batchSize, groupByLength: this.group };
    const saved = { tasks: state.tasks, sizes: state.sizes, temperature: state.temperature, batchSize: state.batchSize, groupByLength: state.groupByLength ?? 0 };
    if (JSON.stringify(mine) !== JSON.stringify(saved)) {
      throw new HyperloaderError(
        `cannot resume: the run was saved with tasks/sizes/temperature/batch size/length grouping ${JSON.stringify(saved)} ` +
          `but the config now gives ${JSON.stringify(mine)}; restore the original data.tasks, data.fraction and ` +
          'training.temperature / training.batch_size / training.group_by_length, or start a new run',
      );
    }
    const pools = state.pools ?? this.tasks.map(() => []);
    const poolsOk =
      Array.isArray(pools) &&
      pools.length === this.tasks.length &&
      pools.every((p, t) => Array.isArray(p) && p.every((b) => Array.isArray(b) && b.length === this.batchSize && b.every((i) => Number.isSafeInteger(i) && i >= 0 && i < this.sizes[t])));
    if (!poolsOk) throw new HyperloaderError('saved task-sampler state has malformed length-grouping pools');
    this.pools = pools.map((p) => p.map((b) => [...b]));
    if (!Number.isSafeInteger(state.batches) || state.batches < 0) {
      throw new HyperloaderError(`saved task-sampler state has an invalid batch count ${state.batches}`);
    }
    this.rng.restore(state.rng);
    this.batches = state.batches;
  }
}
