import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DownloadLock, LOCK_FILE_NAME } from '../../src/data/download-lock.js';
import { runJobs, summarize } from '../../src/data/download-batch.js';
import { hubEndpoint, hubFileMeta, hubFileUrl, modelCacheDir, modelJobs, sha256FromEtag, validateModelId } from '../../src/data/hub.js';
import { startServer, type Route, scratch } from './download-server.js';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const { tmp, track } = scratch('hl-hub-');

const CONFIG = '{"model_type": "t5", "d_model": 8}\n';
const WEIGHTS = new Uint8Array(3000).map((_, i) => (i * 31) & 0xff);
const TOKENIZER = '{"version": "1.0"}\n';

/**
 * The hub's layout as huggingface.co answers it: LFS files redirect (302) to a CDN with the
 * sha256 in X-Linked-Etag; a renamed repo answers with a relative redirect; regular files carry
 * their git blob id as ETag (not a sha256); a missing file is a 404.
 */
function hubRoutes(revision = 'main', weights = WEIGHTS): Record<string, Route> {
  return {
    [`/t5-tiny/resolve/${revision}/config.json`]: { body: new TextEncoder().encode(CONFIG), headers: { etag: '"0123456789abcdef0123456789abcdef01234567"' } },
    [`/t5-tiny/resolve/${revision}/model.safetensors`]: {
      status: 302,
      headers: { location: `/cdn/${revision}/model.safetensors` },
      head: {
        status: 302,
        headers: { location: 'http://cdn.invalid/x', 'x-linked-etag': `"${sha256(WEIGHTS)}"`, 'x-linked-size': String(WEIGHTS.length) },
      },
    },
    [`/cdn/${revision}/model.safetensors`]: { body: weights, headers: { etag: '"s3-etag-not-a-sha"' } },
    [`/t5-tiny/resolve/${revision}/tokenizer.json`]: {
      status: 307,
      headers: { location: `/google/t5-tiny/resolve/${revision}/tokenizer.json` },
      head: { status: 307, headers: { location: `/google/t5-tiny/resolve/${revision}/tokenizer.json` } },
    },
    [`/google/t5-tiny/resolve/${revision}/tokenizer.json`]: { body: new TextEncoder().encode(TOKENIZER), headers: { etag: `"${sha256(TOKENIZER)}"` } },
  };
}

test('hub URLs, ids and ETags', () => {
  assert.equal(hubFileUrl('t5-base', 'main', 'config.json', 'https://huggingface.co'), 'https://huggingface.co/t5-base/resolve/main/config.json');
  assert.equal(hubFileUrl('google-t5/t5-base', 'refs/pr/1', 'model.safetensors', 'http://h'), 'http://h/google-t5/t5-base/resolve/refs%2Fpr%2F1/model.safetensors');
  assert.equal(hubEndpoint({ HF_ENDPOINT: 'http://127.0.0.1:1234/' }), 'http://127.0.0.1:1234');
  assert.equal(hubEndpoint({}), 'https://huggingface.co');
  assert.equal(modelCacheDir('/c', 'google-t5/t5-base'), join('/c', 'models', 'google-t5', 't5-base'));
  assert.throws(() => validateModelId('../etc'), /not a Hugging Face model id/);
  assert.throws(() => validateModelId('a/b/c'), /not a Hugging Face model id/);
  validateModelId('google-t5/t5-base');
  const h = 'ab'.repeat(32);
  assert.equal(sha256FromEtag(`"${h}"`), h);
  assert.equal(sha256FromEtag(`W/"${h}"`), h);
  assert.equal(sha256FromEtag('"0123456789abcdef0123456789abcdef01234567"'), undefined);
});

test('HEAD reads the sha256 from X-Linked-Etag without following the CDN redirect, and follows relative redirects', async () => {
  const s = await startServer(hubRoutes());
  track(s);
  const w = await hubFileMeta(s.url('/t5-tiny/resolve/main/model.safetensors'), { timeoutMs: 3000 });
  assert.deepEqual(w, { status: 302, sha256: sha256(WEIGHTS), size: WEIGHTS.length });
  const t = await hubFileMeta(s.url('/t5-tiny/resolve/main/tokenizer.json'), { timeoutMs: 3000 });
  assert.equal(t.sha256, sha256(TOKENIZER));
  const c = await hubFileMeta(s.url('/t5-tiny/resolve/main/config.json'), { timeoutMs: 3000 });
  assert.equal(c.status, 200);
  assert.equal(c.sha256, undefined, 'a git blob id is not a sha256');
  assert.equal((await hubFileMeta(s.url('/t5-tiny/resolve/main/spiece.model'), { timeoutMs: 3000 })).status, 404);
});

test('a model: files into <cache>/models/<id>/, verified by the hub sha256 or recorded; a rerun needs no network', async () => {
  const s = await startServer(hubRoutes());
  track(s);
  const cache = await tmp();
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), debug: () => {} };
  const lock = await DownloadLock.open(cache);
  const jobs = await modelJobs('t5-tiny', 'main', cache, { lock, timeoutMs: 3000, endpoint: s.base, log });
  assert.deepEqual(
    jobs.map((j) => [j.file.path, j.file.sha256]),
    [
      ['config.json', undefined],
      ['model.safetensors', sha256(WEIGHTS)],
      ['tokenizer.json', sha256(TOKENIZER)],
    ],
  );
  assert.ok(lines.some((l) => l.includes('has no spiece.model; skipping it (optional)')));
  const out = await runJobs(jobs, { timeoutMs: 3000, retries: 0, backoffMs: 1, lock, log });
  assert.deepEqual(summarize(out), { verified: 0, downloaded: 3, imported: 0, failed: 0 });
  const dir = join(cache, 'models', 't5-tiny');
  assert.equal(await readFile(join(dir, 'config.json'), 'utf8'), CONFIG);
  assert.equal(sha256(await readFile(join(dir, 'model.safetensors'))), sha256(WEIGHTS));
  const json = JSON.parse(await readFile(join(cache, LOCK_FILE_NAME), 'utf8'));
  assert.equal(json.files['models/t5-tiny/config.json'].sha256, sha256(CONFIG));
  assert.equal(json.files['models/t5-tiny/config.json'].revision, 'main');
  assert.ok(json.files['models/t5-tiny/config.json'].recorded, 'config.json has no published sha256: recorded');
  assert.equal(json.files['models/t5-tiny/model.safetensors'].recorded, undefined);

  // Offline rerun: the server is gone, everything verifies from the cache.
  await s.close();
  const lock2 = await DownloadLock.open(cache);
  const jobs2 = await modelJobs('t5-tiny', 'main', cache, { lock: lock2, timeoutMs: 200, endpoint: s.base });
  const out2 = await runJobs(jobs2, { timeoutMs: 200, retries: 0, backoffMs: 1, lock: lock2 });
  assert.deepEqual(summarize(out2), { verified: 3, downloaded: 0, imported: 0, failed: 0 });
});

test('weights that do not match the hub sha256 are refused and nothing is left at the final path', async () => {
  const s = await startServer(hubRoutes('main', new Uint8Array(WEIGHTS.length).fill(7)));
  track(s);
  const cache = await tmp();
  const lock = await DownloadLock.open(cache);
  const jobs = await modelJobs('t5-tiny', 'main', cache, { lock, timeoutMs: 3000, endpoint: s.base });
  const out = await runJobs(jobs, { timeoutMs: 3000, retries: 0, backoffMs: 1, lock });
  const w = out.find((o) => o.job.file.path === 'model.safetensors')!;
  assert.equal(w.status, 'failed');
  assert.match(w.error!.message, new RegExp(`expected ${sha256(WEIGHTS)}`));
  assert.equal(existsSync(join(cache, 'models/t5-tiny/model.safetensors')), false);
  assert.equal(existsSync(join(cache, 'models/t5-tiny/model.safetensors.part')), false);
});

test('another revision replaces the cached files of the previous one', async () => {
  const routes = { ...hubRoutes('main'), ...hubRoutes('v2') };
  routes['/t5-tiny/resolve/v2/config.json'] = { body: new TextEncoder().encode('{"v": 2}\n') };
  const s = await startServer(routes);
  track(s);
  const cache = await tmp();
  const lock = await DownloadLock.open(cache);
  await runJobs(await modelJobs('t5-tiny', 'main', cache, { lock, timeoutMs: 3000, endpoint: s.base }), { timeoutMs: 3000, retries: 0, backoffMs: 1, lock });
  const out = await runJobs(await modelJobs('t5-tiny', 'v2', cache, { lock, timeoutMs: 3000, endpoint: s.base }), { timeoutMs: 3000, retries: 0, backoffMs: 1, lock });
  assert.deepEqual(summarize(out).failed, 0);
  assert.equal(await readFile(join(cache, 'models/t5-tiny/config.json'), 'utf8'), '{"v": 2}\n');
  const json = JSON.parse(await readFile(join(cache, LOCK_FILE_NAME), 'utf8'));
  assert.equal(json.files['models/t5-tiny/config.json'].revision, 'v2');
});
