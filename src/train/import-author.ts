/**
 * A run directory from a state dict saved by the paper authors' PyTorch code (jgermanob/hyperformer
 * on transformers 3.5), so a model trained there can be evaluated, used and exported here.
 *
 * Their file holds the whole model under their names: the T5 backbone under Hugging Face names
 * ([out, in] linears, tied aliases included), the hypernetworks and task embeddings under the
 * names ../peft/author-names.ts spells (./author-checks.ts checks the file against the config).
 * They trained the PEFT parameters and every T5 layer norm; the rest stayed frozen. So the
 * imported run's checkpoint holds exactly those (in our layout), and its backbone is either the
 * config's checkpoint — checked tensor by tensor against the file — or, for a `random_init`
 * config, the file's own backbone written into the run as a checkpoint directory, so the run is
 * self-contained.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import { HyperloaderError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { configToYaml, resolveConfigObject } from '../config/load.js';
import { resolveRunDir } from '../config/paths.js';
import { Rng } from '../data/rng.js';
import { saveT5Checkpoint, t5ModelFromTensors } from '../model/checkpoint.js';
import { LEGACY_CROSS_BIAS, t5ParamSpecs } from '../model/params.js';
import { initBackend } from '../runtime/backend.js';
import { packageVersion } from '../runtime/paths.js';
import { sha256File } from '../runtime/fs.js';
import { peftParamsFromAuthor, type HostTensor } from '../peft/author.js';
import { resolvePeftPlan, type PeftPlan } from '../peft/config.js';
import { PeftModel } from '../peft/model.js';
import { peftParamSpecs } from '../peft/specs.js';
import { saveCheckpoint, writeJsonAtomic, type CheckpointState } from './checkpoint.js';
import { backboneConfig, backboneHash, loadRunTokenizer, resolveCheckpointDir } from './setup.js';
import { checkBackboneShapes, checkFrozenAgainstCheckpoint, checkNothingLeft, checkTasks, readAuthorState, TASK_PREFIX } from './author-checks.js';

/** transformers 3.5's T5 buckets relative positions up to this distance, whatever the config says (fixtures README). */
const AUTHORS_MAX_DISTANCE = 128;

export interface ImportOptions {
  /** The authors' state dict (.safetensors, their names). */
  authorsFile: string;
  /** The resolved hyperloader config describing the same model; experiment.name names the run. */
  config: Config;
  /** Names the config in messages (its file, usually). */
  configSource: string;
  logger: Logger;
}

export interface ImportResult {
  runDir: string;
  /** The config saved as config.yaml (model.checkpoint points at the backbone used). */
  config: Config;
  /** `<run>/backbone` when the backbone came from the file, else null. */
  backboneDir: string | null;
  /** Task embeddings in the file that data.tasks does not name (left out of the run). */
  ignoredTasks: string[];
  /** Config keys set to what the authors' training did, with the value they had. */
  adjusted: string[];
  trainable: number;
  total: number;
}

/** The config the imported run saves: the backbone it uses, and what the authors trained. */
function savedConfig(config: Config, backboneDir: string | null): { config: Config; adjusted: string[] } {
  const out: Config = structuredClone(config);
  const adjusted: string[] = [];
  if (backboneDir) {
    const model: Config['model'] = { ...out.model, checkpoint: backboneDir };
    delete model.random_init;
    out.model = model;
  }
  // The authors froze the backbone but for its layer norms (their freezing_params).
  if (out.model.train_backbone) {
    out.model.train_backbone = false;
    adjusted.push('model.train_backbone: false (was true)');
  }
  if (!out.peft.train_layer_norms) {
    out.peft.train_layer_norms = true;
    adjusted.push('peft.train_layer_norms: true (was false)');
  }
  // Through the schema again, so config.yaml reads exactly as a loaded config does (key order included).
  return { config: resolveConfigObject(out, { source: 'the imported run\'s config' }), adjusted };
}

/** Creates `runs_dir/<name>/` from the authors' state dict (see the file comment). */
export async function importAuthorRun(opts: ImportOptions): Promise<ImportResult> {
  const { logger } = opts;
  const authorsFile = resolve(opts.authorsFile);
  const runDir = resolveRunDir(opts.config);
  if (existsSync(runDir) && readdirSync(runDir).length > 0) {
    throw new HyperloaderError(`the run directory ${runDir} already exists; import under another name (--name ${opts.config.experiment.name}-2)`, { exitCode: 2 });
  }
  const variant = opts.config.peft.variant;
  if (variant !== 'hyperloader' && variant !== 'adapters' && variant !== 'lora') {
    throw new HyperloaderError(
      `${opts.configSource}: peft.variant "${variant}" has no counterpart in the authors' code; their state dicts are hypernetwork models (hyperloader, adapters, lora)`,
      { exitCode: 2 },
    );
  }
  const state = await readAuthorState(authorsFile);
  const { tasks, ignored } = checkTasks(state, opts.config, opts.configSource);
  const checkpointDir = resolveCheckpointDir(opts.config);
  const cfg = await backboneConfig(opts.config);
  if (cfg.relative_attention_max_distance !== AUTHORS_MAX_DISTANCE) {
    const key = checkpointDir ? `relative_attention_max_distance in ${join(checkpointDir, 'config.json')}` : `model.random_init.relative_attention_max_distance in ${opts.configSource}`;
    throw new HyperloaderError(
      `${key} is ${cfg.relative_attention_max_distance}, but the authors' code (transformers 3.5 T5) hard-codes ${AUTHORS_MAX_DISTANCE}, so the imported run would not compute their model. ` +
        (checkpointDir ? `Use a checkpoint whose config says ${AUTHORS_MAX_DISTANCE} (t5-base does), or model.random_init with the same shape to take the backbone from the file.` : `Set it to ${AUTHORS_MAX_DISTANCE} (the default).`),
      { exitCode: 2 },
    );
  }
  const legacyMode = opts.config.model.legacy_cross_attention_bias;
  const legacy = legacyMode !== 'off' && state.tensors.has(LEGACY_CROSS_BIAS);
  const where = checkpointDir ? `the config of model.checkpoint (${join(checkpointDir, 'config.json')})` : `model.random_init in ${opts.configSource}`;
  checkBackboneShapes(state, t5ParamSpecs(cfg, { legacyCrossBias: legacy }), where);

  const { tokenizer } = await loadRunTokenizer(opts.config);
  if (tokenizer.vocabSize > cfg.vocab_size) {
    throw new HyperloaderError(
      `the tokenizer has ${tokenizer.vocabSize} ids but the authors' model has a vocabulary of ${cfg.vocab_size}; set model.tokenizer in ${opts.configSource} to the tokenizer they trained with`,
      { exitCode: 2 },
    );
  }

  const { config: saved, adjusted } = savedConfig(opts.config, checkpointDir ? null : join(runDir, 'backbone'));
  const plan: PeftPlan = resolvePeftPlan(saved.peft, cfg, tasks, { trainBackbone: saved.model.train_backbone });
  const specs = peftParamSpecs(plan);
  const host = new Map<string, HostTensor>([...state.tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data as Float32Array }]));
  let peftHost: Map<string, HostTensor>;
  try {
    peftHost = peftParamsFromAuthor(host, specs, authorsFile);
  } catch (e) {
    // A config that does not describe the file: a usage error like the others here.
    if (e instanceof HyperloaderError) throw new HyperloaderError(e.message, { exitCode: 2 });
    throw e;
  }
  const used = new Set<string>([...t5ParamSpecs(cfg, { legacyCrossBias: legacy }).map((s) => s.name), ...specs.map((s) => s.name)]);
  checkNothingLeft(state, used, ignored);

  const backend = await initBackend(opts.config.experiment.backend, { threads: opts.config.experiment.threads, logger });
  logger.debug({ backend: backend.name }, `backend: ${backend.name}`);
  const isPeftName = (n: string) => n.includes('.adapter_layers_hyper_net.') || n.startsWith(TASK_PREFIX);
  const t5 = t5ModelFromTensors(
    cfg,
    new Map([...state.tensors].map(([n, t]) => [n, { shape: t.shape, dtype: t.dtype, data: t.data }])),
    authorsFile,
    { ignoreExtra: isPeftName, legacyCrossBias: legacyMode },
  );
  // The host copies are no longer needed (the file can be the size of t5-base).
  state.tensors.clear();
  host.clear();
  const values = new Map([...peftHost].map(([n, t]) => [n, tf.tensor(t.data, t.shape, 'float32')]));
  let model: PeftModel | null = null;
  try {
    model = new PeftModel(t5, plan, { values });
    tf.dispose([...values.values()]);
    if (checkpointDir) await checkFrozenAgainstCheckpoint(t5, checkpointDir, authorsFile);

    await mkdir(runDir, { recursive: true });
    try {
      if (!checkpointDir) await saveT5Checkpoint(join(runDir, 'backbone'), t5);
      await writeFile(join(runDir, 'config.yaml'), configToYaml(saved));
      const checkpoint: CheckpointState = {
        version: 1,
        step: 0,
        // Nothing was sampled here; the run cannot resume training (no optimizer moments).
        sampler: { version: 1, tasks, sizes: tasks.map(() => 0), temperature: saved.training.temperature, batchSize: saved.training.batch_size, batches: 0, rng: new Rng(saved.experiment.seed).state() },
        backbone_hash: await backboneHash(saved),
        evals: [],
        best: null,
        since_best: 0,
        train_seconds: 0,
        examples_seen: 0,
      };
      await saveCheckpoint(runDir, 'last', model, null, checkpoint);
      const counts = model.parameterCounts();
      const now = new Date().toISOString();
      await writeJsonAtomic(join(runDir, 'run.json'), {
        name: saved.experiment.name,
        status: 'imported',
        hyperloader_version: packageVersion(),
        backend: backend.name,
        tokenizer: (await loadRunTokenizer(saved)).path,
        created: now,
        updated: now,
        step: 0,
        steps: 0,
        trainable_parameters: counts.trainable,
        total_parameters: counts.total,
        train_seconds: 0,
        examples_per_second: 0,
        imported_from: { file: authorsFile, sha256: await sha256File(authorsFile), tasks_ignored: ignored, adjusted },
      });
      logger.debug({ run: runDir, tasks, ignored }, `imported ${authorsFile} into ${runDir}`);
      return { runDir, config: saved, backboneDir: checkpointDir ? null : join(runDir, 'backbone'), ignoredTasks: ignored, adjusted, ...counts };
    } catch (e) {
      // Leave nothing half-written behind to refuse the next attempt.
      await rm(runDir, { recursive: true, force: true });
      throw e;
    }
  } finally {
    if (model) model.dispose();
    else tf.dispose([...values.values()]);
    t5.dispose();
  }
}
