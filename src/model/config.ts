/**
 * The T5 shape, in Hugging Face config.json terms (SPEC §1), read from a checkpoint's config.json
 * or built from a config file's `model.random_init` block.
 */
import { HyperloaderError } from '../errors.js';
import type { T5Shape } from '../config/schema.js';

export type FeedForwardProj = 'relu' | 'gated-gelu';

export interface T5Config {
  vocab_size: number;
  d_model: number;
  d_kv: number;
  d_ff: number;
  num_layers: number;
  num_decoder_layers: number;
  num_heads: number;
  relative_attention_num_buckets: number;
  relative_attention_max_distance: number;
  /** relu: T5 v1.0 (DenseReluDense.wi); gated-gelu: v1.1/flan (wi_0 through gelu_new, times wi_1). */
  feed_forward_proj: FeedForwardProj;
  /** v1.0: the LM head is shared.weight and the decoder output is scaled by d_model^-0.5 first. */
  tie_word_embeddings: boolean;
  layer_norm_epsilon: number;
  dropout_rate: number;
  pad_token_id: number;
  eos_token_id: number;
  decoder_start_token_id: number;
}

/** transformers' defaults for keys a config.json may leave out (T5Config.__init__). */
const HF_DEFAULTS: Omit<T5Config, 'num_decoder_layers'> = {
  vocab_size: 32128,
  d_model: 512,
  d_kv: 64,
  d_ff: 2048,
  num_layers: 6,
  num_heads: 8,
  relative_attention_num_buckets: 32,
  // transformers 3.x hard-coded 128 and had no key; 4.x added the key with default 128.
  relative_attention_max_distance: 128,
  feed_forward_proj: 'relu',
  tie_word_embeddings: true,
  layer_norm_epsilon: 1e-6,
  dropout_rate: 0.1,
  pad_token_id: 0,
  eos_token_id: 1,
  decoder_start_token_id: 0,
};

const INT_KEYS = [
  'vocab_size',
  'd_model',
  'd_kv',
  'd_ff',
  'num_layers',
  'num_decoder_layers',
  'num_heads',
  'relative_attention_num_buckets',
  'relative_attention_max_distance',
] as const;
const TOKEN_KEYS = ['pad_token_id', 'eos_token_id', 'decoder_start_token_id'] as const;

/**
 * Parses a Hugging Face T5 config.json object. `file` only names the source in error messages.
 */
export function t5ConfigFromJson(json: unknown, file: string): T5Config {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new HyperloaderError(`${file}: expected a JSON object (a Hugging Face T5 config.json)`);
  }
  const j = json as Record<string, unknown>;
  if (j.model_type !== undefined && j.model_type !== 't5' && j.model_type !== 'mt5') {
    throw new HyperloaderError(`${file}: model_type is "${String(j.model_type)}"; only T5 checkpoints (model_type "t5") are supported`);
  }
  const num = (key: string, fallback: number): number => {
    const v = j[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new HyperloaderError(`${file}: key "${key}" must be a number, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const cfg = { ...HF_DEFAULTS } as T5Config;
  for (const k of INT_KEYS) {
    if (k === 'num_decoder_layers') continue;
    cfg[k] = num(k, HF_DEFAULTS[k]);
  }
  cfg.num_decoder_layers = num('num_decoder_layers', cfg.num_layers);
  for (const k of TOKEN_KEYS) cfg[k] = num(k, HF_DEFAULTS[k]);
  cfg.layer_norm_epsilon = num('layer_norm_epsilon', HF_DEFAULTS.layer_norm_epsilon);
  cfg.dropout_rate = num('dropout_rate', HF_DEFAULTS.dropout_rate);
  for (const k of [...INT_KEYS, ...TOKEN_KEYS]) {
    const v = cfg[k];
    const minimum = (TOKEN_KEYS as readonly string[]).includes(k) ? 0 : 1;
    if (!Number.isInteger(v) || v < minimum) {
      throw new HyperloaderError(`${file}: key "${k}" must be an integer ≥ ${minimum}, got ${v}`);
    }
  }
  if (!(cfg.layer_norm_epsilon > 0)) {
    throw new HyperloaderError(`${file}: key "layer_norm_epsilon" must be positive, got ${cfg.layer_norm_epsilon}`);
  }
  if (!(cfg.dropout_rate >= 0 && cfg.dropout_rate < 1)) {
    throw new HyperloaderError(`${file}: key "dropout_rate" must be in [0, 1), got ${cfg.dropout_rate}`);
  }
  cfg.feed_forward_proj = parseFeedForward(j.feed_forward_proj, file);
  const tie = j.tie_word_embeddings;
  if (tie !== undefined && typeof tie !== 'boolean') {
    throw new HyperloaderError(`${file}: key "tie_word_embeddings" must be true or false, got ${JSON.stringify(tie)}`);
  }
  cfg.tie_word_embeddings = tie ?? true;
  validateShape(cfg, file);
  return cfg;
}

function parseFeedForward(v: unknown, file: string): FeedForwardProj {
  if (v === undefined || v === 'relu') return 'relu';
  if (v === 'gated-gelu') return 'gated-gelu';
  throw new HyperloaderError(
    `${file}: key "feed_forward_proj" is ${JSON.stringify(v)}; supported: "relu" (T5 v1.0) and "gated-gelu" (T5 v1.1 / flan)`,
  );
}

function validateShape(cfg: T5Config, where: string): void {
  if (cfg.relative_attention_num_buckets < 4) {
    // The bucket function halves the count (bidirectional) and then halves it again for the exact range.
    throw new HyperloaderError(`${where}: relative_attention_num_buckets must be at least 4, got ${cfg.relative_attention_num_buckets}`);
  }
  for (const k of TOKEN_KEYS) {
    if (cfg[k] >= cfg.vocab_size) {
      throw new HyperloaderError(`${where}: ${k} ${cfg[k]} is outside the vocabulary (vocab_size ${cfg.vocab_size})`);
    }
  }
}

/** A config from a config file's `model.random_init` shape (the token ids are T5's: pad 0, eos 1, start 0). */
export function t5ConfigFromShape(shape: T5Shape): T5Config {
  const cfg: T5Config = {
    vocab_size: shape.vocab_size,
    d_model: shape.d_model,
    d_kv: shape.d_kv,
    d_ff: shape.d_ff,
    num_layers: shape.num_layers,
    num_decoder_layers: shape.num_decoder_layers ?? shape.num_layers,
    num_heads: shape.num_heads,
    relative_attention_num_buckets: shape.relative_attention_num_buckets,
    relative_attention_max_distance: shape.relative_attention_max_distance,
    feed_forward_proj: shape.feed_forward_proj,
    tie_word_embeddings: shape.tie_word_embeddings,
    layer_norm_epsilon: shape.layer_norm_epsilon,
    dropout_rate: shape.dropout_rate,
    pad_token_id: 0,
    eos_token_id: 1,
    decoder_start_token_id: 0,
  };
  validateShape(cfg, 'model.random_init');
  return cfg;
}

/** The config.json a checkpoint written by us carries (Hugging Face keys, loadable by transformers). */
export function t5ConfigToJson(cfg: T5Config): Record<string, unknown> {
  return {
    architectures: ['T5ForConditionalGeneration'],
    model_type: 't5',
    is_encoder_decoder: true,
    ...cfg,
    dense_act_fn: cfg.feed_forward_proj === 'relu' ? 'relu' : 'gelu_new',
    is_gated_act: cfg.feed_forward_proj === 'gated-gelu',
  };
}
