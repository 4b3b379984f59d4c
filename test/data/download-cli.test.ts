/**
 * `hyperloader download` end to end: the real executable in a child process, the hub on a local
 * server (HF_ENDPOINT), datasets imported from the shared folder with --from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binPath, sharedDatasets } from '../helpers/paths.js';
import { closedPort, startServer, scratch } from './download-server.js';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const { tmp, track } = scratch('hl-dlcli-');

/** Runs the CLI without blocking this process's event loop (the test server lives here). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [binPath, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

const WEIGHTS = new Uint8Array(5000).map((_, i) => (i * 13) & 0xff);

test('download --model: hub files into <cache>/models/<id>/, a summary, then an offline rerun verifies', async () => {
  const s = await startServer({
    '/t5-tiny/resolve/main/config.json': { body: new TextEncoder().encode('{"d_model": 8}\n') },
    '/t5-tiny/resolve/main/model.safetensors': {
      body: WEIGHTS,
      head: { status: 302, headers: { location: 'http://cdn.invalid/w', 'x-linked-etag': `"${sha256(WEIGHTS)}"` } },
    },
    '/t5-tiny/resolve/main/spiece.model': { body: new Uint8Array([1, 2, 3]) },
  });
  track(s);
  const cache = await tmp();
  const r = await cli(['download', '--model', 't5-tiny', '--cache-dir', cache], { HF_ENDPOINT: s.base });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^t5-tiny: 3 downloaded/m);
  assert.match(r.stdout, /summary: 0 verified, 3 downloaded, 0 failed/);
  assert.equal(sha256(await readFile(join(cache, 'models/t5-tiny/model.safetensors'))), sha256(WEIGHTS));
  assert.ok(existsSync(join(cache, 'hyperloader-lock.json')));

  await s.close();
  const again = await cli(['download', '--model', 't5-tiny', '--cache-dir', cache, '--timeout', '1'], { HF_ENDPOINT: s.base });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /summary: 3 verified, 0 downloaded, 0 failed/);
});

test('download offline: exit 1, each missing file with the URLs tried and its exact target path', async () => {
  const port = await closedPort();
  const cache = await tmp();
  const r = await cli(['download', '--model', 't5-tiny', '--cache-dir', cache, '--retries', '0', '--timeout', '1'], {
    HF_ENDPOINT: `http://127.0.0.1:${port}`,
  });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /summary: 0 verified, 0 downloaded, 2 failed/);
  assert.ok(r.stderr.includes(`target: ${join(cache, 'models', 't5-tiny', 'config.json')}`), r.stderr);
  assert.ok(r.stderr.includes(`http://127.0.0.1:${port}/t5-tiny/resolve/main/model.safetensors`), r.stderr);
  assert.match(r.stderr, /--from <folder>/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'a user error, no stack trace');
  assert.equal(existsSync(join(cache, 'models/t5-tiny/config.json')), false);
});

test('download with nothing named is a usage error (exit 2); an unknown dataset names the known ones', async () => {
  const cache = await tmp();
  const none = await cli(['download', '--cache-dir', cache]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /name the datasets to download/);
  const unknown = await cli(['download', 'no_such_set', '--cache-dir', cache]);
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /unknown dataset name "no_such_set".*atis/);
});

test('download atis --from the shared datasets: every registry file imported and verified by sha256', async (t) => {
  const shared = sharedDatasets();
  if (shared.skip) return t.skip(shared.skip);
  const cache = await tmp();
  const r = await cli(['download', 'atis', '--from', shared.dir, '--cache-dir', cache]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^atis: \d+ imported/m);
  assert.match(r.stdout, /0 failed/);
  const manifest = JSON.parse(await readFile(join(shared.dir, 'MANIFEST.json'), 'utf8'));
  // Compare against the manifest's sha256 for the same file, found by its path.
  const text = JSON.stringify(manifest);
  const got = sha256(await readFile(join(cache, 'atis/train/seq.out')));
  assert.ok(text.includes(got), 'atis/train/seq.out matches a sha256 in MANIFEST.json');
  const rerun = await cli(['download', 'atis', '--from', shared.dir, '--cache-dir', cache]);
  assert.match(rerun.stdout, /^atis: \d+ verified$/m);
});

test('the cache folder: $HYPERLOADER_HOME/datasets by default, data.cache_dir with --config; --model with --from', async () => {
  const from = await tmp();
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(join(from, 't5-tiny'), { recursive: true });
  await writeFile(join(from, 't5-tiny', 'config.json'), '{"d_model": 8}\n');
  await writeFile(join(from, 't5-tiny', 'model.safetensors'), WEIGHTS);
  await writeFile(join(from, 't5-tiny', 'spiece.model'), 'sp');
  const home = await tmp();
  const r = await cli(['download', '--model', 't5-tiny', '--from', from], { HYPERLOADER_HOME: home });
  // tokenizer.json is not in the folder: with --from the hub cannot be asked whether it exists, so it fails.
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^t5-tiny: 3 imported, 1 failed/m);
  assert.match(r.stderr, /no file named tokenizer\.json under/);
  assert.equal(sha256(await readFile(join(home, 'datasets/models/t5-tiny/model.safetensors'))), sha256(WEIGHTS));

  const other = await tmp();
  const cfg = join(other, 'c.yaml');
  await writeFile(cfg, `model: { random_init: {} }\ndata:\n  cache_dir: ${join(other, 'cache')}\n  tasks: [{ name: atis }]\n`);
  const r2 = await cli(['download', '--model', 't5-tiny', '--from', from, '--config', cfg], { HYPERLOADER_HOME: home });
  assert.match(r2.stdout, /cache: .*\/cache\)/, r2.stderr);
  assert.ok(existsSync(join(other, 'cache/models/t5-tiny/config.json')));
});

test('download --list names the registry datasets', async () => {
  const r = await cli(['download', '--list']);
  assert.equal(r.status, 0, r.stderr);
  for (const k of ['atis', 'snips', 'mit_movie', 'mtop']) assert.match(r.stdout, new RegExp(`^${k}\\s`, 'm'));
});
