/**
 * `hyperloader data add` end to end with the built CLI: a corpus in another layout (tag first,
 * space-separated, CRLF, IOB1, a byte-order mark and a -DOCSTART- line) is registered, gets a
 * word-level tokenizer, trains and evaluates for a few steps under `dataset: NAME`; bad input
 * leaves the cache untouched; and an independent real corpus in the token<TAB>tag layout
 * (WNUT-17 from ../shared/datasets, skipped where absent), registered exactly as the README's
 * "Your own data" says, gets its published split sizes and label inventory and trains.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDatasets } from '../helpers/paths.js';
import { cli } from '../train/run-helpers.js';

const PEOPLE = [['Anna', 'Berg'], ['Lars', 'Holm'], ['Mia', 'Dahl'], ['Ola', 'Lund'], ['Eva', 'Moe']];
const PLACES = ['Oslo', 'Bergen', 'Paris', 'Rome', 'Lima', 'Kyiv'];
const ORGS = ['Acme', 'Globex', 'Initech'];

/** A tag-first IOB1 sentence: [tag, word] pairs. */
type Rows = [string, string][];

/** Train sentences: a person visits a place, or two adjacent ORG entities (IOB1's B-). */
function trainSentences(n: number): Rows[] {
  const out: Rows[] = [];
  for (let i = 0; i < n; i++) {
    const [first, last] = PEOPLE[i % PEOPLE.length]!;
    if (i % 3 === 2) out.push([['O', 'deal'], ['O', 'between'], ['I-ORG', ORGS[i % 3]!], ['B-ORG', ORGS[(i + 1) % 3]!], ['O', 'signed']]);
    else out.push([['I-PER', first!], ['I-PER', last!], ['O', 'visited'], ['I-LOC', PLACES[i % PLACES.length]!]]);
  }
  return out;
}

/** Tag first, space-separated, CRLF, with a byte-order mark and a -DOCSTART- line first. */
function tagFirstCrlf(sentences: Rows[]): string {
  return '\ufeff-DOCSTART- O\r\n\r\n' + sentences.map((s) => s.map(([t, w]) => `${t} ${w}\r\n`).join('')).join('\r\n') + '\r\n';
}

const TEST: Rows[] = [
  [['I-PER', 'Eva'], ['I-PER', 'Moe'], ['O', 'visited'], ['I-LOC', 'Rome']],
  [['O', 'deal'], ['O', 'between'], ['I-ORG', 'Globex'], ['B-ORG', 'Acme'], ['O', 'signed']],
  [['I-LOC', 'Lima']],
  [['O', 'visited'], ['I-LOC', 'Paris'], ['I-LOC', 'Rome']],
];
/** The test sentences' tags in IOB2, converted by hand: an I- after O or at the start opens an entity. */
const TEST_IOB2 = [
  ['B-PER', 'I-PER', 'O', 'B-LOC'],
  ['O', 'O', 'B-ORG', 'B-ORG', 'O'],
  ['B-LOC'],
  ['O', 'B-LOC', 'I-LOC'],
];

function config(dir: string, cache: string, task: string, extra = ''): string {
  const file = join(dir, 'cfg.yaml');
  writeFileSync(
    file,
    `experiment: { name: own, seed: 3, runs_dir: ${join(dir, 'runs')}, backend: wasm }
model:
  random_init: { vocab_size: 20000, d_model: 16, d_kv: 4, d_ff: 32, num_layers: 1, num_heads: 4, relative_attention_num_buckets: 8 }
  tokenizer: ${join(dir, 'tok.json')}
  train_backbone: true
peft: { variant: hyperloader, adapter: { reduction_factor: 4 } }
data:
  cache_dir: ${cache}
  tasks: [{ name: ${task} }]
training: { steps: 4, batch_size: 4, lr: 1.0e-3, warmup_steps: 1, checkpoint_every: 4, log_every: 2 }
eval: { splits: [dev], batch_size: 8, max_decode_length: 12 }
${extra}`,
  );
  return file;
}

test('data add: tag-first, space-separated, CRLF, IOB1 corpus → registered, trained and evaluated as `dataset: NAME`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-add-'));
  try {
    const cache = join(dir, 'cache');
    const train = trainSentences(30);
    writeFileSync(join(dir, 'train.txt'), tagFirstCrlf(train));
    writeFileSync(join(dir, 'test.txt'), tagFirstCrlf(TEST));
    const add = cli(['data', 'add', 'corp', '--train', join(dir, 'train.txt'), '--test', join(dir, 'test.txt'), '--cache-dir', cache]);
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /train: .*train\.txt: 30 sentences; tag first, space-separated, 2 columns, CRLF line endings, UTF-8 byte-order mark, 1 -DOCSTART- line\(s\) skipped \(detected\)/);
    assert.match(add.stdout, /scheme: IOB1 \(detected: /);
    assert.match(add.stdout, /dev: no --dev given, so dev is carved from train .* ceil\(n\/10\) = 3 of the 30 train sentences/);
    assert.match(add.stdout, /repaired tags: none/);
    assert.match(add.stdout, /labels \(6\): B-LOC, B-ORG, B-PER, I-LOC, I-PER, O\n/);
    // the stored test split is token<TAB>tag in IOB2, exactly the hand conversion
    const stored = readFileSync(join(cache, 'corp', 'test.tsv'), 'utf8');
    assert.equal(stored, TEST.map((s, i) => s.map(([, w], k) => `${w}\t${TEST_IOB2[i]![k]}\n`).join('') + '\n').join(''));
    const reg = JSON.parse(readFileSync(join(cache, 'hyperloader-datasets.json'), 'utf8'));
    assert.deepEqual(Object.keys(reg.datasets.corp.files), ['train', 'test']);

    const cfg = config(dir, cache, 'corp');
    const tok = cli(['tokenizer', 'build', '--config', cfg, '--min-count', '1']);
    assert.equal(tok.status, 0, tok.stderr);
    const tr = cli(['train', '--config', cfg, '--quiet']);
    assert.equal(tr.status, 0, tr.stderr);
    const runDir = join(dir, 'runs', 'own');
    const dev = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')).splits[0];
    assert.deepEqual([dev.split, dev.tasks[0].task, dev.tasks[0].sentences], ['dev', 'corp', 3]);

    const ev = cli(['eval', '--run', runDir, '--split', 'test', '--quiet']);
    assert.equal(ev.status, 0, ev.stderr);
    const test = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')).splits.find((s: { split: string }) => s.split === 'test');
    assert.equal(test.tasks[0].sentences, 4);
    assert.equal(test.tasks[0].gold, 6); // entities of TEST_IOB2
    const gold = readFileSync(join(runDir, 'predictions', 'corp.test.txt'), 'utf8').trim().split('\n\n').map((b) => b.split('\n').map((l) => l.split(' ')[1]));
    assert.deepEqual(gold, TEST_IOB2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data add: bad input names the file and line, exits 1 and leaves the cache as it was', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-add-bad-'));
  try {
    const cache = join(dir, 'cache');
    writeFileSync(join(dir, 'good.tsv'), 'Oslo\tB-LOC\nis\tO\n\n');
    writeFileSync(join(dir, 'bad.tsv'), 'Oslo\tB-LOC\nis\tO\tX\n\n');
    assert.equal(cli(['data', 'add', 'first', '--train', join(dir, 'good.tsv'), '--test', join(dir, 'good.tsv'), '--cache-dir', cache]).status, 0);
    const before = readFileSync(join(cache, 'hyperloader-datasets.json'), 'utf8');
    const bad = cli(['data', 'add', 'second', '--train', join(dir, 'good.tsv'), '--test', join(dir, 'bad.tsv'), '--cache-dir', cache]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, new RegExp(`${join(dir, 'bad.tsv').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: expected 2 column\\(s\\) like line 1, found 3`));
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
    assert.equal(readFileSync(join(cache, 'hyperloader-datasets.json'), 'utf8'), before);
    assert.deepEqual(readdirSync(cache).sort(), ['first', 'hyperloader-datasets.json']);
    // a registered name needs --force; a built-in name is refused
    const again = cli(['data', 'add', 'first', '--train', join(dir, 'good.tsv'), '--test', join(dir, 'good.tsv'), '--cache-dir', cache]);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already registered .*pass --force/);
    const builtIn = cli(['data', 'add', 'ATIS', '--train', join(dir, 'good.tsv'), '--test', join(dir, 'good.tsv'), '--cache-dir', cache]);
    assert.equal(builtIn.status, 2);
    assert.match(builtIn.stderr, /is the built-in dataset atis; choose another name/);
    const missing = cli(['data', 'add', 'third', '--train', join(dir, 'nope.tsv'), '--test', join(dir, 'good.tsv'), '--cache-dir', cache]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /--train: .*nope\.tsv does not exist/);
    assert.ok(!existsSync(join(cache, 'third')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const shared = sharedDatasets();
test('a held-out token<TAB>tag corpus (WNUT-17) registered as the README says: published sizes, label inventory, trains', { skip: shared.skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-add-wnut-'));
  try {
    const cache = join(dir, 'cache');
    const src = join(shared.dir, 'wnut17');
    // README, "Your own data": hyperloader data add NAME --train F --dev F --test F
    const add = cli(['data', 'add', 'my_wnut', '--train', join(src, 'wnut17train.conll'), '--dev', join(src, 'emerging.dev.conll'), '--test', join(src, 'emerging.test.annotated'), '--cache-dir', cache]);
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /token first, tab-separated, 2 columns, LF line endings \(detected\)/);
    const stats = cli(['data', 'stats', 'my_wnut', '--json', '--cache-dir', cache]);
    assert.equal(stats.status, 0, stats.stderr);
    const d = JSON.parse(stats.stdout).datasets[0];
    const manifest = JSON.parse(readFileSync(join(shared.dir, 'MANIFEST.json'), 'utf8')).datasets.wnut17.files as { file: string; sentences: number; labels: Record<string, number> }[];
    const bySplit = { train: 'wnut17/wnut17train.conll', dev: 'wnut17/emerging.dev.conll', test: 'wnut17/emerging.test.annotated' };
    for (const [split, file] of Object.entries(bySplit)) {
      const mf = manifest.find((f) => f.file === file)!;
      assert.equal(d.splits[split].sentences, mf.sentences, `${split} sentences`);
      assert.deepEqual(d.splits[split].labels, mf.labels, `${split} labels`);
    }
    assert.equal(d.dev_carved, false);
    const cfg = config(dir, cache, 'my_wnut', '');
    assert.equal(cli(['tokenizer', 'build', '--config', cfg, '--min-count', '2']).status, 0);
    const tr = cli(['train', '--config', cfg, '--quiet', '--set', 'training.steps=3', '--set', 'eval.splits=[]']);
    assert.equal(tr.status, 0, tr.stderr);
    assert.equal(JSON.parse(readFileSync(join(dir, 'runs', 'own', 'run.json'), 'utf8')).step, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
