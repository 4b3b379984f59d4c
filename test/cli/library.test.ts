import { test } from 'node:test';
import assert from 'node:assert/strict';

test("the package's library entry exports what the commands use", async () => {
  const lib = await import('hyperloader');
  for (const name of ['loadConfig', 'train', 'evaluateCheckpoint', 'ablate', 'PeftModel', 'T5Model', 'T5Tokenizer', 'generateModules', 'scoreSentences', 'loadTaskSplits', 'TaskSampler', 'parameterTable', 'exportPeftAdapter']) {
    assert.equal(typeof (lib as Record<string, unknown>)[name], 'function', name);
  }
});

test("every name in the README's library table is exported, and the internals it leaves out are not", async () => {
  const { readFileSync } = await import('node:fs');
  const lib = (await import('hyperloader')) as Record<string, unknown>;
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('## Library'), readme.indexOf('## Configs'));
  const names = [...table.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]).filter((n) => !['Config', 'hyperloader'].includes(n));
  assert.ok(names.length > 30, `read ${names.length} names from the README's table`);
  for (const name of names) assert.notEqual(lib[name], undefined, `README lists ${name}`);
  for (const name of ['registerThreadedWasm', 'formatHuman', 'schemaEntries', 'isT5LayerNorm', 'truncateToSentinels']) assert.equal(lib[name], undefined, name);
});
