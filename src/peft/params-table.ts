/**
 * The `params` table: trainable and frozen parameter counts per component, computed from shapes
 * alone — no tensor is allocated and no checkpoint downloaded. The backbone's shape comes from
 * `model.random_init`, from `<checkpoint>/config.json`, or (so the table works before any
 * download) from a built-in table of the well-known hub checkpoints.
 *
 * Trainability follows PeftModel exactly: every PEFT parameter trains; the T5 RMSNorm scales train
 * when peft.train_layer_norms; the rest of the backbone trains only for `full` or model.train_backbone.
 * The tied input/output embedding is one parameter, counted once (as PyTorch's parameters() does).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HyperloaderError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { t5ConfigFromShape, type T5Config } from '../model/config.js';
import { readT5Config } from '../model/checkpoint.js';
import { locateCheckpoint } from '../model/locate.js';
import { LEGACY_CROSS_BIAS, t5ParamSpecs } from '../model/params.js';
import { readSafetensorsHeader } from '../model/safetensors.js';
import { resolvePeftPlan, type PeftPlan } from './config.js';
import { isT5LayerNorm } from './model.js';
import { numel, peftParamSpecs } from './specs.js';

export interface ParameterRow {
  component: string;
  trainable: number;
  frozen: number;
}

export interface ParameterTable {
  variant: Config['peft']['variant'];
  rows: ParameterRow[];
  trainable: number;
  total: number;
  /** Where the backbone's shape came from, and what the reader should know about it. */
  backbone: BackboneShape;
}

export interface BackboneShape {
  cfg: T5Config;
  /** Whether the transformers-3.x cross-attention bias table (SPEC §1) is counted. */
  legacyCrossBias: boolean;
  /** `random_init`, a checkpoint directory, or `built-in <name>`. */
  source: string;
  notes: string[];
}

type BuiltIn = Omit<T5Config, 'dropout_rate' | 'layer_norm_epsilon' | 'pad_token_id' | 'eos_token_id' | 'decoder_start_token_id' | 'relative_attention_num_buckets' | 'relative_attention_max_distance'> & {
  /** Whether the hub's file carries the legacy cross-attention bias. */
  legacy: boolean;
};

/**
 * The hub's config.json values of the checkpoints people start from. `legacy`: the v1.0 files
 * were written by transformers 2.x/3.x, whose decoder block 0 owned a cross-attention bias table
 * (SPEC §1 confirms t5-base's); for v1.1 we do not know, so `auto` leaves it out there.
 */
const BUILT_IN: Record<string, BuiltIn> = {
  't5-small': { vocab_size: 32128, d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_decoder_layers: 6, num_heads: 8, feed_forward_proj: 'relu', tie_word_embeddings: true, legacy: true },
  't5-base': { vocab_size: 32128, d_model: 768, d_kv: 64, d_ff: 3072, num_layers: 12, num_decoder_layers: 12, num_heads: 12, feed_forward_proj: 'relu', tie_word_embeddings: true, legacy: true },
  't5-large': { vocab_size: 32128, d_model: 1024, d_kv: 64, d_ff: 4096, num_layers: 24, num_decoder_layers: 24, num_heads: 16, feed_forward_proj: 'relu', tie_word_embeddings: true, legacy: true },
  'google/t5-v1_1-base': { vocab_size: 32128, d_model: 768, d_kv: 64, d_ff: 2048, num_layers: 12, num_decoder_layers: 12, num_heads: 12, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false, legacy: false },
};
/** The hub moved the v1.0 checkpoints under google-t5/; both names mean the same files. */
const ALIASES: Record<string, string> = { 'google-t5/t5-small': 't5-small', 'google-t5/t5-base': 't5-base', 'google-t5/t5-large': 't5-large' };

export const BUILT_IN_SHAPES = Object.keys(BUILT_IN);

/** The built-in entry a checkpoint value names: the id itself, or a directory ending in it (datasets/models/t5-base). */
function builtInFor(checkpoint: string): { name: string; entry: BuiltIn } | undefined {
  const trimmed = checkpoint.replace(/[\\/]+$/, '');
  const last = basename(trimmed);
  const lastTwo = `${basename(dirname(trimmed))}/${last}`;
  for (const candidate of [trimmed, lastTwo, last]) {
    const name = ALIASES[candidate] ?? candidate;
    if (BUILT_IN[name]) return { name, entry: BUILT_IN[name] };
  }
  return undefined;
}

function builtInConfig(e: BuiltIn): T5Config {
  const { legacy: _legacy, ...shape } = e;
  return {
    ...shape,
    relative_attention_num_buckets: 32,
    relative_attention_max_distance: 128,
    layer_norm_epsilon: 1e-6,
    dropout_rate: 0.1,
    pad_token_id: 0,
    eos_token_id: 1,
    decoder_start_token_id: 0,
  };
}

/** The backbone's shape and whether the legacy cross bias counts, without reading any weights. */
export async function resolveBackboneShape(config: Config): Promise<BackboneShape> {
  const m = config.model;
  const notes: string[] = [];
  if (m.random_init) {
    // A random init has no legacy table unless asked for explicitly (auto finds none to use).
    return { cfg: t5ConfigFromShape(m.random_init), legacyCrossBias: m.legacy_cross_attention_bias === 'on', source: 'random_init', notes };
  }
  const ckpt = m.checkpoint!;
  const { dir, looked } = locateCheckpoint(config);
  if (dir) {
    const cfg = await readT5Config(dir);
    let legacy = m.legacy_cross_attention_bias === 'on';
    if (m.legacy_cross_attention_bias === 'auto') {
      const file = join(dir, 'model.safetensors');
      if (existsSync(file)) {
        legacy = (await readSafetensorsHeader(file)).tensors.has(LEGACY_CROSS_BIAS);
      } else {
        notes.push(`${file} not found: model.legacy_cross_attention_bias=auto counts no legacy cross-attention bias; set it to on or off to choose`);
      }
    }
    return { cfg, legacyCrossBias: legacy, source: dir, notes };
  }
  const known = builtInFor(ckpt);
  if (!known) {
    throw new HyperloaderError(
      `model.checkpoint: "${ckpt}" was not found (looked in ${looked.join(' and ')}), and it is not one of the built-in shapes ` +
        `(${BUILT_IN_SHAPES.join(', ')}). Download it with \`hyperloader download --model <hub id>\`, or point model.checkpoint at a directory holding config.json + model.safetensors.`,
    );
  }
  const legacy = m.legacy_cross_attention_bias === 'auto' ? known.entry.legacy : m.legacy_cross_attention_bias === 'on';
  notes.push(
    `checkpoint "${ckpt}" is not downloaded (looked in ${looked.join(' and ')}); counted the built-in ${known.name} shape ` +
      `(its hub config.json values). \`hyperloader download --model ${known.name}\` fetches it.`,
  );
  if (m.legacy_cross_attention_bias === 'auto') {
    notes.push(
      legacy
        ? `the hub's ${known.name} file carries the legacy cross-attention bias (SPEC §1), so auto counts it; --set model.legacy_cross_attention_bias=off leaves it out`
        : `auto assumes the hub's ${known.name} file has no legacy cross-attention bias; --set model.legacy_cross_attention_bias=on counts it`,
    );
  }
  return { cfg: builtInConfig(known.entry), legacyCrossBias: legacy, source: `built-in ${known.name}`, notes };
}

/** The PEFT plan a config resolves to for a backbone shape (the same call the model makes). */
export function planFor(config: Config, cfg: T5Config): PeftPlan {
  return resolvePeftPlan(config.peft, cfg, config.data.tasks.map((t) => t.name), { trainBackbone: config.model.train_backbone });
}

export const T5_LAYER_NORMS = 'T5 layer norms';
export const T5_REST = 'T5 backbone (rest)';

/** Counts every component for a resolved backbone shape (pure: shapes in, numbers out). */
export function countParameters(config: Config, backbone: BackboneShape): ParameterTable {
  const plan = planFor(config, backbone.cfg);
  const rows = new Map<string, ParameterRow>();
  const add = (component: string, n: number, trainable: boolean) => {
    const row = rows.get(component) ?? { component, trainable: 0, frozen: 0 };
    if (trainable) row.trainable += n;
    else row.frozen += n;
    rows.set(component, row);
  };
  // Every PEFT parameter is trainable (PeftModel makes them trainable variables).
  for (const spec of peftParamSpecs(plan)) add(spec.component, numel(spec.shape), true);
  // The backbone's two rows always come last, layer norms first (they train in the paper).
  add(T5_LAYER_NORMS, 0, true);
  add(T5_REST, 0, false);
  for (const spec of t5ParamSpecs(backbone.cfg, { legacyCrossBias: backbone.legacyCrossBias })) {
    const norm = isT5LayerNorm(spec.name);
    const trainable = plan.trainBackbone || (norm && plan.trainLayerNorms);
    add(norm ? T5_LAYER_NORMS : T5_REST, numel(spec.shape), trainable);
  }
  const list = [...rows.values()];
  const trainable = list.reduce((s, r) => s + r.trainable, 0);
  const total = list.reduce((s, r) => s + r.trainable + r.frozen, 0);
  return { variant: plan.variant, rows: list, trainable, total, backbone };
}

/** The whole table for a config: resolves the backbone's shape (reading at most config.json and a safetensors header). */
export async function parameterTable(config: Config): Promise<ParameterTable> {
  return countParameters(config, await resolveBackboneShape(config));
}
