/**
 * Hugging Face T5 checkpoints: a directory with config.json + model.safetensors. Names map
 * one-to-one onto ours; `[out, in]` linear weights are transposed to `[in, out]`; tied aliases
 * (encoder/decoder.embed_tokens, a tied lm_head) are recognised and skipped. The whole file is
 * checked against the config before any tensor is read, so a mismatch is a clear error naming the
 * tensor and the file — never a partial model.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HyperloaderError } from '../errors.js';
import { t5ConfigFromJson, t5ConfigToJson, type T5Config } from './config.js';
import { EMBEDDING_ALIASES, LEGACY_CROSS_BIAS, names, t5ParamSpecs, type ParamSpec } from './params.js';
import { iterateSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensors.js';
import { T5Model } from './t5-model.js';

export interface LoadOptions {
  /** SPEC §1's transformers-3.x cross-attention bias: auto = use it when the file has it. */
  legacyCrossBias?: 'auto' | 'on' | 'off';
  /** Which parameters are trainable (default none). */
  trainable?: boolean | ((name: string) => boolean);
  /** File tensors that are not T5's and may be skipped (e.g. a PEFT checkpoint's hypernetwork). */
  ignoreExtra?: (name: string) => boolean;
  /** Override config.json's dropout_rate. */
  dropoutRate?: number;
}

/** What a file holds, as far as planning a load needs. */
type FileTensors = Map<string, { shape: number[]; dtype: string }>;

interface Plan {
  /** Our parameter name → the tensor name in the file. */
  source: Map<string, string>;
  specs: ParamSpec[];
  legacy: boolean;
}

/** Reads config.json of a checkpoint directory. */
export async function readT5Config(dir: string): Promise<T5Config> {
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new HyperloaderError(
        `${file} not found: a T5 checkpoint directory needs config.json and model.safetensors (the Hugging Face hub layout); check model.checkpoint`,
        { cause: e },
      );
    }
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new HyperloaderError(`${file} is not valid JSON (${(e as Error).message}); re-download the checkpoint`, { cause: e });
  }
  return t5ConfigFromJson(json, file);
}

/** Loads `dir` (config.json + model.safetensors) into a T5Model. */
export async function loadT5Checkpoint(dir: string, opts: LoadOptions = {}): Promise<T5Model> {
  const cfg = await readT5Config(dir);
  if (opts.dropoutRate !== undefined) cfg.dropout_rate = opts.dropoutRate;
  const file = join(dir, 'model.safetensors');
  await requireSafetensors(dir, file);
  const header = await readSafetensorsHeader(file);
  const plan = planLoad(cfg, header.tensors, opts, file, join(dir, 'config.json'));
  const wanted = new Map<string, string>(); // file name → our name
  for (const [ours, theirs] of plan.source) wanted.set(theirs, ours);
  const params = new Map<string, tf.Tensor>();
  const specByName = new Map(plan.specs.map((s) => [s.name, s]));
  try {
    for await (const [name, t] of iterateSafetensors(file, { names: [...wanted.keys()] })) {
      const ours = wanted.get(name)!;
      params.set(ours, toParam(specByName.get(ours)!, t.shape, t.data, name, file));
    }
  } catch (e) {
    for (const t of params.values()) t.dispose();
    throw e;
  }
  return new T5Model(cfg, params, { trainable: opts.trainable, legacyCrossBias: plan.legacy });
}

/**
 * Builds a model from tensors already in memory (Hugging Face names and layout), with the same
 * checks as loadT5Checkpoint; `file` names their source in errors.
 */
export function t5ModelFromTensors(
  cfg: T5Config,
  tensors: Map<string, { shape: number[]; dtype: string; data: Float32Array | Int32Array }>,
  file: string,
  opts: LoadOptions = {},
): T5Model {
  const plan = planLoad(cfg, tensors, opts, file, 'the model config');
  const params = new Map<string, tf.Tensor>();
  for (const spec of plan.specs) {
    const theirs = plan.source.get(spec.name)!;
    const t = tensors.get(theirs)!;
    params.set(spec.name, toParam(spec, t.shape, t.data, theirs, file));
  }
  return new T5Model(cfg, params, { trainable: opts.trainable, legacyCrossBias: plan.legacy });
}

async function requireSafetensors(dir: string, file: string): Promise<void> {
  try {
    await stat(file);
  } catch {
    let hint = '';
    try {
      await stat(join(dir, 'pytorch_model.bin'));
      hint = ' The directory has pytorch_model.bin, which hyperloader does not read: convert it with transformers (save_pretrained(..., safe_serialization=True)).';
    } catch {
      /* no alternative weights either */
    }
    throw new HyperloaderError(`${file} not found: a T5 checkpoint directory needs model.safetensors.${hint}`);
  }
}

/** The file's layout of one of our parameters: linear weights are [out, in] there. */
function fileShape(spec: ParamSpec): number[] {
  return spec.kind === 'linear' ? [...spec.shape].reverse() : spec.shape;
}

function planLoad(cfg: T5Config, tensors: FileTensors, opts: LoadOptions, file: string, configFile: string): Plan {
  const mode = opts.legacyCrossBias ?? 'auto';
  const hasLegacy = tensors.has(LEGACY_CROSS_BIAS);
  if (mode === 'on' && !hasLegacy) {
    throw new HyperloaderError(
      `${file}: model.legacy_cross_attention_bias is "on" but the checkpoint has no "${LEGACY_CROSS_BIAS}" (only transformers 3.x T5 checkpoints carry it); set it to "auto" or "off"`,
    );
  }
  const legacy = mode === 'off' ? false : hasLegacy;
  const specs = t5ParamSpecs(cfg, { legacyCrossBias: legacy });
  const source = new Map<string, string>();
  const used = new Set<string>();
  const missing: string[] = [];
  for (const spec of specs) {
    let theirs: string | undefined = spec.name;
    if (!tensors.has(theirs) && spec.name === names.shared) {
      // Some exports keep only one of the tied copies.
      theirs = [...EMBEDDING_ALIASES, ...(cfg.tie_word_embeddings ? [names.lmHead] : [])].find((a) => tensors.has(a));
    }
    if (theirs === undefined || !tensors.has(theirs)) {
      missing.push(spec.name);
      continue;
    }
    const t = tensors.get(theirs)!;
    const want = fileShape(spec);
    if (!tf.util.arraysEqual(t.shape, want)) {
      throw new HyperloaderError(
        `${file}: tensor "${theirs}" has shape [${t.shape.join(', ')}] but ${configFile} implies [${want.join(', ')}]; ` +
          `the weights do not belong to this config (check d_model, d_ff, num_heads, d_kv, vocab_size, relative_attention_num_buckets)`,
      );
    }
    if (!(t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'BF16' || t.dtype === 'F64' || t.dtype === 'float32')) {
      throw new HyperloaderError(`${file}: tensor "${theirs}" has dtype ${t.dtype}; T5 weights must be floating point (F32, F16 or BF16)`);
    }
    source.set(spec.name, theirs);
    used.add(theirs);
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((n) => `"${n}"`).join(', ');
    throw new HyperloaderError(
      `${file}: missing tensor${missing.length > 1 ? 's' : ''} ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}, ` +
        `which ${configFile} requires (${cfg.num_layers}+${cfg.num_decoder_layers} layers, feed_forward_proj "${cfg.feed_forward_proj}", ` +
        `tie_word_embeddings ${cfg.tie_word_embeddings}); the checkpoint is incomplete or belongs to another config`,
    );
  }
  // Tied copies of shared.weight are aliases, the legacy table is fine when switched off.
  const aliases = new Set<string>([...EMBEDDING_ALIASES, ...(cfg.tie_word_embeddings ? [names.lmHead] : []), LEGACY_CROSS_BIAS]);
  const extra = [...tensors.keys()].filter((n) => !used.has(n) && !aliases.has(n) && !(opts.ignoreExtra?.(n) ?? false));
  if (extra.length > 0) {
    const shown = extra.slice(0, 5).map((n) => `"${n}"`).join(', ');
    throw new HyperloaderError(
      `${file}: unexpected tensor${extra.length > 1 ? 's' : ''} ${shown}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''} ` +
        `that ${configFile} does not account for; is this a T5 checkpoint for this config?`,
    );
  }
  return { source, specs, legacy };
}

function toParam(spec: ParamSpec, shape: number[], data: Float32Array | Int32Array, name: string, file: string): tf.Tensor {
  if (!(data instanceof Float32Array)) {
    throw new HyperloaderError(`${file}: tensor "${name}" is not floating point; T5 weights must be F32, F16 or BF16`);
  }
  return tf.tidy(() => {
    const t = tf.tensor(data, shape, 'float32');
    return spec.kind === 'linear' ? tf.transpose(t) : t;
  });
}

/** The model's weights in Hugging Face names and layout ([out, in] linears), ready for writeSafetensors. */
export function t5StateDict(model: T5Model): Record<string, { shape: number[]; data: Float32Array }> {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const spec of model.specs()) {
    const v = model.p(spec.name);
    const t = spec.kind === 'linear' ? tf.transpose(v) : v;
    out[spec.name] = { shape: [...t.shape], data: t.dataSync() as Float32Array };
    if (t !== v) t.dispose();
  }
  return out;
}

/** Writes `dir/config.json` and `dir/model.safetensors` (F32), loadable by transformers and by loadT5Checkpoint. */
export async function saveT5Checkpoint(dir: string, model: T5Model): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(t5ConfigToJson(model.cfg), null, 2) + '\n');
  await writeSafetensors(join(dir, 'model.safetensors'), t5StateDict(model), { format: 'pt' });
}
