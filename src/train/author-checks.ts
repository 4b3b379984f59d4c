/**
 * What must hold before a state dict saved by the paper authors' code becomes a run here: it is
 * theirs (task embeddings present), it has every task the config names, its backbone has the
 * config's shapes, nothing in it is left unaccounted for by peft.*, and a pretrained checkpoint
 * the run keeps frozen is the very backbone they trained on. Each failure names what to change.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { HyperloaderError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { EMBEDDING_ALIASES, LEGACY_CROSS_BIAS, names, type ParamSpec as T5ParamSpec } from '../model/params.js';
import { iterateSafetensors, readSafetensors, readSafetensorsHeader, type SafeTensor } from '../model/safetensors.js';
import type { T5Model } from '../model/t5-model.js';
import { taskEmbeddingName } from '../peft/author-names.js';

export const TASK_PREFIX = taskEmbeddingName('');

/** What the authors' state dict holds, as far as the run needs it. */
export interface AuthorState {
  file: string;
  tensors: Map<string, SafeTensor>;
  tasks: string[];
}

export async function readAuthorState(file: string): Promise<AuthorState> {
  if (!existsSync(file)) throw new HyperloaderError(`--authors ${file}: file not found; pass the .safetensors state dict saved by the authors' code`, { exitCode: 2 });
  if (/\.(bin|pt|pth|ckpt)$/.test(file)) {
    throw new HyperloaderError(
      `--authors ${file}: expected a .safetensors file. Convert the authors' pytorch_model.bin with ` +
        "`safetensors.torch.save_file(torch.load(path), 'model.safetensors')` (their parameter names unchanged).",
      { exitCode: 2 },
    );
  }
  const tensors = await readSafetensors(file);
  const tasks = [...tensors.keys()].filter((n) => n.startsWith(TASK_PREFIX)).map((n) => n.slice(TASK_PREFIX.length));
  if (tasks.length === 0) {
    throw new HyperloaderError(`${file}: no task embeddings (${TASK_PREFIX}<task>); this is not a state dict of the authors' HyperLoader code`, { exitCode: 2 });
  }
  return { file, tensors, tasks };
}

/** Every task the config names must have its embedding in the file; extra ones in the file are left out. */
export function checkTasks(state: AuthorState, config: Config, configSource: string): { tasks: string[]; ignored: string[] } {
  const tasks = config.data.tasks.map((t) => t.name);
  const missing = tasks.filter((t) => !state.tasks.includes(t));
  if (missing.length > 0) {
    throw new HyperloaderError(
      `${configSource}: data.tasks names ${missing.map((t) => `"${t}"`).join(', ')}, which ${state.file} has no task embedding for. ` +
        `The file's tasks are: ${state.tasks.join(', ')}. Name data.tasks after them (task_embedding_controller.task_to_embeddings.<name>).`,
      { exitCode: 2 },
    );
  }
  return { tasks, ignored: state.tasks.filter((t) => !tasks.includes(t)) };
}

/** The file's T5 tensors against the config's shapes, with messages naming the config key to fix. */
export function checkBackboneShapes(state: AuthorState, specs: T5ParamSpec[], where: string): void {
  const problems: string[] = [];
  for (const spec of specs) {
    const t = state.tensors.get(spec.name) ?? (spec.name === names.shared ? EMBEDDING_ALIASES.map((a) => state.tensors.get(a)).find(Boolean) : undefined);
    const want = spec.kind === 'linear' ? [...spec.shape].reverse() : spec.shape;
    if (!t) problems.push(`missing tensor "${spec.name}" (expected shape [${want.join(', ')}])`);
    else if (!tf.util.arraysEqual(t.shape, want)) problems.push(`tensor "${spec.name}" has shape [${t.shape.join(', ')}], ${where} implies [${want.join(', ')}]`);
  }
  if (problems.length > 0) {
    throw new HyperloaderError(
      `${state.file}: its T5 backbone does not match ${where}:\n  ${problems.slice(0, 10).join('\n  ')}` +
        (problems.length > 10 ? `\n  … and ${problems.length - 10} more` : '') +
        `\nDescribe the authors' backbone in the config (d_model, d_ff, num_layers, num_heads, d_kv, vocab_size, relative_attention_num_buckets).`,
      { exitCode: 2 },
    );
  }
}

/** Tensors of the file nothing accounts for: a sign that peft.* describes another model. */
export function checkNothingLeft(state: AuthorState, used: Set<string>, ignoredTasks: string[]): void {
  const allowed = new Set<string>([...used, ...EMBEDDING_ALIASES, names.lmHead, LEGACY_CROSS_BIAS, ...ignoredTasks.map(taskEmbeddingName)]);
  const extra = [...state.tensors.keys()].filter((n) => !allowed.has(n));
  if (extra.length > 0) {
    throw new HyperloaderError(
      `${state.file}: tensor${extra.length > 1 ? 's' : ''} ${extra.slice(0, 5).map((n) => `"${n}"`).join(', ')}` +
        `${extra.length > 5 ? ` and ${extra.length - 5} more` : ''} have no place in this configuration. ` +
        'Check that peft.* (variant, lora.separate_generators, adapter.positions, lora.positions, hypernetwork.conditioning) matches the run that saved the file.',
      { exitCode: 2 },
    );
  }
}

/**
 * For a pretrained checkpoint: every weight the run keeps frozen must be the checkpoint's, else the
 * imported run would compute something the authors' model did not. Streams the checkpoint.
 */
export async function checkFrozenAgainstCheckpoint(t5: T5Model, checkpointDir: string, authorsFile: string): Promise<void> {
  const file = join(checkpointDir, 'model.safetensors');
  const header = await readSafetensorsHeader(file);
  const frozen = t5.specs().filter((s) => !t5.p(s.name).trainable);
  for (const spec of frozen) {
    if (header.tensors.has(spec.name)) continue;
    if (spec.name === LEGACY_CROSS_BIAS) {
      throw new HyperloaderError(
        `${authorsFile} carries the transformers-3.x cross-attention bias "${LEGACY_CROSS_BIAS}" (the authors' model uses it), but ${file} has none. ` +
          'Set model.legacy_cross_attention_bias: off to evaluate without it (as transformers 4.x does), or use model.random_init to take the backbone from the file.',
        { exitCode: 2 },
      );
    }
    if (spec.name === names.shared && EMBEDDING_ALIASES.some((a) => header.tensors.has(a))) continue;
    throw new HyperloaderError(`${file}: no tensor "${spec.name}", which ${authorsFile} has; model.checkpoint is not the authors' backbone`, { exitCode: 2 });
  }
  const byName = new Map(frozen.map((s) => [s.name, s]));
  const wanted = frozen.map((s) => (header.tensors.has(s.name) ? s.name : EMBEDDING_ALIASES.find((a) => header.tensors.has(a))!));
  for await (const [name, t] of iterateSafetensors(file, { names: wanted })) {
    const spec = byName.get(name) ?? byName.get(names.shared)!;
    const ours = t5.p(spec.name);
    const theirs = tf.tidy(() => {
      const x = tf.tensor(t.data as Float32Array, t.shape, 'float32');
      return spec.kind === 'linear' ? tf.transpose(x) : x;
    });
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]);
    theirs.dispose();
    if (!(diff <= 1e-6)) {
      throw new HyperloaderError(
        `${authorsFile}: the frozen weight "${spec.name}" differs from ${file} (max |Δ| ${diff.toExponential(2)}); ` +
          'model.checkpoint is not the backbone the authors trained on. Point it at that checkpoint, or use model.random_init (the same shape) to take the backbone from the file.',
        { exitCode: 2 },
      );
    }
  }
}
