import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';
import { replaceReference, configReferenceMarkdown } from '../../src/config/reference.js';
import { repoRoot } from '../helpers/paths.js';

/** Every key path of the schema, walked from zod's own shape (not from schema-info, which the reference uses). */
function zodKeyPaths(): string[] {
  const out: string[] = [];
  const unwrap = (s: z.ZodType): z.ZodType => {
    let cur = s as unknown as { def: { type: string; innerType?: z.ZodType } };
    while (['optional', 'default', 'prefault', 'nullable'].includes(cur.def.type)) cur = cur.def.innerType as unknown as typeof cur;
    return cur as unknown as z.ZodType;
  };
  const walk = (s: z.ZodType, prefix: string) => {
    const u = unwrap(s) as unknown as { def: { type: string; element?: z.ZodType }; shape?: Record<string, z.ZodType> };
    if (u.def.type === 'object' && u.shape) {
      for (const [k, child] of Object.entries(u.shape)) {
        const p = prefix ? `${prefix}.${k}` : k;
        out.push(p);
        walk(child, p);
      }
    } else if (u.def.type === 'array' && u.def.element) walk(u.def.element, `${prefix}[]`);
  };
  walk(configSchema, '');
  return out;
}

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

test('README.md documents every config key path (with type, default and description)', () => {
  const paths = zodKeyPaths();
  assert.ok(paths.length > 80, `found ${paths.length} key paths`);
  for (const p of paths.filter((x) => x.includes('.'))) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${p}\` |`));
    assert.ok(row, `README.md has no config reference row for ${p}`);
    const cells = row.split(/(?<!\\)\|/).map((c) => c.trim());
    assert.ok(cells[4].length > 0, `${p} has no description`);
  }
  for (const section of paths.filter((x) => !x.includes('.'))) assert.ok(readme.includes(`### \`${section}\``), `README.md has no heading for ${section}`);
});

test('README.md config reference is current (regenerate: node dist/scripts/gen-config-reference.js)', () => {
  assert.equal(replaceReference(readme), readme);
  assert.ok(configReferenceMarkdown().includes('| `training.lr` | number > 0 | `0.0003` |'));
});

test('README.md gives the fresh-machine commands and the CUDA requirements', () => {
  assert.ok(readme.includes('npm ci && npm test'));
  assert.ok(readme.includes('npm ci && npx hyperloader train --config configs/quickstart.yaml'));
  for (const s of ['CUDA 11.2', 'cuDNN 8.1', 'TFJS_NODE_BASE_URI', 'TFJS_NODE_CDN_STORAGE', 'npm install @tensorflow/tfjs-node-gpu@4.22.0']) {
    assert.ok(readme.includes(s), s);
  }
});
