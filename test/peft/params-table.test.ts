/**
 * The `params` table against independent counts: the paper authors' code's counts on the t5-base
 * shape (test/fixtures/counts.json, per group), SPEC §4's per-stack numbers, the authors' counts of
 * the tiny fixtures (mapping.json) and the tensors a checkpoint file actually holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fixturesDir } from '../helpers/paths.js';
import { resolveConfigObject } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { HyperloaderError } from '../../src/errors.js';
import { readSafetensorsHeader } from '../../src/model/safetensors.js';
import { t5ConfigFromShape } from '../../src/model/config.js';
import { T5Model } from '../../src/model/t5-model.js';
import { PeftModel } from '../../src/peft/model.js';
import { countParameters, parameterTable, planFor, resolveBackboneShape, T5_LAYER_NORMS, T5_REST, type ParameterTable } from '../../src/peft/params-table.js';

const PAPER_TASKS = ['movieTrivia', 'movie', 'restaurant', 'atis', 'snips', 'mtod', 'mtop'];

/** A config for `checkpoint` with the paper's seven tasks; `extra` deep-sets sections. */
function configFor(model: object, peft: object = {}, tasks: string[] = PAPER_TASKS, data: object = {}): Config {
  return resolveConfigObject(
    { model, peft, data: { tasks: tasks.map((name) => ({ name })), ...data } },
    { name: 'params-test', source: 'params-table.test' },
  );
}

/** Runs with the working directory and HYPERLOADER_HOME in an empty folder, so no real download is found. */
async function inEmptyHome<T>(fn: (home: string) => Promise<T>): Promise<T> {
  const home = mkdtempSync(join(tmpdir(), 'hl-params-'));
  const cwd = process.cwd();
  const before = process.env.HYPERLOADER_HOME;
  process.chdir(home);
  process.env.HYPERLOADER_HOME = home;
  try {
    return await fn(home);
  } finally {
    process.chdir(cwd);
    if (before === undefined) delete process.env.HYPERLOADER_HOME;
    else process.env.HYPERLOADER_HOME = before;
    rmSync(home, { recursive: true, force: true });
  }
}

const row = (t: ParameterTable, component: string) => t.rows.find((r) => r.component === component);
const sumRows = (t: ParameterTable, pred: (c: string) => boolean) => t.rows.filter((r) => pred(r.component)).reduce((s, r) => s + r.trainable + r.frozen, 0);

/** Our components → the groups of counts.json (the authors' parameter-name prefixes), both stacks summed. */
const GROUP_OF: Record<string, (c: string) => boolean> = {
  task_embeddings: (c) => c === 'task embeddings',
  't5_layer_norms': (c) => c === T5_LAYER_NORMS,
  't5_frozen_other': (c) => c === T5_REST,
  'hypernet.layer_id_embeddings': (c) => c.endsWith(' layer-id embedding'),
  'hypernet.adapters_block_type': (c) => c.endsWith(' position embedding'),
  'hypernet.task_hypernet': (c) => c.endsWith(' task projector'),
  'hypernet.LayerNorm': (c) => c.endsWith(' task projector LayerNorm'),
  'hypernet.up_sampler_hyper_net': (c) => c.endsWith(' adapter up generator'),
  'hypernet.down_sampler_hyper_net': (c) => c.endsWith(' adapter down generator'),
  'hypernet.post_layernorm_hypernet': (c) => c.endsWith(' adapter LayerNorm generator'),
  'hypernet.lora_a_hyper_net': (c) => c.endsWith(' LoRA A generator'),
  'hypernet.lora_b_hyper_net': (c) => c.endsWith(' LoRA B generator'),
};

const counts = JSON.parse(readFileSync(join(fixturesDir, 'counts.json'), 'utf8'));
const CASES: Record<string, object> = {
  hyperloader: {},
  hyperformerpp: { variant: 'adapters' },
  hyperloader_r16: { lora: { rank: 16, alpha: 16 } },
};

for (const [key, peft] of Object.entries(CASES)) {
  test(`t5-base, 7 tasks, ${key}: totals and every group match the authors' counts (counts.json)`, async () => {
    const expected = counts.results[key];
    assert.deepEqual(counts.tasks, PAPER_TASKS);
    const t = await inEmptyHome(() => parameterTable(configFor({ checkpoint: 't5-base' }, peft)));
    assert.equal(t.trainable, expected.trainable);
    assert.equal(t.total, expected.total);
    for (const [group, want] of Object.entries(expected.groups as Record<string, { trainable: number; total: number }>)) {
      const pred = GROUP_OF[group];
      assert.ok(pred, `no component maps to the authors' group ${group}`);
      const rows = t.rows.filter((r) => pred(r.component));
      assert.equal(rows.reduce((s, r) => s + r.trainable, 0), want.trainable, `${group} trainable`);
      assert.equal(rows.reduce((s, r) => s + r.trainable + r.frozen, 0), want.total, `${group} total`);
    }
    // Every component we count belongs to one of the authors' groups (nothing extra, nothing missing).
    const covered = t.rows.filter((r) => Object.values(GROUP_OF).some((p) => p(r.component)));
    assert.equal(covered.length, t.rows.filter((r) => r.trainable + r.frozen > 0).length);
  });
}

test('t5-base: SPEC §4 per-stack numbers, the legacy bias switch and separate LoRA generators', async () => {
  await inEmptyHome(async () => {
    const t = await parameterTable(configFor({ checkpoint: 't5-base' }));
    const perStack: Record<string, number> = {
      'layer-id embedding': 768,
      'position embedding': 384,
      'task projector': 32_960,
      'task projector LayerNorm': 128,
      'adapter up generator': 1_248_000,
      'adapter down generator': 1_199_640,
      'LoRA A generator': 393_216,
      'LoRA B generator': 393_216,
      'adapter LayerNorm generator': 99_840,
    };
    for (const stack of ['encoder', 'decoder']) {
      for (const [c, n] of Object.entries(perStack)) assert.deepEqual(row(t, `${stack} ${c}`), { component: `${stack} ${c}`, trainable: n, frozen: 0 });
      assert.equal(sumRows(t, (c) => c.startsWith(`${stack} `)), 3_368_152);
    }
    assert.deepEqual(row(t, 'task embeddings'), { component: 'task embeddings', trainable: 7 * 64, frozen: 0 });
    assert.deepEqual(row(t, T5_LAYER_NORMS), { component: T5_LAYER_NORMS, trainable: 47_616, frozen: 0 });
    assert.equal(t.backbone.source, 'built-in t5-base');
    assert.equal(t.backbone.legacyCrossBias, true);
    assert.match(t.backbone.notes.join('\n'), /not downloaded.*hyperloader download --model t5-base/s);

    const off = await parameterTable(configFor({ checkpoint: 't5-base', legacy_cross_attention_bias: 'off' }));
    assert.equal(off.total, 229_640_304);
    assert.equal(off.trainable, 6_784_368);
    const sep = await parameterTable(configFor({ checkpoint: 't5-base' }, { lora: { separate_generators: true } }));
    assert.equal(sep.trainable, 11_502_960);
    // Plain t5-base under transformers 4.x (no legacy table), all trainable under `full`.
    const full = await parameterTable(configFor({ checkpoint: 'google-t5/t5-base', legacy_cross_attention_bias: 'off' }, { variant: 'full' }));
    assert.equal(full.trainable, 222_903_552);
    assert.equal(full.total, 222_903_552);
  });
});

test('trainability follows the config: layer norms, train_backbone, none', async () => {
  await inEmptyHome(async () => {
    const noLn = await parameterTable(configFor({ checkpoint: 't5-base' }, { train_layer_norms: false }));
    assert.equal(noLn.trainable, 6_784_368 - 47_616);
    assert.deepEqual(row(noLn, T5_LAYER_NORMS), { component: T5_LAYER_NORMS, trainable: 0, frozen: 47_616 });
    const backbone = await parameterTable(configFor({ checkpoint: 't5-base', train_backbone: true }));
    assert.equal(backbone.trainable, backbone.total);
    const none = await parameterTable(configFor({ checkpoint: 't5-base' }, { variant: 'none', train_layer_norms: false }));
    assert.equal(none.trainable, 0);
    assert.equal(none.total, 222_903_936);
  });
});

for (const name of ['hyperloader-tiny', 'hyperloader-tiny-rf8']) {
  test(`${name}: a checkpoint directory's config.json and safetensors header give the authors' tiny counts`, async () => {
    const dir = join(fixturesDir, name);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const mapping = JSON.parse(readFileSync(join(dir, 'mapping.json'), 'utf8'));
    const h = cfg.hyperloader;
    const config = configFor({ checkpoint: dir }, { adapter: { reduction_factor: h.reduction_factor } }, h.tasks);
    const t = await parameterTable(config);
    assert.equal(t.backbone.source, dir);
    assert.equal(t.backbone.legacyCrossBias, true, 'the authors\' file carries the legacy cross bias; auto must count it');
    assert.equal(t.trainable, mapping.parameter_counts_this_fixture.trainable);
    assert.equal(t.total, mapping.parameter_counts_this_fixture.total_unique);
    // And per parameter: the mapping's trainable flags, aliases of shared.weight skipped.
    const params = (mapping.parameters as { shape: number[]; trainable: boolean; alias_of?: string }[]).filter((p) => !p.alias_of);
    const n = (p: { shape: number[] }) => p.shape.reduce((a, b) => a * b, 1);
    assert.equal(t.trainable, params.filter((p) => p.trainable).reduce((s, p) => s + n(p), 0));
  });
}

test('t5-tiny-relu (transformers 4.x file): auto finds no legacy bias; the total is the file\'s unique tensors', async () => {
  const dir = join(fixturesDir, 't5-tiny-relu');
  const t = await parameterTable(configFor({ checkpoint: dir }, { variant: 'full' }, ['a']));
  assert.equal(t.backbone.legacyCrossBias, false);
  const header = await readSafetensorsHeader(join(dir, 'model.safetensors'));
  const aliases = new Set(['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight', 'lm_head.weight']);
  let fileTotal = 0;
  for (const [name, e] of header.tensors) if (!aliases.has(name)) fileTotal += e.shape.reduce((a, b) => a * b, 1);
  assert.equal(t.total, fileTotal);
  assert.equal(t.trainable, fileTotal);
  const on = await parameterTable(configFor({ checkpoint: dir, legacy_cross_attention_bias: 'on' }, { variant: 'full' }, ['a']));
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.equal(on.total - t.total, cfg.relative_attention_num_buckets * cfg.num_heads);
});

test('a hub id resolves to <data.cache_dir>/models/<id>; missing weights and missing checkpoints are explained', async () => {
  await inEmptyHome(async (home) => {
    // A cached "t5-base" that is really t5-tiny-relu's config without weights: its config.json wins over the built-in table.
    const cached = join(home, 'cache', 'models', 't5-base');
    mkdirSync(cached, { recursive: true });
    copyFileSync(join(fixturesDir, 't5-tiny-relu', 'config.json'), join(cached, 'config.json'));
    const t = await resolveBackboneShape(configFor({ checkpoint: 't5-base' }, {}, ['a'], { cache_dir: join(home, 'cache') }));
    assert.equal(t.source, cached);
    assert.equal(t.cfg.d_model, JSON.parse(readFileSync(join(cached, 'config.json'), 'utf8')).d_model);
    assert.equal(t.legacyCrossBias, false);
    assert.match(t.notes.join('\n'), /model\.safetensors not found/);

    // A directory path ending in a known name falls back to the built-in shape, with a note.
    const viaPath = await resolveBackboneShape(configFor({ checkpoint: 'datasets/models/t5-small' }, {}, ['a']));
    assert.equal(viaPath.source, 'built-in t5-small');
    assert.equal(viaPath.cfg.d_model, 512);

    await assert.rejects(
      parameterTable(configFor({ checkpoint: 'my-org/my-t5' }, {}, ['a'])),
      (e: unknown) => e instanceof HyperloaderError && /model\.checkpoint: "my-org\/my-t5" was not found.*hyperloader download --model/s.test(e.message),
    );
  });
});

test('random_init: hand-counted tiny shape, and the table agrees with the trainable variables PeftModel creates', async () => {
  await tf.setBackend('cpu');
  const shape = { vocab_size: 40, d_model: 16, d_kv: 4, d_ff: 24, num_layers: 2, num_heads: 4, relative_attention_num_buckets: 8 };
  for (const peft of [{ adapter: { reduction_factor: 4 } }, { variant: 'static', adapter: { reduction_factor: 4 } }, { variant: 'lora', lora: { separate_generators: true } }]) {
    const config = configFor({ random_init: shape }, peft, ['a', 'b']);
    const t = await parameterTable(config);
    // T5 by hand: embedding 40·16; per encoder block q,k,v,o 4·16·16 + FFN 2·16·24 + 2 norms·16;
    // per decoder block self and cross attention 8·16·16 + FFN + 3 norms; two bias tables 8·4; two final norms.
    const enc = 4 * 256 + 2 * 16 * 24 + 2 * 16;
    const dec = 8 * 256 + 2 * 16 * 24 + 3 * 16;
    const backbone = 40 * 16 + 2 * enc + 2 * dec + 2 * 8 * 4 + 2 * 16;
    assert.equal(sumRows(t, (c) => c === T5_LAYER_NORMS || c === T5_REST), backbone);
    assert.equal(t.backbone.legacyCrossBias, false);
    const model = new PeftModel(T5Model.random(t5ConfigFromShape(config.model.random_init!), 1), planFor(config, t5ConfigFromShape(config.model.random_init!)));
    const trainable = [...model.trainableVariables().values()].reduce((s, v) => s + v.size, 0);
    const total = trainable + [...model.t5.params.values()].filter((v) => !v.trainable).reduce((s, v) => s + v.size, 0);
    assert.equal(t.trainable, trainable);
    assert.equal(t.total, total);
    model.dispose();
    model.t5.dispose();
  }
});

test('countParameters is pure: the same backbone gives the same table without touching the disk', async () => {
  await inEmptyHome(async () => {
    const config = configFor({ checkpoint: 't5-large' });
    const backbone = await resolveBackboneShape(config);
    assert.equal(backbone.cfg.num_layers, 24);
    assert.deepEqual(countParameters(config, backbone), countParameters(config, backbone));
    // t5-large has 24 layers: layer-id tables of 24 rows per stack.
    assert.equal(row(countParameters(config, backbone), 'encoder layer-id embedding')?.trainable, 24 * 64);
  });
});
