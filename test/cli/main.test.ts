import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/hyperloader.js', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('--help lists every command', () => {
  const r = cli('--help');
  assert.equal(r.status, 0);
  for (const c of ['train', 'eval', 'ablate', 'download', 'data', 'predict', 'params', 'score', 'config', 'doctor']) {
    assert.match(r.stdout, new RegExp(`hyperloader ${c}\\b`), c);
  }
});

test('an unknown command is a usage error (exit 2) without a stack trace', () => {
  const r = cli('bogus');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Unknown argument: bogus/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
