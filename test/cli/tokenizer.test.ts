import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.js';
import { repoRoot } from '../helpers/paths.js';
import { cli } from '../train/run-helpers.js';

/** Words of the demo task's train split and tags of all its splits, read straight from seq.in/seq.out. */
function demoCounts(task: string): { words: Map<string, number>; tags: Set<string> } {
  const words = new Map<string, number>();
  const tags = new Set<string>();
  for (const split of ['train', 'dev', 'test']) {
    const dir = join(repoRoot, 'datasets/demo', task, split);
    if (split === 'train') for (const w of readFileSync(join(dir, 'seq.in'), 'utf8').split(/\s+/).filter(Boolean)) words.set(w, (words.get(w) ?? 0) + 1);
    for (const t of readFileSync(join(dir, 'seq.out'), 'utf8').split(/\s+/).filter(Boolean)) tags.add(t === 'O' ? 'O' : t.startsWith('I-') ? 'I' : t.slice(2));
  }
  return { words, tags };
}

test('tokenizer build: writes --out (every tag of every split, train words by min-count), refuses to overwrite, reports coverage', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-tok-'));
  const out = join(dir, 'tok.json');
  const r = cli(['tokenizer', 'build', '--config', 'configs/quickstart.yaml', '--out', out, '--min-count', '3']);
  assert.equal(r.status, 0, r.stderr);
  const tok = await loadTokenizer(out);
  const slots = demoCounts('demo_slots');
  const ner = demoCounts('demo_ner');
  const words = new Map(slots.words);
  for (const [w, c] of ner.words) words.set(w, (words.get(w) ?? 0) + c);
  const tags = new Set([...slots.tags, ...ner.tags]);
  for (const t of tags) assert.notEqual(tok.encode(t, { addEos: false })[0], tok.unkId, `tag ${t}`);
  for (const [w, c] of words) {
    const known = tok.encode(w, { addEos: false })[0] !== tok.unkId;
    assert.equal(known, c >= 3 || tags.has(w), `${w} seen ${c}×`);
  }
  const kept = [...words].filter(([w, c]) => c >= 3 && !tags.has(w)).length;
  assert.equal(tok.vocabSize, 3 + tags.size + kept + 100);
  assert.match(r.stdout, new RegExp(`wrote .*tok\\.json: ${tok.vocabSize} ids \\(${kept} words seen ≥ 3× in train, ${tags.size} tag tokens`));
  assert.match(r.stdout, /demo_slots dev: \d+ of \d+ words unknown \([\d.]+%\); inside entities \d+ of \d+ \([\d.]+%\)/);
  assert.match(r.stdout, new RegExp(`set model\\.random_init\\.vocab_size to ${tok.vocabSize} \\(the config has 532\\)`));

  const again = cli(['tokenizer', 'build', '--config', 'configs/quickstart.yaml', '--out', out]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /exists; pass --force/);
  assert.equal(cli(['tokenizer', 'build', '--config', 'configs/quickstart.yaml', '--out', out, '--force']).status, 0);

  // A config without model.tokenizer needs --out.
  const cfg = join(dir, 'no-tok.yaml');
  writeFileSync(cfg, readFileSync(join(repoRoot, 'configs/quickstart.yaml'), 'utf8').replace(/\n  tokenizer: .*\n/, '\n'));
  const noOut = cli(['tokenizer', 'build', '--config', cfg]);
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /sets no model\.tokenizer: pass --out FILE/);
});
