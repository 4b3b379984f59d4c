/**
 * From a resolved config to the things a run needs: the backbone checkpoint (or a random T5 of
 * the configured shape), the tokenizer, each task's splits and tokenised training examples, and
 * the PEFT model. `train`, `eval` and `predict` all build through here, so they agree.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HyperloaderError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { resolveConfigPath } from '../config/paths.js';
import { loadTaskSplits, type TaskSplits } from '../data/load.js';
import { entityTypes, makeTagCodec, type TagCodec } from '../data/sentinel-codec.js';
import type { Sentence } from '../data/types.js';
import { t5ConfigFromShape, type T5Config } from '../model/config.js';
import { loadT5Checkpoint, readT5Config } from '../model/checkpoint.js';
import { readSafetensorsHeader } from '../model/safetensors.js';
import { T5Model } from '../model/t5-model.js';
import { loadTokenizer } from '../tokenizer/load.js';
import { T5Tokenizer } from '../tokenizer/t5-tokenizer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { resolvePeftPlan, type PeftPlan } from '../peft/config.js';
import { PeftModel } from '../peft/model.js';
import { locateCheckpoint } from '../model/locate.js';

/** Where model.checkpoint points: a directory, or a hub id downloaded into the cache (the same rule `params` uses). */
export function resolveCheckpointDir(config: Config): string | null {
  const c = config.model.checkpoint;
  if (c === undefined) return null;
  const { dir, looked } = locateCheckpoint(config);
  if (dir) return dir;
  throw new HyperloaderError(
    `model.checkpoint: "${c}" is not a checkpoint directory with config.json + model.safetensors (looked in ${looked.join(', ')}). ` +
      `Run \`hyperloader download --model ${c}\`, or point model.checkpoint at a checkpoint directory.`,
  );
}

export async function backboneConfig(config: Config): Promise<T5Config> {
  const dir = resolveCheckpointDir(config);
  const cfg = dir ? await readT5Config(dir) : t5ConfigFromShape(config.model.random_init!);
  if (config.model.dropout !== undefined) cfg.dropout_rate = config.model.dropout;
  return cfg;
}

/**
 * A fingerprint of the frozen backbone a run was trained on: its config and tensor names/shapes
 * (checkpoint), or its shape and seed (random init). A run refuses to load on a different one.
 */
export async function backboneHash(config: Config): Promise<string> {
  const h = createHash('sha256');
  const dir = resolveCheckpointDir(config);
  if (dir) {
    const cfg = await readT5Config(dir);
    h.update(JSON.stringify(cfg));
    const header = await readSafetensorsHeader(join(dir, 'model.safetensors'));
    for (const [name, e] of [...header.tensors].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`${name}:${e.dtype}:${e.shape.join('x')};`);
  } else {
    h.update(JSON.stringify({ random_init: config.model.random_init, seed: config.experiment.seed }));
  }
  return h.digest('hex');
}

export async function loadRunTokenizer(config: Config): Promise<{ tokenizer: Tokenizer; path: string }> {
  if (config.model.tokenizer) {
    const path = resolveConfigPath(config, config.model.tokenizer);
    if (!existsSync(path)) throw new HyperloaderError(`model.tokenizer: ${path} does not exist; point it at a tokenizer.json`);
    return { tokenizer: await loadTokenizer(path), path };
  }
  const dir = resolveCheckpointDir(config);
  if (dir && existsSync(join(dir, 'tokenizer.json'))) {
    const path = join(dir, 'tokenizer.json');
    return { tokenizer: await loadTokenizer(path), path };
  }
  const t = await T5Tokenizer.default();
  return { tokenizer: t, path: 'vendored T5 tokenizer (assets/t5-tokenizer/tokenizer.json)' };
}

export interface TaskData {
  name: string;
  splits: TaskSplits;
}

export async function loadTasks(config: Config): Promise<TaskData[]> {
  const out: TaskData[] = [];
  for (const task of config.data.tasks) out.push({ name: task.name, splits: await loadTaskSplits(config, task) });
  const seen = new Set<string>();
  for (const t of out) {
    if (seen.has(t.name)) throw new HyperloaderError(`data.tasks: the task name "${t.name}" appears twice; give each task its own name`, { exitCode: 2 });
    seen.add(t.name);
  }
  return out;
}

/** One codec for all tasks' entity types: ordinary names pass through, odd ones are escaped losslessly. */
export function codecFor(tasks: TaskData[]): TagCodec {
  const tags: string[][] = [];
  for (const t of tasks) for (const s of [...t.splits.train, ...t.splits.dev, ...t.splits.test] as Sentence[]) tags.push(s.tags);
  return makeTagCodec(entityTypes(tags));
}

/** The backbone and the PEFT modules, freshly initialised from the config's seed. */
export async function buildModel(config: Config, tasks: string[], tokenizer: Tokenizer): Promise<{ model: PeftModel; plan: PeftPlan }> {
  const dir = resolveCheckpointDir(config);
  let t5: T5Model;
  if (dir) {
    t5 = await loadT5Checkpoint(dir, { legacyCrossBias: config.model.legacy_cross_attention_bias, dropoutRate: config.model.dropout });
  } else {
    const cfg = await backboneConfig(config);
    t5 = T5Model.random(cfg, config.experiment.seed, { legacyCrossBias: config.model.legacy_cross_attention_bias === 'on' });
  }
  if (tokenizer.vocabSize > t5.cfg.vocab_size) {
    t5.dispose();
    throw new HyperloaderError(
      `the tokenizer has ${tokenizer.vocabSize} ids but the model's vocabulary has ${t5.cfg.vocab_size}: ` +
        (dir ? 'use the checkpoint\'s own tokenizer (unset model.tokenizer)' : `set model.random_init.vocab_size to at least ${tokenizer.vocabSize}`),
      { exitCode: 2 },
    );
  }
  const plan = resolvePeftPlan(config.peft, t5.cfg, tasks, { trainBackbone: config.model.train_backbone });
  const model = new PeftModel(t5, plan, { seed: config.experiment.seed });
  return { model, plan };
}
