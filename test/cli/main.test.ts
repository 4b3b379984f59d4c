import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { binPath } from '../helpers/paths.js';
import { run } from '../../src/cli/main.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [binPath, ...args], { encoding: 'utf8' });

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

test('config and doctor help show examples', () => {
  for (const c of ['config', 'doctor']) {
    const r = cli(c, '--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Examples:\n {2}hyperloader /, c);
  }
});

async function captureStderr(fn: () => Promise<number>): Promise<{ code: number; err: string }> {
  const writes: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  (process.stderr as { write: unknown }).write = (s: string) => (writes.push(String(s)), true);
  try {
    return { code: await fn(), err: writes.join('') };
  } finally {
    (process.stderr as { write: unknown }).write = orig;
  }
}

test('a bug (not a HyperloaderError) exits 70 and keeps its stack; a user error exits with its code, no stack', async () => {
  const buggy = { command: 'boom', describe: 'throws a TypeError', handler: () => { throw new TypeError('undefined is not a function'); } };
  const bug = await captureStderr(() => run(['boom'], [buggy]));
  assert.equal(bug.code, 70);
  assert.match(bug.err, /internal error \(a bug; please report it\)\nTypeError: undefined is not a function\n\s+at /);
  const user = await captureStderr(() => run(['config', '--config', '/']));
  assert.equal(user.code, 2);
  assert.match(user.err, /^hyperloader: config \/: is a directory/);
  assert.doesNotMatch(user.err, /\n\s+at /);
});
