import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HyperloaderError } from '../../src/errors.js';
import { assertWritableDir, fileSystemError } from '../../src/runtime/fs.js';

test('file-system errors a user can fix become one line naming the path; others are left alone', async () => {
  const e = Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS', path: '/mnt/ro/runs/x/results.json' });
  const mapped = fileSystemError(e, '/mnt/ro/runs/x/results.json', 'write');
  assert.ok(mapped instanceof HyperloaderError && mapped.exitCode === 1);
  assert.equal(mapped.message, 'cannot write /mnt/ro/runs/x/results.json: read-only file system (EROFS). Choose a writable location or free space, then run this again.');
  assert.equal(fileSystemError(Object.assign(new Error('x'), { code: 'EBADF' }), '/p', 'write'), undefined);
  assert.equal(fileSystemError(new Error('plain'), '/p', 'write'), undefined);
  // /sys takes no new folders (EPERM as root, EACCES otherwise): a user error naming it, before any work.
  await assert.rejects(assertWritableDir('/sys/hl-probe/runs', 'create runs in'), (err: unknown) => err instanceof HyperloaderError && /^cannot create runs in \/sys\/hl-probe\/runs: /.test(err.message));
  const dir = mkdtempSync(join(tmpdir(), 'hl-w-'));
  await assertWritableDir(join(dir, 'a', 'b'));
  assert.deepEqual(readdirSync(join(dir, 'a', 'b')), [], 'the probe file is removed');
});
