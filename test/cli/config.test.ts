import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { binPath } from '../helpers/paths.js';
import { tempConfigDir, MINIMAL } from '../config/tmp.js';

const cli = (args: string[], cwd?: string) => spawnSync(process.execPath, [binPath, ...args], { encoding: 'utf8', cwd });

test('hyperloader config prints the resolved YAML with every default and the overrides', () => {
  const t = tempConfigDir({ 'quick.yaml': MINIMAL });
  const r = cli(['config', '--config', t.path('quick.yaml'), '--set', 'training.lr=1e-4', '--set', 'eval.splits=[test]', '--backend', 'cpu']);
  assert.equal(r.status, 0, r.stderr);
  const c = parse(r.stdout);
  assert.equal(c.experiment.name, 'quick');
  assert.equal(c.experiment.backend, 'cpu', '--backend overrides experiment.backend');
  assert.equal(c.training.lr, 1e-4);
  assert.equal(c.training.steps, 65536);
  assert.deepEqual(c.eval.splits, ['test']);
  assert.equal(c.peft.hypernetwork.conditioning, 'task+layer+position');
  const j = cli(['config', '-c', t.path('quick.yaml'), '--json']);
  assert.equal(j.status, 0, j.stderr);
  assert.equal(JSON.parse(j.stdout).training.batch_size, 128);
});

test('config errors exit 2 with one message and no stack trace; --verbose adds the stack', () => {
  const t = tempConfigDir({ 'bad.yaml': `${MINIMAL}training:\n  lrr: 1\n` });
  const r = cli(['config', '--config', t.path('bad.yaml'), '--set', 'training.steps=-3']);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^hyperloader: invalid config .*bad\.yaml \(2 problems\):/);
  assert.ok(r.stderr.includes('bad.yaml:7:3: training.lrr: unknown key; did you mean "training.lr"?'), r.stderr);
  assert.ok(r.stderr.includes('--set training.steps=-3: training.steps: expected integer > 0, got -3'), r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const v = cli(['config', '--config', t.path('bad.yaml'), '--verbose']);
  assert.equal(v.status, 2);
  assert.match(v.stderr, /\n\s+at /);
});

test('relative config paths are read from the working directory; a missing --config is a usage error', () => {
  const t = tempConfigDir({ 'configs/q.yaml': MINIMAL });
  const r = cli(['config', '--config', 'configs/q.yaml'], t.dir);
  assert.equal(r.status, 0, r.stderr);
  const m = cli(['config']);
  assert.equal(m.status, 2);
  assert.match(m.stderr, /--config/);
  const n = cli(['config', '--config', 'nope.yaml'], t.dir);
  assert.equal(n.status, 2);
  assert.match(n.stderr, /config nope\.yaml: file not found/);
});

test('config checks task and dataset names, with "did you mean" (exit 2), before any training', () => {
  const t = tempConfigDir({ 'x.yaml': 'model: { random_init: { d_model: 16 } }\ndata: { tasks: [ { name: atis }, { name: ner, dataset: conl2003 } ] }\n' });
  const r = cli(['config', '--config', t.path('x.yaml')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /unknown data\.tasks\[1\]\.dataset "conl2003"; did you mean "conll2003"\?/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
