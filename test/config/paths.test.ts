import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveConfigObject } from '../../src/config/load.js';
import { resolveCacheDir, resolveConfigPath, resolveRunDir } from '../../src/config/paths.js';
import { defaultCacheDir, hyperloaderHome } from '../../src/runtime/paths.js';

const config = resolveConfigObject({ model: { random_init: {} }, data: { tasks: [{ name: 'a' }] } }, { name: 'demo' });

function withHome<T>(home: string | undefined, fn: () => T): T {
  const before = process.env.HYPERLOADER_HOME;
  if (home === undefined) delete process.env.HYPERLOADER_HOME;
  else process.env.HYPERLOADER_HOME = home;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.HYPERLOADER_HOME;
    else process.env.HYPERLOADER_HOME = before;
  }
}

test('relative config paths resolve against the working directory; absolute ones stay', () => {
  assert.equal(resolveConfigPath(config, 'datasets/demo/train.txt'), join(process.cwd(), 'datasets/demo/train.txt'));
  assert.equal(resolveConfigPath(config, '/abs/x'), '/abs/x');
  assert.equal(resolveRunDir(config), join(process.cwd(), 'runs', 'demo'));
});

test('the cache: HYPERLOADER_HOME when set, else the working directory', () => {
  withHome(undefined, () => {
    assert.equal(hyperloaderHome(), process.cwd());
    assert.equal(defaultCacheDir(), join(process.cwd(), 'datasets'));
    assert.equal(resolveCacheDir(config), join(process.cwd(), 'datasets'));
  });
  withHome('/srv/hl', () => {
    assert.equal(defaultCacheDir(), '/srv/hl/datasets');
    assert.equal(resolveCacheDir(config), '/srv/hl/datasets');
    assert.equal(resolveConfigPath(config, 'x.txt'), join(process.cwd(), 'x.txt'), 'other paths stay cwd-relative');
  });
});
