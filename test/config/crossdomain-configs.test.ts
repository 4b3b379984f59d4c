/**
 * The cross-domain configs resolve to the paper's setting (configs/paper/hyperloader.yaml, SPEC §7)
 * with their own task lists, every task naming a registered dataset; the own-data example is a
 * complete config once its corpus is registered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { datasetForTask } from '../../src/data/registry.js';
import { repoRoot } from '../helpers/paths.js';
import { cli } from '../train/run-helpers.js';

const PAPER7 = ['mit_movie_trivia', 'mit_movie', 'mit_restaurant', 'atis', 'snips', 'mtod', 'mtop'];
const BIO4 = ['ncbi_disease', 'bc5cdr_chem', 'bc5cdr_disease', 'bc2gm'];

test('crossdomain configs: the paper\'s settings, the seven paper tasks plus the four biomedical ones (or the four alone)', async () => {
  const paper = (await loadConfig(join(repoRoot, 'configs/paper/hyperloader.yaml'))).config;
  for (const [file, keys] of [['hyperloader-bio.yaml', [...PAPER7, ...BIO4]], ['bio-only.yaml', BIO4]] as const) {
    const c = (await loadConfig(join(repoRoot, 'configs/crossdomain', file))).config;
    assert.deepEqual(c.data.tasks.map((t, i) => datasetForTask(t, i).key), keys, file);
    // everything but the task list and the run's name is the paper config's
    assert.deepEqual({ ...c, experiment: { ...c.experiment, name: 'x' }, data: { ...c.data, tasks: [] } }, { ...paper, experiment: { ...paper.experiment, name: 'x' }, data: { ...paper.data, tasks: [] } }, file);
    assert.equal(c.model.checkpoint, 't5-base');
    assert.deepEqual([c.training.steps, c.training.batch_size, c.training.lr, c.training.temperature], [65536, 128, 3e-4, 10]);
  }
});

test('examples/own-data.yaml: a complete config that names a corpus registered with data add', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-example-'));
  try {
    const cache = join(dir, 'cache');
    const file = join(dir, 'c.tsv');
    writeFileSync(file, 'Oslo\tB-LOC\nis\tO\n\nAnna\tB-PER\nruns\tO\n\n');
    // the README's command, on a two-sentence corpus
    const add = cli(['data', 'add', 'my_ner', '--train', file, '--test', file, '--cache-dir', cache]);
    assert.equal(add.status, 0, add.stderr);
    const r = cli(['config', '--config', 'configs/examples/own-data.yaml', '--set', `data.cache_dir=${cache}`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.stdout);
    assert.deepEqual(c.data.tasks.map((t: { name: string }) => t.name), ['my_ner']);
    // without the registration the same config is a config error naming data add
    const missing = cli(['config', '--config', 'configs/examples/own-data.yaml', '--set', `data.cache_dir=${join(dir, 'empty')}`]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /unknown data\.tasks\[0\]\.name "my_ner".*hyperloader data add NAME/s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
