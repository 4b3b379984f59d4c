/**
 * Multi-task temperature sampling (SPEC §7): every batch holds one task, chosen with probability
 * p_t ∝ (n_t / N)^(1/T); its examples are drawn uniformly with replacement from that task's
 * training set. T = 1 samples in proportion to size, T → ∞ uniformly over tasks (the paper: T = 10).
 *
 * The sampler is seeded and its state is plain JSON, so a resumed run draws exactly the batches
 * the uninterrupted run would have drawn.
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
}

export interface TaskBatch {
  task: string;
  /** Indices into the task's training set, drawn with replacement. */
  indices: number[];
}

/** What `state()` returns: the generator state, plus what it was made for (checked on restore). */
export interface TaskSamplerState {
  version: 1;
  tasks: string[];
  sizes: number[];
  temperature: number;
  batchSize: number;
  /** Batches drawn so far. */
  batches: number;
  rng: RngState;
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
    const n = this.sizes[t];
    const indices = new Array<number>(this.batchSize);
    for (let i = 0; i < this.batchSize; i++) indices[i] = this.rng.int(n);
    this.batches++;
    return { task: this.tasks[t], indices };
  }

  /** Batches drawn so far. */
  get drawn(): number {
    return this.batches;
  }

  state(): TaskSamplerState {
    return {
      version: 1,
      tasks: [...this.tasks],
      sizes: [...this.sizes],
      temperature: this.temperature,
      batchSize: this.batchSize,
      batches: this.batches,
      rng: this.rng.state(),
    };
  }

  /**
   * Continues from a saved state. The tasks, sizes, temperature and batch size must be the ones
   * the state was saved with: resuming with other data would silently change the run.
   */
  restore(state: TaskSamplerState): void {
    if (state?.version !== 1) {
      throw new HyperloaderError(`saved task-sampler state has unknown version ${JSON.stringify(state?.version)}; expected 1`);
    }
    const mine = { tasks: this.tasks, sizes: this.sizes, temperature: this.temperature, batchSize: this.batchSize };
    const saved = { tasks: state.tasks, sizes: state.sizes, temperature: state.temperature, batchSize: state.batchSize };
    if (JSON.stringify(mine) !== JSON.stringify(saved)) {
      throw new HyperloaderError(
        `cannot resume: the run was saved with tasks/sizes/temperature/batch size ${JSON.stringify(saved)} ` +
          `but the config now gives ${JSON.stringify(mine)}; restore the original data.tasks, data.fraction and ` +
          'training.temperature / training.batch_size, or start a new run',
      );
    }
    if (!Number.isSafeInteger(state.batches) || state.batches < 0) {
      throw new HyperloaderError(`saved task-sampler state has an invalid batch count ${state.batches}`);
    }
    this.rng.restore(state.rng);
    this.batches = state.batches;
  }
}
