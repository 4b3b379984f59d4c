/**
 * `hyperloader import` then `eval`, `predict` and `export` on the imported run, end to end through
 * the CLI, on the authors' tiny fixture (reduction factor 8, so reshapes and transposes show):
 * the exported PEFT adapter must hold the authors' own generated LoRA A/B (generated.json, their
 * [r, d] and [d, r] layouts), and the adapters and layer norms theirs too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath, fixturesDir, repoRoot } from '../helpers/paths.js';
import { readSafetensors } from '../../src/model/safetensors.js';
import { buildWordLevelTokenizer } from '../../src/tokenizer/word-level.js';

const fixture = join(fixturesDir, 'hyperloader-tiny-rf8');
const authors = join(fixture, 'model.safetensors');

const cli = (args: string[]) => spawnSync(process.execPath, [binPath, ...args], { encoding: 'utf8', cwd: repoRoot });

const SENTENCES = [
  ['show me flights from boston to denver', 'O O O O B-fromloc O B-toloc'],
  ['list fares to atlanta', 'O O O B-toloc'],
  ['flights from denver to new york', 'O O B-fromloc O B-toloc I-toloc'],
];

/** Tiny seqio datasets for the given tasks, a word-level tokenizer inside the fixture's 128 ids, and the config. */
function setup(tasks: string[]): { configFile: string; runs: string } {
  const fx = JSON.parse(readFileSync(join(fixture, 'config.json'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'hl-import-cli-'));
  for (const task of tasks) {
    for (const split of ['train', 'dev', 'test']) {
      mkdirSync(join(dir, task, split), { recursive: true });
      writeFileSync(join(dir, task, split, 'seq.in'), SENTENCES.map((s) => s[0]).join('\n') + '\n');
      writeFileSync(join(dir, task, split, 'seq.out'), SENTENCES.map((s) => s[1]).join('\n') + '\n');
    }
  }
  const tags = SENTENCES.map(([, t]) => t.split(' ').map((x) => (x === 'O' ? 'O' : x.startsWith('I-') ? 'I' : x.slice(2))));
  const tok = buildWordLevelTokenizer([...SENTENCES.map(([w]) => w.split(' ')), ...tags]);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.toJson()));
  const runs = join(dir, 'runs');
  const configFile = join(dir, 'authors.yaml');
  writeFileSync(
    configFile,
    `experiment: { seed: 1, runs_dir: ${runs}, backend: cpu }
model:
  random_init: { vocab_size: ${fx.vocab_size}, d_model: ${fx.d_model}, d_kv: ${fx.d_kv}, d_ff: ${fx.d_ff}, num_layers: ${fx.num_layers}, num_heads: ${fx.num_heads}, relative_attention_num_buckets: ${fx.relative_attention_num_buckets}, dropout_rate: 0.0 }
  tokenizer: ${join(dir, 'tokenizer.json')}
peft:
  variant: hyperloader
  adapter: { reduction_factor: ${fx.hyperloader.reduction_factor} }
data:
  tasks:
${tasks.map((t) => `    - { name: ${t}, custom: { format: seqio, train: ${join(dir, t, 'train')}, dev: ${join(dir, t, 'dev')}, test: ${join(dir, t, 'test')} } }`).join('\n')}
eval: { batch_size: 8, max_decode_length: 12 }
`,
  );
  return { configFile, runs };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

test('import → eval, predict and export on the run; export holds the authors\' generated A/B for the task', async () => {
  const { configFile, runs } = setup(['task_a', 'task_b', 'task_c']);
  const imp = cli(['import', '--authors', authors, '--config', configFile, '--name', 'authors', '--quiet']);
  assert.equal(imp.status, 0, imp.stderr);
  const runDir = join(runs, 'authors');
  assert.match(imp.stdout, new RegExp(`imported .* into ${runDir}`));
  assert.match(imp.stdout, /next: hyperloader eval --run/);

  const ev = cli(['eval', '--run', runDir, '--quiet']);
  assert.equal(ev.status, 0, ev.stderr);
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
  assert.deepEqual(results.splits.map((s: any) => s.split), ['dev', 'test']);
  assert.deepEqual(results.splits[0].tasks.map((t: any) => t.task), ['task_a', 'task_b', 'task_c']);

  const pr = cli(['predict', '--run', runDir, '--task', 'task_c', 'flights', 'from', 'boston']);
  assert.equal(pr.status, 0, pr.stderr);
  assert.deepEqual(pr.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['flights', 'from', 'boston']);

  const ex = cli(['export', '--run', runDir, '--task', 'task_b']);
  assert.equal(ex.status, 0, ex.stderr);
  const out = join(runDir, 'export', 'task_b');
  assert.match(ex.stdout, /adapter_model\.safetensors/);
  const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
  assert.equal(cfg.peft_type, 'LORA');
  assert.equal(cfg.r, 8);
  assert.equal(cfg.lora_alpha, 8);
  assert.deepEqual(cfg.target_modules, ['q', 'v']);
  assert.equal(cfg.base_model_name_or_path, join(runDir, 'backbone'));

  // Every LoRA A/B of task_b against the authors' own generator outputs.
  const ref = JSON.parse(readFileSync(join(fixture, 'generated.json'), 'utf8')).per_task.find((t: any) => t.task === 'task_b').stacks;
  const lora = await readSafetensors(join(out, 'adapter_model.safetensors'));
  const where = { lora_self_q: 'layer.0.SelfAttention.q', lora_self_v: 'layer.0.SelfAttention.v', lora_cross_q: 'layer.1.EncDecAttention.q', lora_cross_v: 'layer.1.EncDecAttention.v' } as const;
  let compared = 0;
  for (const stack of ['encoder', 'decoder'] as const) {
    ref[stack].forEach((layer: any, i: number) => {
      for (const [pos, sub] of Object.entries(where)) {
        if (stack === 'encoder' && pos.startsWith('lora_cross')) continue;
        for (const which of ['A', 'B'] as const) {
          const t = lora.get(`base_model.model.${stack}.block.${i}.${sub}.lora_${which}.weight`);
          assert.ok(t, `${stack} ${i} ${pos} ${which} missing`);
          assert.deepEqual(t.shape, layer[pos][which].shape, `${stack} ${i} ${pos} ${which} shape`);
          const d = maxAbsDiff(t.data, layer[pos][which].data);
          assert.ok(d < 1e-5, `${stack} ${i} ${pos} ${which}: max |Δ| ${d}`);
          compared++;
        }
      }
    });
  }
  assert.equal(compared, lora.size);

  // The adapters (authors' layouts) and the trained T5 layer norms (the file's own values).
  const plain = await readSafetensors(join(out, 'adapters.safetensors'));
  const down = plain.get('decoder.block.1.ffn_adapter.down.weight')!;
  assert.deepEqual(down.shape, ref.decoder[1].ff_adapter.W_down.shape);
  assert.ok(maxAbsDiff(down.data, ref.decoder[1].ff_adapter.W_down.data) < 1e-5);
  assert.ok(maxAbsDiff(plain.get('encoder.block.0.self_attn_adapter.up.weight')!.data, ref.encoder[0].self_attn_adapter.W_up.data) < 1e-5);
  const file = await readSafetensors(authors, { names: ['decoder.block.0.layer.1.layer_norm.weight', 'encoder.final_layer_norm.weight'] });
  for (const [n, t] of file) assert.deepEqual([...plain.get(n)!.data], [...t.data], n);

  // --out and --checkpoint.
  const elsewhere = join(mkdtempSync(join(tmpdir(), 'hl-export-')), 'a');
  const ex2 = cli(['export', '--run', runDir, '--task', 'task_a', '--out', elsewhere, '--checkpoint', 'last', '--format', 'peft']);
  assert.equal(ex2.status, 0, ex2.stderr);
  assert.ok(existsSync(join(elsewhere, 'adapter_model.safetensors')));

  // Errors: exit 2, a message naming the fix, no stack trace.
  const fails = (args: string[], pattern: RegExp) => {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  };
  fails(['export', '--run', runDir, '--task', 'task_x'], /--task task_x: not a task of .*task_a, task_b, task_c/);
  fails(['export', '--run', runDir, '--task', 'task_a', '--format', 'onnx'], /--format onnx.*"peft"/);
  fails(['export', '--run', runDir, '--task', 'task_a', '--checkpoint', 'best'], /no "best" checkpoint; it has "last"/);
  fails(['export', '--run', join(runs, 'nope'), '--task', 'task_a'], /not a run directory/);
  fails(['import', '--authors', authors, '--config', configFile, '--name', 'authors'], /already exists/);
  // An imported run has no optimizer moments: training cannot continue it, and trying leaves it as it was.
  const resume = cli(['train', '--config', join(runDir, 'config.yaml'), '--resume', '--quiet']);
  assert.equal(resume.status, 2);
  assert.match(resume.stderr, /was imported from the authors' checkpoint.*cannot be trained further/s);
  assert.equal(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status, 'imported');
});

test('import through the CLI: a config whose tasks the file lacks is refused, naming both', () => {
  const { configFile, runs } = setup(['task_a', 'slots']);
  const r = cli(['import', '--authors', authors, '--config', configFile]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /data\.tasks names "slots".*task_a, task_b, task_c/s);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.ok(!existsSync(join(runs, 'authors')));
});
