import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { HyperloaderError } from '../../src/errors.js';
import { downloadFile, DownloadFailure, type DownloadOptions } from '../../src/data/download.js';
import { DownloadLock, LOCK_FILE_NAME } from '../../src/data/download-lock.js';
import { closedPort, startServer, type TestServer, scratch } from './download-server.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Deterministic bytes that are not all alike (so a wrong offset would change the hash). */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const { tmp, track } = scratch('hl-download-');

async function server(routes: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(routes);
  track(s);
  return s;
}

function logCollector() {
  const lines: string[] = [];
  return { lines, log: { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), debug: () => {} } };
}

/** Generous stall timeout by default (a loaded CI machine must not time out a healthy transfer); the timeout tests pass 200 ms. */
async function opts(cache: string, extra: Partial<DownloadOptions> = {}): Promise<DownloadOptions> {
  return { timeoutMs: 3000, retries: 2, backoffMs: 5, lock: await DownloadLock.open(cache), ...extra };
}

/** After a failure: nothing at the final path, and no `.part` holding the complete file. */
async function assertNothingVerifiedLooking(target: string, full?: Uint8Array) {
  assert.equal(existsSync(target), false, `${target} must not exist`);
  if (existsSync(`${target}.part`) && full) {
    const part = await readFile(`${target}.part`);
    assert.ok(part.length < full.length, 'a .part left behind must be visibly incomplete');
  }
}

test('success: streams, verifies sha256 and size, renames; a second run is skipped without a request', async () => {
  const body = bytes(40_000);
  const s = await server({ '/a.bin': { body } });
  const cache = await tmp();
  const file = { path: 'a/a.bin', urls: [s.url('/a.bin')], sha256: sha256(body), size: body.length };
  const r = await downloadFile(file, cache, await opts(cache));
  assert.equal(r.status, 'downloaded');
  assert.equal(r.sha256, sha256(body));
  assert.deepEqual(new Uint8Array(await readFile(join(cache, 'a/a.bin'))), body);
  assert.equal(existsSync(join(cache, 'a/a.bin.part')), false);
  assert.deepEqual(await readdir(join(cache, 'a')), ['a.bin']);

  const again = await downloadFile(file, cache, await opts(cache));
  assert.equal(again.status, 'verified');
  assert.equal(s.gets('/a.bin').length, 1, 'a verified file is not fetched again');
});

test('404 on the official URL, then the working mirror', async () => {
  const body = bytes(5000, 2);
  const s = await server({ '/mirror/b.txt': { body } });
  const cache = await tmp();
  const file = { path: 'b.txt', urls: [s.url('/official/b.txt'), s.url('/mirror/b.txt')], sha256: sha256(body) };
  const r = await downloadFile(file, cache, await opts(cache));
  assert.equal(r.status, 'downloaded');
  assert.equal(r.source, s.url('/mirror/b.txt'));
  assert.equal(s.gets('/official/b.txt').length, 1, 'a 404 is not retried');
  assert.equal(sha256(await readFile(join(cache, 'b.txt'))), sha256(body));
});

test('every URL fails: the error lists each URL with its reason and the exact target path', async () => {
  const s = await server({ '/gone': { status: 410 }, '/broken': { status: 503 } });
  const port = await closedPort();
  const cache = await tmp();
  const refused = `http://127.0.0.1:${port}/c.txt`;
  const file = { path: 'sub/c.txt', urls: [s.url('/gone'), s.url('/broken'), refused], sha256: 'a'.repeat(64) };
  const err = await downloadFile(file, cache, await opts(cache, { retries: 1 })).then(
    () => assert.fail('should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DownloadFailure && err instanceof HyperloaderError);
  const target = join(cache, 'sub', 'c.txt');
  assert.equal(err.target, target);
  assert.match(err.message, new RegExp(`target: ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.match(err.message, /\/gone — HTTP 410/);
  assert.match(err.message, /\/broken — HTTP 503 .*\(2 tries\)/);
  assert.match(err.message, new RegExp(`${port}/c.txt — network error: .*ECONNREFUSED`));
  assert.equal(s.gets('/broken').length, 2, '503 is retried (retries: 1)');
  await assertNothingVerifiedLooking(target);
});

test('an unreachable host is not tried again for the next file of the same run', async () => {
  const port = await closedPort();
  const cache = await tmp();
  const unreachable = new Map<string, string>();
  const o = await opts(cache, { retries: 0, unreachable });
  await assert.rejects(downloadFile({ path: 'x1', urls: [`http://127.0.0.1:${port}/x1`] }, cache, o));
  const e = await downloadFile({ path: 'x2', urls: [`http://127.0.0.1:${port}/x2`] }, cache, o).catch((err: Error) => err);
  assert.match((e as Error).message, /skipped: 127\.0\.0\.1:\d+ was unreachable earlier in this run/);
});

test('checksum mismatch: nothing at the final path, the partial deleted, expected vs actual hash with the URL', async () => {
  const good = bytes(3000, 3);
  const bad = bytes(3000, 4);
  const s = await server({ '/d.bin': { body: bad } });
  const cache = await tmp();
  const file = { path: 'd.bin', urls: [s.url('/d.bin')], sha256: sha256(good), size: good.length };
  const err = (await downloadFile(file, cache, await opts(cache)).catch((e: unknown) => e)) as DownloadFailure;
  assert.ok(err instanceof DownloadFailure);
  assert.ok(err.message.includes(`expected ${sha256(good)}, got ${sha256(bad)}`), err.message);
  assert.ok(err.message.includes(s.url('/d.bin')));
  assert.equal(s.gets('/d.bin').length, 1, 'a fresh download that fails its checksum is not retried from the same URL');
  assert.equal(existsSync(join(cache, 'd.bin')), false);
  assert.equal(existsSync(join(cache, 'd.bin.part')), false);
});

test('a body larger than the registry size is cut off and deleted', async () => {
  const body = bytes(4000, 5);
  const s = await server({ '/e.bin': { body, headers: {} } });
  const cache = await tmp();
  // The server announces 4000 bytes; the registry expects 1000.
  const file = { path: 'e.bin', urls: [s.url('/e.bin')], sha256: sha256(body.subarray(0, 1000)), size: 1000 };
  const err = (await downloadFile(file, cache, await opts(cache)).catch((e: unknown) => e)) as Error;
  assert.match(err.message, /announces 4000 bytes but 1000 are expected/);
  await assertNothingVerifiedLooking(join(cache, 'e.bin'));
  assert.equal(existsSync(join(cache, 'e.bin.part')), false);
});

test('connection dropped mid-file, then resumed with Range from the byte it stopped at', async () => {
  const body = bytes(64_000, 6);
  const s = await server({ '/f.bin': { body, drop: { bytes: 20_000, times: 1 } } });
  const cache = await tmp();
  const { lines, log } = logCollector();
  const file = { path: 'f.bin', urls: [s.url('/f.bin')], sha256: sha256(body), size: body.length };
  const r = await downloadFile(file, cache, await opts(cache, { log }));
  assert.equal(r.status, 'downloaded');
  const gets = s.gets('/f.bin');
  assert.equal(gets.length, 2);
  assert.equal(gets[0].range, undefined);
  assert.equal(gets[1].range, 'bytes=20000-');
  assert.equal(sha256(await readFile(join(cache, 'f.bin'))), sha256(body));
  assert.ok(lines.some((l) => /resumed at byte 20000/.test(l)), lines.join('\n'));
});

test('a .part left by an earlier run is resumed; a server ignoring Range restarts from zero', async () => {
  const body = bytes(30_000, 7);
  const s = await server({ '/g.bin': { body }, '/h.bin': { body, range: false } });
  const cache = await tmp();
  await writeFile(join(cache, 'g.bin.part'), body.subarray(0, 12_345));
  await writeFile(join(cache, 'h.bin.part'), body.subarray(0, 12_345));
  const o = await opts(cache);
  await downloadFile({ path: 'g.bin', urls: [s.url('/g.bin')], sha256: sha256(body) }, cache, o);
  await downloadFile({ path: 'h.bin', urls: [s.url('/h.bin')], sha256: sha256(body) }, cache, o);
  assert.equal(s.gets('/g.bin')[0].range, 'bytes=12345-');
  assert.equal(s.gets('/h.bin').length, 1);
  assert.equal(sha256(await readFile(join(cache, 'g.bin'))), sha256(body));
  assert.equal(sha256(await readFile(join(cache, 'h.bin'))), sha256(body), '200 to a Range request overwrites the .part');
});

test('a complete .part (HTTP 416 on resume) is verified without downloading again', async () => {
  const body = bytes(2000, 8);
  const s = await server({ '/i.bin': { body } });
  const cache = await tmp();
  await writeFile(join(cache, 'i.bin.part'), body);
  const r = await downloadFile({ path: 'i.bin', urls: [s.url('/i.bin')], sha256: sha256(body) }, cache, await opts(cache));
  assert.equal(r.status, 'downloaded');
  assert.equal(s.gets('/i.bin')[0].range, 'bytes=2000-');
  assert.equal(sha256(await readFile(join(cache, 'i.bin'))), sha256(body));
});

test('a resumed file that fails its checksum (a bad old prefix) is fetched once more from scratch', async () => {
  const body = bytes(10_000, 9);
  const s = await server({ '/j.bin': { body } });
  const cache = await tmp();
  await writeFile(join(cache, 'j.bin.part'), bytes(4000, 99)); // not the file's first 4000 bytes
  const r = await downloadFile({ path: 'j.bin', urls: [s.url('/j.bin')], sha256: sha256(body) }, cache, await opts(cache));
  assert.equal(r.status, 'downloaded');
  assert.deepEqual(
    s.gets('/j.bin').map((g) => g.range),
    ['bytes=4000-', undefined],
  );
});

test('timeout: a stalled server is retried with backoff, then the download fails cleanly', async () => {
  const body = bytes(5000, 10);
  const s = await server({ '/k.bin': { body, stall: { times: 99 } } });
  const cache = await tmp();
  const t0 = Date.now();
  const err = (await downloadFile({ path: 'k.bin', urls: [s.url('/k.bin')], sha256: sha256(body) }, cache, await opts(cache, { retries: 2, timeoutMs: 200 })).catch(
    (e: unknown) => e,
  )) as Error;
  const elapsed = Date.now() - t0;
  assert.ok(err instanceof DownloadFailure);
  assert.match(err.message, /timed out: no data for 200 ms \(3 tries\)/);
  assert.equal(s.gets('/k.bin').length, 3);
  assert.ok(elapsed >= 3 * 200 && elapsed < 5000, `took ${elapsed} ms`);
  await assertNothingVerifiedLooking(join(cache, 'k.bin'), body);
});

test('a stall in the middle of the body times out, then the retry resumes and succeeds', async () => {
  const body = bytes(50_000, 11);
  const s = await server({ '/l.bin': { body, stall: { times: 1, afterBytes: 10_000 } } });
  const cache = await tmp();
  const r = await downloadFile({ path: 'l.bin', urls: [s.url('/l.bin')], sha256: sha256(body) }, cache, await opts(cache, { timeoutMs: 200 }));
  assert.equal(r.status, 'downloaded');
  assert.equal(s.gets('/l.bin')[1].range, 'bytes=10000-');
  assert.equal(sha256(await readFile(join(cache, 'l.bin'))), sha256(body));
});

test('zip archive: the listed members are extracted to their paths and verified; a rerun needs no request', async () => {
  const train = new TextEncoder().encode('O\tshow\nO\tme\n\n');
  const test2 = new TextEncoder().encode('B-x\ty\n\n');
  const zip = zipSync({ 'mtop/en/train.txt': train, 'mtop/en/test.txt': test2, 'mtop/README': new Uint8Array([1]) });
  const s = await server({ '/m.zip': { body: zip } });
  const cache = await tmp();
  const file = {
    path: 'm.zip',
    urls: [s.url('/m.zip')],
    sha256: sha256(zip),
    extract: [
      { member: 'mtop/en/train.txt', path: 'en/train.txt', sha256: sha256(train) },
      { member: 'mtop/en/test.txt', path: 'en/test.txt' },
    ],
  };
  const r = await downloadFile(file, cache, await opts(cache));
  assert.deepEqual(
    r.extracted.map((x) => [x.member, x.status]),
    [
      ['mtop/en/train.txt', 'extracted'],
      ['mtop/en/test.txt', 'extracted'],
    ],
  );
  assert.deepEqual(await readFile(join(cache, 'en/train.txt')), Buffer.from(train));
  assert.deepEqual(await readFile(join(cache, 'en/test.txt')), Buffer.from(test2));
  assert.equal(existsSync(join(cache, 'mtop')), false, 'unlisted members are not extracted');
  const lock = JSON.parse(await readFile(join(cache, LOCK_FILE_NAME), 'utf8'));
  assert.equal(lock.files['en/test.txt'].sha256, sha256(test2), 'a member without sha256 is recorded');

  await rm(join(cache, 'm.zip'));
  const again = await downloadFile(file, cache, await opts(cache));
  assert.equal(again.status, 'verified');
  assert.equal(s.gets('/m.zip').length, 1, 'members already verified: the archive is not needed');
});

test('zip: members placed by hand (no archive, no checksums) are accepted and recorded; the failure message lists them', async () => {
  const s = await server({});
  const cache = await tmp();
  const file = {
    path: 'mtop.zip',
    urls: [s.url('/mtop.zip')],
    extract: [
      { member: 'mtop/en/train.txt', path: 'en/train.txt' },
      { member: 'mtop/en/test.txt', path: 'en/test.txt' },
    ],
  };
  const err = (await downloadFile(file, cache, await opts(cache, { retries: 0 })).catch((e: unknown) => e)) as Error;
  assert.ok(err.message.includes(`mtop/en/test.txt → ${join(cache, 'en/test.txt')}`), err.message);

  await mkdir(join(cache, 'en'), { recursive: true });
  await writeFile(join(cache, 'en/train.txt'), 'a\n');
  await writeFile(join(cache, 'en/test.txt'), 'b\n');
  const before = s.requests.length;
  const r = await downloadFile(file, cache, await opts(cache));
  assert.equal(r.status, 'verified');
  assert.equal(s.requests.length, before, 'no request: the members are there');
  const lock = JSON.parse(await readFile(join(cache, LOCK_FILE_NAME), 'utf8'));
  assert.equal(lock.files['en/train.txt'].sha256, sha256(new TextEncoder().encode('a\n')));
});

test('zip: a member missing from the archive is an error naming it, and nothing is written', async () => {
  const zip = zipSync({ 'a.txt': new Uint8Array([1, 2]) });
  const s = await server({ '/n.zip': { body: zip } });
  const cache = await tmp();
  const file = { path: 'n.zip', urls: [s.url('/n.zip')], sha256: sha256(zip), extract: [{ member: 'b.txt', path: 'b.txt' }] };
  await assert.rejects(downloadFile(file, cache, await opts(cache)), /has no member "b\.txt".*holds: a\.txt/);
  assert.equal(existsSync(join(cache, 'b.txt')), false);
});

test('no published sha256: recorded in the lock file on first download, a changed file is refused later', async () => {
  const v1 = bytes(8000, 12);
  const v2 = bytes(8000, 13);
  const s = await server({ '/train-en.tsv': { body: v1 } });
  const cache = await tmp();
  const file = { path: 'mtod/train-en.tsv', urls: [s.url('/train-en.tsv')] };
  const { lines, log } = logCollector();
  const r = await downloadFile(file, cache, await opts(cache, { log }));
  assert.equal(r.recorded, true);
  assert.ok(lines.some((l) => l.includes(`recorded sha256 ${sha256(v1)}`) && l.includes('will verify against it')), lines.join('\n'));
  const lock = JSON.parse(await readFile(join(cache, LOCK_FILE_NAME), 'utf8'));
  assert.equal(lock.files['mtod/train-en.tsv'].sha256, sha256(v1));
  assert.equal(lock.files['mtod/train-en.tsv'].recorded.from, s.url('/train-en.tsv'));

  // Later run: the upstream file changed and the cached copy is gone.
  await rm(join(cache, 'mtod/train-en.tsv'));
  s.routes.set('/train-en.tsv', { body: v2 });
  const err = (await downloadFile(file, cache, await opts(cache)).catch((e: unknown) => e)) as Error;
  assert.ok(err instanceof DownloadFailure);
  assert.ok(err.message.includes(`expected ${sha256(v1)}, got ${sha256(v2)}`), err.message);
  assert.match(err.message, /recorded on .* because no checksum is published/);
  await assertNothingVerifiedLooking(join(cache, 'mtod/train-en.tsv'));
  assert.equal(existsSync(join(cache, 'mtod/train-en.tsv.part')), false);
});

test('a cached file changed on disk is detected (size+mtime no longer match), set aside and fetched again', async () => {
  const body = bytes(6000, 14);
  const s = await server({ '/o.bin': { body } });
  const cache = await tmp();
  const file = { path: 'o.bin', urls: [s.url('/o.bin')], sha256: sha256(body) };
  await downloadFile(file, cache, await opts(cache));
  await writeFile(join(cache, 'o.bin'), bytes(6000, 15)); // same size, other bytes
  await utimes(join(cache, 'o.bin'), new Date(), new Date(Date.now() + 5000));
  const { lines, log } = logCollector();
  const r = await downloadFile(file, cache, await opts(cache, { log }));
  assert.equal(r.status, 'downloaded');
  assert.equal(sha256(await readFile(join(cache, 'o.bin'))), sha256(body));
  assert.ok(existsSync(join(cache, 'o.bin.rejected')));
  assert.ok(lines.some((l) => l.startsWith('warn') && l.includes('failed verification')));
});

test('a file placed by hand at the target path is accepted when it verifies (no request made)', async () => {
  const body = bytes(1000, 16);
  const s = await server({});
  const cache = await tmp();
  await writeFile(join(cache, 'p.bin'), body);
  const r = await downloadFile({ path: 'p.bin', urls: [s.url('/p.bin')], sha256: sha256(body) }, cache, await opts(cache));
  assert.equal(r.status, 'verified');
  assert.equal(s.requests.length, 0);
});

test('no sha256 but a git blob sha1: checked against `git hash-object` on first download', async (t) => {
  const body = bytes(1234, 17);
  const probe = await tmp();
  await writeFile(join(probe, 'x'), body);
  const git = spawnSync('git', ['hash-object', join(probe, 'x')], { encoding: 'utf8' });
  if (git.status !== 0) return t.skip('git not available');
  const blob = git.stdout.trim();
  const s = await server({ '/q.bin': { body } });
  const cache = await tmp();
  const ok = await downloadFile({ path: 'q.bin', urls: [s.url('/q.bin')], git_blob_sha1: blob } as never, cache, await opts(cache));
  assert.equal(ok.status, 'downloaded');
  const bad = await downloadFile({ path: 'q2.bin', urls: [s.url('/q.bin')], git_blob_sha1: '0'.repeat(40) } as never, cache, await opts(cache)).catch((e: Error) => e);
  assert.match((bad as Error).message, new RegExp(`git blob sha1 mismatch: expected 0{40}, got ${blob}`));
  assert.equal(existsSync(join(cache, 'q2.bin')), false);
});

test('a registry path that climbs out of the cache folder is refused', async () => {
  const cache = await tmp();
  await assert.rejects(downloadFile({ path: '../evil', urls: ['http://127.0.0.1:9/x'] }, cache, await opts(cache)), /outside/);
});

test('a corrupt lock file is an error naming the file and the fix', async () => {
  const cache = await tmp();
  await writeFile(join(cache, LOCK_FILE_NAME), '{ not json');
  await assert.rejects(DownloadLock.open(cache), (e: Error) => e instanceof HyperloaderError && e.message.includes(LOCK_FILE_NAME) && /delete/.test(e.message));
});
