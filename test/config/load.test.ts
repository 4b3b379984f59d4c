import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, resolveConfigObject, configToYaml } from '../../src/config/load.js';
import { HyperloaderError } from '../../src/errors.js';
import { tempConfigDir, MINIMAL } from './tmp.js';

/** Runs `fn`, expects a config error (exit 2), returns its message. */
async function configError(fn: () => Promise<unknown> | unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof HyperloaderError, `expected a HyperloaderError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    return e.message;
  }
  assert.fail('expected a config error');
}

test('defaults are filled in (values from SPEC §7 and the schema) and experiment.name is the file base name', async () => {
  const t = tempConfigDir({ 'my-run.yaml': MINIMAL });
  const { config, files } = await loadConfig(t.path('my-run.yaml'));
  assert.deepEqual(files, [t.path('my-run.yaml')]);
  assert.equal(config.experiment.name, 'my-run');
  assert.equal(config.experiment.seed, 42);
  assert.equal(config.experiment.runs_dir, 'runs');
  assert.equal(config.experiment.backend, 'auto');
  assert.equal(config.training.lr, 3e-4);
  assert.equal(config.training.steps, 65536);
  assert.equal(config.training.batch_size, 128);
  assert.equal(config.training.warmup_steps, 500);
  assert.equal(config.training.temperature, 10);
  assert.equal(config.training.label_smoothing, 0.1);
  assert.equal(config.training.loss_reduction, 'sum');
  assert.equal(config.training.clip_norm, 1);
  assert.equal(config.peft.variant, 'hyperloader');
  assert.equal(config.peft.lora.rank, 8);
  assert.equal(config.peft.lora.alpha, 8);
  assert.deepEqual(config.peft.lora.positions, ['self_q', 'self_v', 'cross_q', 'cross_v']);
  assert.equal(config.peft.adapter.reduction_factor, 32);
  assert.equal(config.peft.hypernetwork.task_embedding_dim, 64);
  assert.equal(config.model.random_init?.d_model, 512);
  assert.equal(config.data.max_source_length, 128);
  assert.equal(config.data.fraction, 1);
  assert.deepEqual(config.eval.splits, ['dev', 'test']);
  assert.equal(config.eval.f1_mode, 'default');
});

test('configToYaml writes every default and loads back to the same config', async () => {
  const t = tempConfigDir({ 'a.yaml': MINIMAL });
  const { config } = await loadConfig(t.path('a.yaml'));
  const yaml = configToYaml(config);
  assert.match(yaml, /^ {2}label_smoothing: 0\.1$/m);
  assert.match(yaml, /^ {2}name: a$/m);
  const t2 = tempConfigDir({ 'saved.yaml': yaml });
  assert.deepEqual((await loadConfig(t2.path('saved.yaml'))).config, config);
});

test('an unknown key is reported with file:line:column, its path and the closest known key', async () => {
  const t = tempConfigDir({ 'c.yaml': `${MINIMAL}training:\n  steps: 10\n  lrr: 0.1\n` });
  const msg = await configError(() => loadConfig(t.path('c.yaml')));
  assert.match(msg, /invalid config .*c\.yaml \(1 problem\)/);
  assert.ok(msg.includes(`${t.path('c.yaml')}:8:3: training.lrr: unknown key; did you mean "training.lr"?`), msg);
});

test('an unknown key that belongs to another section, and a misspelt section, get suggestions', async () => {
  const t = tempConfigDir({ 'c.yaml': `${MINIMAL}experiment:\n  lr: 0.1\ntrainig:\n  steps: 3\n` });
  const msg = await configError(() => loadConfig(t.path('c.yaml')));
  assert.ok(msg.includes(`c.yaml:7:3: experiment.lr: unknown key; did you mean "training.lr"?`), msg);
  assert.ok(msg.includes(`c.yaml:8:1: trainig: unknown key; did you mean "training"?`), msg);
});

test('a wrong type names the key, the line, what was expected and what was found', async () => {
  const t = tempConfigDir({ 'c.yaml': `${MINIMAL}training:\n  batch_size: many\n` });
  const msg = await configError(() => loadConfig(t.path('c.yaml')));
  assert.ok(msg.includes(`c.yaml:7:3: training.batch_size: expected integer > 0, got "many" (string)`), msg);
});

test('a missing required field points at the object that lacks it', async () => {
  const t = tempConfigDir({ 'c.yaml': 'model:\n  random_init: {}\ndata:\n  tasks:\n    - dataset: atis\n' });
  const msg = await configError(() => loadConfig(t.path('c.yaml')));
  assert.ok(msg.includes(`c.yaml:5:7: data.tasks.0.name: missing required key (expected non-empty string)`), msg);
  const t2 = tempConfigDir({ 'd.yaml': 'training:\n  steps: 5\n' });
  const msg2 = await configError(() => loadConfig(t2.path('d.yaml')));
  // Whole sections missing: reported at the top of the file.
  assert.ok(msg2.includes(`d.yaml:1:1: model: missing required key (expected mapping)`), msg2);
  assert.ok(msg2.includes(`d.yaml:1:1: data: missing required key (expected mapping)`), msg2);
});

test('the model rule "exactly one of checkpoint or random_init" is reported at model:', async () => {
  const t = tempConfigDir({ 'c.yaml': 'model:\n  checkpoint: t5-base\n  random_init: {}\ndata:\n  tasks: [{name: a}]\n' });
  const msg = await configError(() => loadConfig(t.path('c.yaml')));
  assert.ok(msg.includes('c.yaml:1:1: model: set exactly one of model.checkpoint'), msg);
});

test('a YAML syntax error gives file:line:column', async () => {
  const t = tempConfigDir({ 'c.yaml': 'model:\n  random_init: {}\ntraining:\n  lr: [1, 2\n  steps: 3\n' });
  const msg = await configError(() => loadConfig(t.path('c.yaml')));
  assert.match(msg, /c\.yaml:\d+:\d+: YAML syntax error: /);
  const t2 = tempConfigDir({ 'd.yaml': 'model:\n  random_init: {}\n  random_init: {}\n' });
  const msg2 = await configError(() => loadConfig(t2.path('d.yaml')));
  assert.ok(msg2.includes('d.yaml:3:3: YAML syntax error: Map keys must be unique'), msg2);
});

test('every problem is reported at once, in file order', async () => {
  const text = [
    'experiment:',
    '  backend: gpu', // 2
    'model:',
    '  random_init: {d_model: -4}', // 4
    'data:',
    '  tasks:',
    '    - name: atis',
    '      fraction: 2', // 8
    'training:',
    '  lrr: 1', // 10
    'eval:',
    '  splits: [dev, tst]', // 12
  ].join('\n');
  const t = tempConfigDir({ 'c.yaml': text });
  const msg = await configError(() => loadConfig(t.path('c.yaml')));
  assert.match(msg, /\(5 problems\)/);
  const lines = msg.split('\n').slice(1);
  assert.deepEqual(
    lines.map((l) => l.trim().replace(/^.*c\.yaml:/, '').split(': ').slice(0, 2).join(': ')),
    ['2:3: experiment.backend', '4:17: model.random_init.d_model', '8:7: data.tasks.0.fraction', '10:3: training.lrr', '12:17: eval.splits.1'],
  );
  assert.ok(lines[0].includes('expected one of "auto" | "tensorflow" | "wasm" | "cpu", got "gpu"'), lines[0]);
  assert.ok(lines[2].includes('expected number > 0 and ≤ 1, got 2'), lines[2]);
});

test('--set overrides: nested paths and typed values (number, boolean, list, mapping, list item, unset)', async () => {
  const t = tempConfigDir({ 'c.yaml': `${MINIMAL}    - name: snips\npeft:\n  lora:\n    positions: [self_q]\n` });
  const { config } = await loadConfig(t.path('c.yaml'), [
    'training.lr=1e-4',
    'training.steps=250',
    'peft.lora.separate_generators=true',
    'eval.splits=[test]',
    'peft.lora={rank: 16}',
    'data.tasks.1.fraction=0.5',
    'model.random_init.d_model=64',
    'experiment.name=custom',
    'model.tokenizer=',
  ]);
  assert.equal(config.training.lr, 1e-4);
  assert.equal(config.training.steps, 250);
  assert.equal(config.peft.lora.separate_generators, true);
  assert.deepEqual(config.eval.splits, ['test']);
  assert.equal(config.peft.lora.rank, 16);
  assert.deepEqual(config.peft.lora.positions, ['self_q'], 'a mapping override merges, keeping the file\'s keys');
  assert.equal(config.data.tasks[1].fraction, 0.5);
  assert.equal(config.data.tasks[0].fraction, undefined);
  assert.equal(config.model.random_init?.d_model, 64);
  assert.equal(config.experiment.name, 'custom');
  assert.equal(config.model.tokenizer, undefined);
});

test('bad --set overrides: unknown path (with suggestion), wrong type, malformed, bad index — all at once', async () => {
  const t = tempConfigDir({ 'c.yaml': MINIMAL });
  const msg = await configError(() =>
    loadConfig(t.path('c.yaml'), ['training.lrr=1', 'training.steps=many', 'eval.splits=[dev, tset]', 'nonsense', 'data.tasks.3.name=x', 'trainin.lr=1']),
  );
  assert.match(msg, /\(6 problems\)/);
  assert.ok(msg.includes('--set training.lrr=1: training.lrr: unknown key; did you mean "training.lr"?'), msg);
  assert.ok(msg.includes('--set training.steps=many: training.steps: expected integer > 0, got "many" (string)'), msg);
  assert.ok(msg.includes('--set eval.splits=[dev, tset]: eval.splits.1: expected one of "dev" | "test", got "tset"'), msg);
  assert.ok(msg.includes('--set nonsense: expected KEY=VALUE'), msg);
  assert.ok(msg.includes('--set data.tasks.3.name=x: data.tasks: "3" is not an item of this list'), msg);
  assert.ok(msg.includes('--set trainin.lr=1: trainin: unknown key; did you mean "training"?'), msg);
});

test('extends: a 3-level chain merges mappings, replaces lists, and null removes a base key', async () => {
  const t = tempConfigDir({
    'base/root.yaml': [
      'experiment: {seed: 1, runs_dir: out}',
      'model:',
      '  checkpoint: t5-base',
      'data:',
      '  tasks: [{name: atis}, {name: snips}]',
      'training: {steps: 100, lr: 0.001, batch_size: 8}',
      'eval: {splits: [dev, test]}',
    ].join('\n'),
    'mid/mid.yaml': 'extends: ../base/root.yaml\ntraining: {steps: 200}\neval: {splits: [test]}\nexperiment: {seed: 2}\n',
    'leaf.yaml': 'extends: mid/mid.yaml\nmodel:\n  checkpoint: null\n  random_init: {d_model: 32}\ntraining: {lr: 0.002}\ndata:\n  tasks: [{name: mtop}]\n',
  });
  const { config, files } = await loadConfig(t.path('leaf.yaml'));
  assert.deepEqual(files, [t.path('base/root.yaml'), t.path('mid/mid.yaml'), t.path('leaf.yaml')]);
  assert.equal(config.experiment.name, 'leaf');
  assert.equal(config.experiment.seed, 2);
  assert.equal(config.experiment.runs_dir, 'out');
  assert.equal(config.model.checkpoint, undefined);
  assert.equal(config.model.random_init?.d_model, 32);
  assert.deepEqual(config.data.tasks.map((x) => x.name), ['mtop'], 'lists are replaced, not concatenated');
  assert.deepEqual(config.eval.splits, ['test']);
  assert.equal(config.training.steps, 200);
  assert.equal(config.training.lr, 0.002);
  assert.equal(config.training.batch_size, 8);
});

test('extends: a problem is reported in the file that set the value', async () => {
  const t = tempConfigDir({
    'base.yaml': `${MINIMAL}training:\n  steps: -1\n`,
    'child.yaml': 'extends: base.yaml\ntraining:\n  lr: fast\n',
  });
  const msg = await configError(() => loadConfig(t.path('child.yaml')));
  assert.ok(msg.includes(`${t.path('base.yaml')}:7:3: training.steps: expected integer > 0, got -1`), msg);
  assert.ok(msg.includes(`${t.path('child.yaml')}:3:3: training.lr: expected number > 0, got "fast"`), msg);
});

test('extends: a cycle is an error naming the chain; a missing base names the extends line', async () => {
  const t = tempConfigDir({ 'a.yaml': 'extends: b.yaml\n', 'b.yaml': 'extends: c.yaml\n', 'c.yaml': 'extends: a.yaml\n', 'self.yaml': 'extends: ./self.yaml\n' });
  const msg = await configError(() => loadConfig(t.path('a.yaml')));
  assert.match(msg, /cycle: .*a\.yaml → .*b\.yaml → .*c\.yaml → .*a\.yaml/);
  assert.ok(msg.startsWith(`${t.path('c.yaml')}:1:1: extends:`), msg);
  assert.match(await configError(() => loadConfig(t.path('self.yaml'))), /cycle: .*self\.yaml → .*self\.yaml/);
  const t2 = tempConfigDir({ 'a.yaml': `${MINIMAL}extends: nope.yaml\n` });
  const msg2 = await configError(() => loadConfig(t2.path('a.yaml')));
  assert.ok(msg2.includes(`a.yaml:6:1: extends: ${t2.path('nope.yaml')}: file not found`), msg2);
});

test('a missing config file is a config error that says what to pass', async () => {
  const msg = await configError(() => loadConfig('/nonexistent/x.yaml'));
  assert.match(msg, /config \/nonexistent\/x\.yaml: file not found/);
});

test('resolveConfigObject validates objects with the same rules and names the source', async () => {
  const c = resolveConfigObject({ model: { random_init: { d_model: 8 } }, data: { tasks: [{ name: 't' }] } }, { name: 'prog', sets: ['training.steps=3'] });
  assert.equal(c.experiment.name, 'prog');
  assert.equal(c.training.steps, 3);
  assert.equal(c.model.random_init?.num_heads, 8);
  const msg = await configError(() => resolveConfigObject({ model: { random_init: {} }, data: { tasks: [] }, trainng: {} }, { source: 'my object' }));
  assert.ok(msg.includes('my object: data.tasks: expected non-empty list of mappings, got [] (list)'), msg);
  assert.ok(msg.includes('my object: trainng: unknown key; did you mean "training"?'), msg);
});
