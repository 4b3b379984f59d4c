/**
 * The one schema every hyperloader config is validated against. It carries every default, so a
 * resolved config (what a run saves as config.yaml) is this schema's output for the user's YAML.
 * Defaults follow the paper's setting (../shared/SPEC.md §7) unless noted.
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const fraction = z.number().gt(0).lte(1);

export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

export const experimentSchema = z.strictObject({
  /** Run directory name under runs_dir; defaults to the config file's base name. */
  name: z.string().min(1).optional(),
  seed: nonNegInt.default(42),
  runs_dir: z.string().default('runs'),
  backend: z.enum(BACKENDS).default('auto'),
  /** Threads for the wasm backend (1 = single-threaded build). */
  threads: positiveInt.default(1),
});

/** A T5 shape in Hugging Face config.json terms, for random initialisation. */
export const t5ShapeSchema = z.strictObject({
  vocab_size: positiveInt.default(32128),
  d_model: positiveInt.default(512),
  d_kv: positiveInt.default(64),
  d_ff: positiveInt.default(2048),
  num_layers: positiveInt.default(6),
  num_decoder_layers: positiveInt.optional(),
  num_heads: positiveInt.default(8),
  relative_attention_num_buckets: positiveInt.default(32),
  relative_attention_max_distance: positiveInt.default(128),
  feed_forward_proj: z.enum(['relu', 'gated-gelu']).default('relu'),
  tie_word_embeddings: z.boolean().default(true),
  layer_norm_epsilon: z.number().positive().default(1e-6),
  dropout_rate: z.number().min(0).lt(1).default(0.1),
});

export const modelSchema = z
  .strictObject({
    /** A directory holding config.json + model.safetensors, or a hub id (t5-base) found in the cache. */
    checkpoint: z.string().min(1).optional(),
    /** Random-init T5 of this shape (tests, demos); exclusive with `checkpoint`. */
    random_init: t5ShapeSchema.optional(),
    /** tokenizer.json path; defaults to the checkpoint's, else the vendored T5 tokenizer. */
    tokenizer: z.string().min(1).optional(),
    /** Overrides the checkpoint's dropout_rate when set. */
    dropout: z.number().min(0).lt(1).optional(),
    /** SPEC §1: transformers-3.x cross-attention position bias. auto = use it when the checkpoint has it. */
    legacy_cross_attention_bias: z.enum(['auto', 'on', 'off']).default('auto'),
    /** Train every backbone weight too (needed when the backbone is randomly initialised). */
    train_backbone: z.boolean().default(false),
  })
  .refine((m) => (m.checkpoint === undefined) !== (m.random_init === undefined), {
    message: 'set exactly one of model.checkpoint (a pretrained T5) or model.random_init (a T5 shape)',
  });

export const PEFT_VARIANTS = ['hyperloader', 'adapters', 'lora', 'static', 'shared', 'full', 'none'] as const;
export const LORA_POSITIONS = ['self_q', 'self_v', 'cross_q', 'cross_v'] as const;
export const ADAPTER_POSITIONS = ['ffn', 'self_attn'] as const;
export const CONDITIONINGS = ['task', 'task+layer', 'task+layer+position'] as const;

export const peftSchema = z.strictObject({
  /**
   * hyperloader: generated adapters + LoRA + adapter LayerNorm (the paper's model);
   * adapters: HyperFormer++ (generated adapters only); lora: generated LoRA only;
   * static: per-task weights at the same placement, no hypernetwork; shared: one set for all tasks;
   * full: full fine-tuning of T5; none: the frozen backbone alone (for debugging).
   */
  variant: z.enum(PEFT_VARIANTS).default('hyperloader'),
  lora: z
    .strictObject({
      rank: positiveInt.default(8),
      alpha: z.number().positive().default(8),
      /** Where LoRA sits; the default is every position of SPEC §2. */
      positions: z.array(z.enum(LORA_POSITIONS)).default([...LORA_POSITIONS]),
      /** One A/B generator pair per LoRA position instead of one shared pair (SPEC §4 last row). */
      separate_generators: z.boolean().default(false),
    })
    .prefault({}),
  adapter: z
    .strictObject({
      /** Bottleneck m = d_model / reduction_factor (t5-base: 768/32 = 24). */
      reduction_factor: positiveInt.default(32),
      positions: z.array(z.enum(ADAPTER_POSITIONS)).default([...ADAPTER_POSITIONS]),
    })
    .prefault({}),
  hypernetwork: z
    .strictObject({
      task_embedding_dim: positiveInt.default(64),
      layer_embedding_dim: positiveInt.default(64),
      position_embedding_dim: positiveInt.default(64),
      projector_hidden_dim: positiveInt.default(128),
      projected_dim: positiveInt.default(64),
      /** What the generators see: the paper conditions on task, layer id and position. */
      conditioning: z.enum(CONDITIONINGS).default('task+layer+position'),
    })
    .prefault({}),
  /** Train every T5 RMSNorm scale (SPEC §1: the paper does). */
  train_layer_norms: z.boolean().default(true),
});

export const DATA_FORMATS = ['conll', 'mit', 'seqio', 'mtod', 'mtop'] as const;

/** A user's own dataset: files in one of the supported formats. */
export const customDatasetSchema = z.strictObject({
  format: z.enum(DATA_FORMATS),
  /** Paths per split (relative to the config file). A missing dev split is carved from train. */
  train: z.string().min(1),
  dev: z.string().min(1).optional(),
  test: z.string().min(1).optional(),
  /** CoNLL column files: which whitespace-separated columns hold the token and the tag (0-based; -1 = last). */
  token_column: z.number().int().default(0),
  tag_column: z.number().int().default(-1),
  /** Tag scheme of the files; IOB1 is converted to IOB2 on reading. */
  scheme: z.enum(['IOB1', 'IOB2']).default('IOB2'),
});

export const taskSchema = z.strictObject({
  /** The task's name (its task embedding row, its results row). */
  name: z.string().min(1),
  /** A registry key (atis, snips, mit_movie, …); defaults to `name`. Exclusive with `custom`. */
  dataset: z.string().min(1).optional(),
  custom: customDatasetSchema.optional(),
  /** Low-resource fraction of train and dev for this task (overrides data.fraction). */
  fraction: fraction.optional(),
});

export const dataSchema = z.strictObject({
  /** Download cache; HYPERLOADER_HOME moves the default. */
  cache_dir: z.string().default('datasets'),
  tasks: z.array(taskSchema).min(1),
  /** Low-resource fraction p: floor(p × n) of train and dev per task (SPEC §6); test stays full. */
  fraction: fraction.default(1),
  max_source_length: positiveInt.default(128),
  max_target_length: positiveInt.default(128),
  /** Seed for carving dev splits and low-resource subsets (stable across runs and machines). */
  split_seed: nonNegInt.default(42),
});

export const trainingSchema = z.strictObject({
  steps: positiveInt.default(65536),
  /** Examples per optimiser step (per accumulation micro-batch: batch_size / grad_accumulation). */
  batch_size: positiveInt.default(128),
  grad_accumulation: positiveInt.default(1),
  lr: z.number().positive().default(3e-4),
  warmup_steps: nonNegInt.default(500),
  schedule: z.enum(['linear', 'constant']).default('linear'),
  weight_decay: z.number().min(0).default(0),
  adam_beta1: z.number().min(0).lt(1).default(0.9),
  adam_beta2: z.number().min(0).lt(1).default(0.999),
  adam_eps: z.number().positive().default(1e-8),
  /** Task sampling temperature T: p_t ∝ (n_t/N)^(1/T). */
  temperature: z.number().positive().default(10),
  label_smoothing: z.number().min(0).lt(1).default(0.1),
  /** The paper sums the token losses (SPEC §7). */
  loss_reduction: z.enum(['sum', 'mean']).default('sum'),
  /** Global-norm gradient clipping; 0 disables it. */
  clip_norm: z.number().min(0).default(1.0),
  log_every: positiveInt.default(10),
  /** Dev evaluation interval in steps; 0 = only at the end. */
  eval_every: nonNegInt.default(0),
  checkpoint_every: positiveInt.default(1000),
  /** Stop after this many dev evaluations without improvement; 0 = never. */
  patience: nonNegInt.default(0),
  /** Which checkpoint the final test evaluation uses: the paper evaluates the last step. */
  select: z.enum(['last', 'best']).default('last'),
});

export const evalSchema = z.strictObject({
  splits: z.array(z.enum(['dev', 'test'])).default(['dev', 'test']),
  batch_size: positiveInt.default(64),
  max_decode_length: positiveInt.default(128),
  f1_mode: z.enum(['default', 'strict']).default('default'),
});

export const configSchema = z.strictObject({
  experiment: experimentSchema.prefault({}),
  model: modelSchema,
  peft: peftSchema.prefault({}),
  data: dataSchema,
  training: trainingSchema.prefault({}),
  eval: evalSchema.prefault({}),
});

/** A fully resolved config: every default filled in. */
export type Config = z.output<typeof configSchema>;
export type TaskConfig = z.output<typeof taskSchema>;
export type T5Shape = z.output<typeof t5ShapeSchema>;
export type PeftConfig = z.output<typeof peftSchema>;
export type TrainingConfig = z.output<typeof trainingSchema>;
export type EvalConfig = z.output<typeof evalSchema>;
export type DataConfig = z.output<typeof dataSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
