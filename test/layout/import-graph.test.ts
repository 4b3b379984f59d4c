/**
 * The layout shows the data flow (ARCHITECTURE.md): each folder of src/ imports only from folders
 * above it, never back up:
 *   errors, runtime  (utilities every layer may use)
 *   config → data → tokenizer → model → peft → eval → train → report → cli
 * (data, tokenizer and model sit side by side, each using only those to its left; train runs the
 * evaluation, so eval comes before it; report reads what train and eval wrote.) src/index.ts, the library entry, may import anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

const ORDER = ['errors', 'runtime', 'config', 'data', 'tokenizer', 'model', 'peft', 'eval', 'train', 'report', 'cli'];
const src = join(repoRoot, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The layer of a file under src/: its top folder, or `errors` for src/errors.ts. */
function layerOf(file: string): string {
  const rel = relative(src, file);
  const top = rel.split(/[\\/]/)[0]!;
  return top === 'errors.ts' ? 'errors' : top;
}

test('src/ imports run one way: no folder imports from a folder after it in the flow', () => {
  const wrong: string[] = [];
  let edges = 0;
  for (const file of files(src)) {
    if (relative(src, file) === 'index.ts') continue;
    const from = layerOf(file);
    assert.ok(ORDER.includes(from), `${relative(repoRoot, file)}: folder ${from} is not in the layer order; add it to this test and ARCHITECTURE.md`);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts');
      const to = layerOf(target);
      if (to === from) continue;
      edges++;
      if (ORDER.indexOf(to) > ORDER.indexOf(from)) wrong.push(`${relative(repoRoot, file)} (${from}) imports ${relative(repoRoot, target)} (${to})`);
    }
  }
  assert.ok(edges > 50, `only ${edges} cross-folder imports found: is the pattern still right?`);
  assert.deepEqual(wrong, []);
});
