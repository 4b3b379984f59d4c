/**
 * The one schema every hyperloader config is validated against. It carries every default, so a
 * resolved config (what a run saves as config.yaml) is this schema's output for the user's YAML.
 * Defaults follow the paper's setting (../shared/SPEC.md §7) unless noted.
 *
 * Every key has a `.describe()` text: the README's config reference is generated from it
 * (scripts/gen-config-reference.ts), so the help a user reads and the check the code runs agree.
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const fraction = z.number().gt(0).lte(1);

import { BACKENDS } from '../runtime/backend-names.js';

export { BACKENDS };

export const experimentSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .optional()
    .describe("Run directory name under runs_dir; defaults to the config file's base name without extension."),
  seed: nonNegInt.default(42).describe('Random seed for initialisation, dropout and task sampling.'),
  runs_dir: z.string().default('runs').describe('Where run directories are created.'),
  backend: z
    .enum(BACKENDS)
    .default('auto')
    .describe(
      'tfjs backend. auto tries tensorflow (tfjs-node-gpu, then tfjs-node), then wasm, then cpu; --backend overrides it.',
    ),
  threads: positiveInt.default(1).describe('Threads for the wasm backend (1 = single-threaded build).'),
});

/** A T5 shape in Hugging Face config.json terms, for random initialisation. */
export const t5ShapeSchema = z.strictObject({
  vocab_size: positiveInt.default(32128).describe('Vocabulary size.'),
  d_model: positiveInt.default(512).describe('Hidden size.'),
  d_kv: positiveInt.default(64).describe("Size of each attention head's keys and values."),
  d_ff: positiveInt.default(2048).describe('Inner size of the feed-forward sublayer.'),
  num_layers: positiveInt.default(6).describe('Encoder blocks (and decoder blocks unless num_decoder_layers is set).'),
  num_decoder_layers: positiveInt.optional().describe('Decoder blocks; defaults to num_layers.'),
  num_heads: positiveInt.default(8).describe('Attention heads.'),
  relative_attention_num_buckets: positiveInt.default(32).describe('Relative position buckets.'),
  relative_attention_max_distance: positiveInt.default(128).describe('Distance at which relative positions stop growing.'),
  feed_forward_proj: z
    .enum(['relu', 'gated-gelu'])
    .default('relu')
    .describe('relu (T5 v1.0) or gated-gelu (T5 v1.1 / flan).'),
  tie_word_embeddings: z
    .boolean()
    .default(true)
    .describe('Share the input embedding with the LM head, scaling the decoder output by d_model^-0.5 (T5 v1.0).'),
  layer_norm_epsilon: z.number().positive().default(1e-6).describe('RMSNorm epsilon.'),
  dropout_rate: z.number().min(0).lt(1).default(0.1).describe('Dropout on sublayer outputs.'),
});

export const modelSchema = z
  .strictObject({
    checkpoint: z
      .string()
      .min(1)
      .optional()
      .describe('A directory holding config.json + model.safetensors, or a hub id (t5-base) found in the cache.'),
    random_init: t5ShapeSchema
      .optional()
      .describe('Random-init T5 of this shape (tests, demos); exclusive with checkpoint.'),
    tokenizer: z
      .string()
      .min(1)
      .optional()
      .describe("tokenizer.json path; defaults to the checkpoint's, else the vendored T5 tokenizer."),
    dropout: z.number().min(0).lt(1).optional().describe("Overrides the checkpoint's dropout_rate when set."),
    legacy_cross_attention_bias: z
      .enum(['auto', 'on', 'off'])
      .default('auto')
      .describe(
        'SPEC §1: the transformers-3.x cross-attention position bias. auto = use it when the checkpoint has it.',
      ),
    train_backbone: z
      .boolean()
      .default(false)
      .describe('Train every backbone weight too (needed when the backbone is randomly initialised).'),
  })
  .refine((m) => (m.checkpoint === undefined) !== (m.random_init === undefined), {
    message: 'set exactly one of model.checkpoint (a pretrained T5) or model.random_init (a T5 shape)',
  });

export const PEFT_VARIANTS = ['hyperloader', 'adapters', 'lora', 'static', 'shared', 'full', 'none'] as const;
export const LORA_POSITIONS = ['self_q', 'self_v', 'cross_q', 'cross_v'] as const;
export const ADAPTER_POSITIONS = ['ffn', 'self_attn'] as const;
export const CONDITIONINGS = ['task', 'task+layer', 'task+layer+position'] as const;

export const peftSchema = z.strictObject({
  variant: z
    .enum(PEFT_VARIANTS)
    .default('hyperloader')
    .describe(
      "hyperloader: generated adapters + LoRA + adapter LayerNorm (the paper's model); " +
        'adapters: HyperFormer++ (generated adapters only); lora: generated LoRA only; ' +
        'static: per-task weights at the same placement, no hypernetwork; shared: one set for all tasks; ' +
        'full: full fine-tuning of T5; none: the frozen backbone alone (for debugging).',
    ),
  lora: z
    .strictObject({
      rank: positiveInt.default(8).describe('LoRA rank r.'),
      alpha: z.number().positive().default(8).describe('LoRA scale: the update is (alpha / rank)·B·A·x.'),
      positions: z
        .array(z.enum(LORA_POSITIONS))
        .default([...LORA_POSITIONS])
        .describe('Where LoRA sits; the default is every position of SPEC §2.'),
      separate_generators: z
        .boolean()
        .default(false)
        .describe('One A/B generator pair per LoRA position instead of one shared pair (SPEC §4 last row).'),
    })
    .prefault({})
    .describe('LoRA knobs (variants hyperloader, lora, static, shared).'),
  adapter: z
    .strictObject({
      reduction_factor: positiveInt
        .default(32)
        .describe('Bottleneck m = d_model / reduction_factor (t5-base: 768/32 = 24).'),
      positions: z
        .array(z.enum(ADAPTER_POSITIONS))
        .default([...ADAPTER_POSITIONS])
        .describe('Where adapters sit: after the FFN and/or after self-attention (SPEC §2).'),
    })
    .prefault({})
    .describe('Adapter knobs (variants hyperloader, adapters, static, shared).'),
  hypernetwork: z
    .strictObject({
      task_embedding_dim: positiveInt.default(64).describe('Size of the task embedding z_τ.'),
      layer_embedding_dim: positiveInt.default(64).describe('Size of the layer-id embedding l_i.'),
      position_embedding_dim: positiveInt.default(64).describe('Size of the position embedding p_j.'),
      projector_hidden_dim: positiveInt.default(128).describe('Hidden size of the task projector MLP.'),
      projected_dim: positiveInt.default(64).describe('Output size of the task projector (the generators\' input).'),
      conditioning: z
        .enum(CONDITIONINGS)
        .default('task+layer+position')
        .describe('What the generators see: the paper conditions on task, layer id and position.'),
    })
    .prefault({})
    .describe('The hypernetwork (one per stack): embeddings, task projector, generators (SPEC §3).'),
  train_layer_norms: z.boolean().default(true).describe('Train every T5 RMSNorm scale (SPEC §1: the paper does).'),
});

export const DATA_FORMATS = ['conll', 'mit', 'seqio', 'mtod', 'mtop', 'tsv', 'auto'] as const;
/** Tagging schemes of a user's files (`auto` detects; IOB1 and BIOES are converted to IOB2). */
export const TAG_SCHEMES = ['auto', 'IOB1', 'IOB2', 'BIOES'] as const;
/** How a task is scored: seqeval span F1 (entities) or token accuracy (per-token tags such as part of speech). */
export const TASK_METRICS = ['f1', 'accuracy'] as const;

/** A user's own dataset: files in one of the supported formats. */
export const customDatasetSchema = z.strictObject({
  format: z
    .enum(DATA_FORMATS)
    .describe(
      'File format of the splits: conll (whitespace columns, token first), tsv (token<TAB>tag), mit (tag first), seqio (seq.in/seq.out folders), mtod, mtop, or auto (column order, separator, CRLF, byte-order mark and -DOCSTART- lines detected).',
    ),
  train: z.string().min(1).describe('Train split file (relative paths resolve against the working directory).'),
  dev: z.string().min(1).optional().describe('Dev split file; when missing, dev is carved from train.'),
  test: z.string().min(1).optional().describe('Test split file.'),
  token_column: z
    .number()
    .int()
    .default(0)
    .describe('CoNLL column files: the whitespace-separated column holding the token (0-based; -1 = last).'),
  tag_column: z.number().int().default(-1).describe('CoNLL column files: the column holding the tag (0-based; -1 = last).'),
  scheme: z
    .enum(TAG_SCHEMES)
    .default('IOB2')
    .describe('Tag scheme of the files; IOB1 and BIOES are converted to IOB2 on reading, auto detects it (an I- that opens an entity in IOB2 is repaired to B-).'),
});

export const taskSchema = z.strictObject({
  name: z.string().min(1).describe("The task's name (its task embedding row, its results row)."),
  dataset: z
    .string()
    .min(1)
    .optional()
    .describe('A registry key (atis, snips, mit_movie, …); defaults to name. Exclusive with custom.'),
  custom: customDatasetSchema.optional().describe("The user's own dataset files instead of a registry dataset."),
  fraction: fraction.optional().describe('Low-resource fraction of train and dev for this task (overrides data.fraction).'),
  metric: z
    .enum(TASK_METRICS)
    .optional()
    .describe('How the task is scored (unset: f1): f1 (seqeval entity spans, IOB2 tags) or accuracy (per-token tags such as part of speech, written and scored as they are: token and per-tag accuracy).'),
});

export const dataSchema = z.strictObject({
  cache_dir: z
    .string()
    .default('datasets')
    .describe('Download cache for datasets and checkpoints; relative paths resolve against HYPERLOADER_HOME (default: the working directory).'),
  tasks: z.array(taskSchema).min(1).describe('The tasks trained together (at least one).'),
  fraction: fraction
    .default(1)
    .describe('Low-resource fraction p: floor(p × n) of train and dev per task (SPEC §6); test stays full.'),
  max_source_length: positiveInt.default(128).describe('Source tokens kept; longer inputs are truncated.'),
  max_target_length: positiveInt.default(128).describe('Target tokens kept; longer targets are truncated.'),
  split_seed: nonNegInt
    .default(42)
    .describe('Seed for carving dev splits and low-resource subsets (stable across runs and machines).'),
});

export const trainingSchema = z.strictObject({
  steps: positiveInt.default(65536).describe('Optimiser steps.'),
  batch_size: positiveInt
    .default(128)
    .describe('Examples per optimiser step (per accumulation micro-batch: batch_size / grad_accumulation).'),
  grad_accumulation: z
    .union([positiveInt, z.literal('auto')])
    .default(1)
    .describe(
      'Micro-batches whose gradients make one optimiser step. auto: the fewest that fit in the backend\'s memory, measured before the first step on the longest training example.',
    ),
  memory_limit_gib: z
    .number()
    .positive()
    .optional()
    .describe(
      "Memory a training step may use, for the grad_accumulation check and `auto`; default: the backend's own limit (wasm: 4 GiB; cpu: this machine's memory; tensorflow: unknown, so unchecked — set it to the GPU's memory).",
    ),
  lr: z.number().positive().default(3e-4).describe('Peak learning rate (AdamW).'),
  warmup_steps: nonNegInt.default(500).describe('Linear warmup from 0 to lr over this many steps.'),
  schedule: z
    .enum(['linear', 'constant'])
    .default('linear')
    .describe('After warmup: linear decay to 0 at the last step, or constant.'),
  weight_decay: z.number().min(0).default(0).describe('AdamW decoupled weight decay.'),
  adam_beta1: z.number().min(0).lt(1).default(0.9).describe('AdamW β1.'),
  adam_beta2: z.number().min(0).lt(1).default(0.999).describe('AdamW β2.'),
  adam_eps: z.number().positive().default(1e-8).describe('AdamW epsilon.'),
  temperature: z.number().positive().default(10).describe('Task sampling temperature T: p_t ∝ (n_t/N)^(1/T).'),
  group_by_length: nonNegInt
    .default(0)
    .describe(
      'G > 1: draw G batches of a task at once, sort them by length and hand them out in random order (less padding, much faster on a CPU; the examples seen are unchanged); 0 = off, as the paper.',
    ),
  position_bias_lr_scale: z
    .number()
    .positive()
    .default(1)
    .describe(
      'Learning-rate multiplier for the T5 relative position bias tables. A backbone trained from scratch needs biases of several units to align tag k with word k, and AdamW moves a parameter by about lr per step: 100 gets there in tens of steps instead of thousands (docs/real-data.md). 1 = the paper.',
    ),
  label_smoothing: z.number().min(0).lt(1).default(0.1).describe('Label smoothing ε of the token loss.'),
  loss_reduction: z
    .enum(['sum', 'mean'])
    .default('sum')
    .describe('How token losses combine: the paper sums them (SPEC §7).'),
  clip_norm: z.number().min(0).default(1.0).describe('Global-norm gradient clipping; 0 disables it.'),
  log_every: positiveInt.default(10).describe('Steps between metrics lines.'),
  eval_every: nonNegInt.default(0).describe('Dev evaluation interval in steps; 0 = only at the end.'),
  checkpoint_every: positiveInt.default(1000).describe('Steps between checkpoints.'),
  patience: nonNegInt.default(0).describe('Stop after this many dev evaluations without improvement; 0 = never.'),
  select: z
    .enum(['last', 'best'])
    .default('last')
    .describe('Which checkpoint the final test evaluation uses: the paper evaluates the last step.'),
});

export const evalSchema = z.strictObject({
  splits: z.array(z.enum(['dev', 'test'])).default(['dev', 'test']).describe('Splits to evaluate.'),
  batch_size: positiveInt.default(64).describe('Sentences per decoding batch.'),
  max_decode_length: positiveInt.default(128).describe('Greedy decoding stops after this many tokens.'),
  f1_mode: z
    .enum(['default', 'strict'])
    .default('default')
    .describe('seqeval mode: default (conlleval-compatible) or strict (IOB2).'),
});

export const ablateSchema = z.strictObject({
  variants: z
    .record(z.string().regex(/^[A-Za-z0-9_.+-]+$/), z.record(z.string(), z.unknown()))
    .optional()
    .describe(
      'Named variants for `hyperloader ablate`: each a map of dotted config keys to values (e.g. lora-sep: {peft.variant: lora, peft.lora.separate_generators: true}). Default: hyperloader, adapters, lora.',
    ),
  seeds: z.array(nonNegInt).min(1).optional().describe('Seeds to run each variant with (default: experiment.seed).'),
});

/** Slurm's time format: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, or UNLIMITED. */
export const SLURM_TIME = /^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+(?::\d{1,2}){0,2}|UNLIMITED|INFINITE)$/;

export const slurmSchema = z.strictObject({
  partition: z.string().min(1).optional().describe('sbatch --partition for every array task.'),
  time: z
    .string()
    .refine((t) => SLURM_TIME.test(t), 'expected a Slurm time: minutes, HH:MM:SS or D-HH:MM:SS, e.g. "4:00:00"')
    .optional()
    .describe('sbatch --time per array task (each run; a preempted or timed-out run continues in its requeued task), e.g. "4:00:00".'),
  gpus_per_task: nonNegInt.optional().describe('sbatch --gpus-per-task.'),
  cpus_per_task: positiveInt.optional().describe('sbatch --cpus-per-task.'),
  mem: z
    .string()
    .refine((m) => /^\d+[KMGT]?$/.test(m), 'expected a Slurm memory size: a number with an optional K, M, G or T, e.g. "16G"')
    .optional()
    .describe('sbatch --mem per array task, e.g. "16G".'),
  account: z.string().min(1).optional().describe('sbatch --account.'),
  qos: z.string().min(1).optional().describe('sbatch --qos.'),
  extra: z
    .array(z.string().refine((o) => /^--?[A-Za-z]/.test(o), 'expected an sbatch option starting with - or --, e.g. "--constraint=a100"'))
    .default([])
    .describe('More sbatch options, each written as an #SBATCH line, e.g. ["--constraint=a100", "--exclusive"].'),
  max_parallel: positiveInt.optional().describe('At most this many array tasks at once (sbatch --array=…%N).'),
  signal_seconds: z
    .number()
    .int()
    .min(10)
    .max(65535)
    .default(180)
    .describe('Seconds before the time limit at which Slurm sends USR1 (--signal=B:USR1@N): the run checkpoints after its current step and requeues itself.'),
  container: z
    .string()
    .min(1)
    .optional()
    .describe('An Apptainer image (.sif, e.g. built from docker/hyperloader.def): each array task runs `apptainer run --nv IMAGE train …`.'),
  container_options: z
    .array(z.string())
    .default([])
    .describe('Options for `apptainer run` before the image, e.g. ["--bind", "/scratch"].'),
});

export const launcherSchema = z.strictObject({
  slurm: slurmSchema.prefault({}).describe('Slurm job-array options for `--launcher slurm` (ablate, sweep).'),
});

export const configSchema = z.strictObject({
  experiment: experimentSchema.prefault({}).describe('The run: name, seed, output directory, backend.'),
  model: modelSchema.describe('The T5 backbone: set exactly one of checkpoint or random_init.'),
  peft: peftSchema.prefault({}).describe('Parameter-efficient fine-tuning: which variant and its knobs (SPEC §2–4).'),
  data: dataSchema.describe('Tasks, their datasets, low-resource fractions, lengths, cache.'),
  training: trainingSchema.prefault({}).describe('Optimisation (SPEC §7).'),
  eval: evalSchema.prefault({}).describe('Evaluation and decoding (SPEC §5).'),
  ablate: ablateSchema.prefault({}).describe('What `hyperloader ablate` compares (SPEC §9).'),
  launcher: launcherSchema
    .optional()
    .describe('Where grids (ablate, sweep) run their training: options for `--launcher slurm`. Not part of a run: left out of each run\'s config.'),
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
export type AblateConfig = z.output<typeof ablateSchema>;
export type SlurmConfig = z.output<typeof slurmSchema>;
