import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { DownloadLock, LOCK_FILE_NAME } from '../../src/data/download-lock.js';
import { datasetJobs, failureError, runJobs, summarize, type DownloadJob } from '../../src/data/download-batch.js';
import { createProgressReporter } from '../../src/data/download-progress.js';
import type { DatasetEntry } from '../../src/data/types.js';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'hl-import-'));
  dirs.push(d);
  return d;
}
async function put(dir: string, rel: string, text: string | Uint8Array) {
  await mkdir(join(dir, rel, '..'), { recursive: true });
  await writeFile(join(dir, rel), text);
}

/** Two datasets whose files share names (seq.in), like ATIS and SNIPS. URLs point nowhere: --from needs none. */
function entries(): DatasetEntry[] {
  const mk = (key: string, files: DatasetEntry['files']): DatasetEntry => ({
    key,
    title: key,
    licence: 'test',
    citation: '',
    files,
    format: 'seqio',
    splits: {},
    split_rule: '',
  });
  return [
    mk('atis', [
      { path: 'train/seq.in', urls: ['http://127.0.0.1:9/atis/train/seq.in'], sha256: sha256('atis train\n') },
      { path: 'test/seq.in', urls: ['http://127.0.0.1:9/atis/test/seq.in'], sha256: sha256('atis test\n') },
    ]),
    mk('snips', [{ path: 'train/seq.in', urls: ['http://127.0.0.1:9/snips/train/seq.in'], sha256: sha256('snips train\n') }]),
  ];
}

test('--from: files matched by name and trailing folders, verified by sha256, copied atomically', async () => {
  const from = await tmp();
  const cache = await tmp();
  // A flat-ish layout the user made by hand: the folders say which seq.in is which.
  await put(from, 'downloads/atis/train/seq.in', 'atis train\n');
  await put(from, 'downloads/atis/test/seq.in', 'atis test\n');
  await put(from, 'snips/train/seq.in', 'snips train\n');
  const jobs = entries().flatMap((e) => datasetJobs(e, cache));
  const out = await runJobs(jobs, { timeoutMs: 100, retries: 0, backoffMs: 1, lock: await DownloadLock.open(cache), from });
  assert.deepEqual(summarize(out), { verified: 0, downloaded: 0, imported: 3, failed: 0 });
  assert.equal(await readFile(join(cache, 'atis/train/seq.in'), 'utf8'), 'atis train\n');
  assert.equal(await readFile(join(cache, 'atis/test/seq.in'), 'utf8'), 'atis test\n');
  assert.equal(await readFile(join(cache, 'snips/train/seq.in'), 'utf8'), 'snips train\n');
  assert.deepEqual((await readdir(join(cache, 'atis/train'))).sort(), ['seq.in']);

  const again = await runJobs(jobs, { timeoutMs: 100, retries: 0, backoffMs: 1, lock: await DownloadLock.open(cache), from });
  assert.deepEqual(summarize(again), { verified: 3, downloaded: 0, imported: 0, failed: 0 });
});

test('--from: the sha256 picks the right file among same-named ones; a wrong file is refused', async () => {
  const from = await tmp();
  const cache = await tmp();
  // Both files are simply named seq.in in unhelpful folders: only the checksum can tell them apart.
  await put(from, 'x/seq.in', 'snips train\n');
  await put(from, 'y/seq.in', 'atis train\n');
  const [atis, snips] = entries();
  const jobs: DownloadJob[] = [...datasetJobs({ ...atis, files: [atis.files[0]] }, cache), ...datasetJobs(snips, cache)];
  const out = await runJobs(jobs, { timeoutMs: 100, retries: 0, backoffMs: 1, from });
  assert.deepEqual(summarize(out), { verified: 0, downloaded: 0, imported: 2, failed: 0 });
  assert.equal(await readFile(join(cache, 'atis/train/seq.in'), 'utf8'), 'atis train\n');

  const cache2 = await tmp();
  const wrong = await tmp();
  await put(wrong, 'atis/train/seq.in', 'tampered\n');
  const bad = await runJobs(datasetJobs({ ...atis, files: [atis.files[0]] }, cache2), { timeoutMs: 100, retries: 0, backoffMs: 1, from: wrong });
  assert.equal(bad[0].status, 'failed');
  assert.match(bad[0].error!.message, new RegExp(`sha256 mismatch: expected ${sha256('atis train\n')}, got ${sha256('tampered\n')}`));
  assert.equal(existsSync(join(cache2, 'atis/train/seq.in')), false);
  assert.equal(existsSync(join(cache2, 'atis/train/seq.in.part')), false);
});

test('--from without checksums: ambiguous names are refused, a unique one is imported and recorded', async () => {
  const from = await tmp();
  const cache = await tmp();
  await put(from, 'a/train-en.tsv', 'one\n');
  await put(from, 'b/train-en.tsv', 'two\n');
  const job: DownloadJob = { group: 'mtod', targetDir: join(cache, 'mtod'), file: { path: 'en/train-en.tsv', urls: [] } };
  const [amb] = await runJobs([job], { timeoutMs: 100, retries: 0, backoffMs: 1, from });
  assert.equal(amb.status, 'failed');
  assert.match(amb.error!.message, /ambiguous: .*lay the folder out as <DIR>\/mtod\/en\/train-en\.tsv/);

  await put(from, 'mtod/en/train-en.tsv', 'three\n');
  const lock = await DownloadLock.open(cache);
  const [ok] = await runJobs([job], { timeoutMs: 100, retries: 0, backoffMs: 1, from, lock });
  assert.equal(ok.status, 'imported');
  assert.equal(ok.result!.recorded, true);
  const json = JSON.parse(await readFile(join(cache, LOCK_FILE_NAME), 'utf8'));
  assert.equal(json.files['mtod/en/train-en.tsv'].sha256, sha256('three\n'));
});

test('--from with a zip: the archive when present, else its members by name', async () => {
  const member = 'O\tx\n';
  const zip = zipSync({ 'mtop/en/train.txt': new TextEncoder().encode(member) });
  const file = { path: 'mtop.zip', urls: [], sha256: sha256(zip), extract: [{ member: 'mtop/en/train.txt', path: 'en/train.txt', sha256: sha256(member) }] };
  const fromZip = await tmp();
  await put(fromZip, 'mtop.zip', zip);
  const cache = await tmp();
  const [a] = await runJobs([{ group: 'mtop', targetDir: join(cache, 'mtop'), file }], { timeoutMs: 100, retries: 0, backoffMs: 1, from: fromZip });
  assert.equal(a.status, 'imported');
  assert.equal(await readFile(join(cache, 'mtop/en/train.txt'), 'utf8'), member);

  const fromMembers = await tmp();
  await put(fromMembers, 'mtop/en/train.txt', member);
  const cache2 = await tmp();
  const [b] = await runJobs([{ group: 'mtop', targetDir: join(cache2, 'mtop'), file }], { timeoutMs: 100, retries: 0, backoffMs: 1, from: fromMembers });
  assert.equal(b.status, 'imported');
  assert.equal(await readFile(join(cache2, 'mtop/en/train.txt'), 'utf8'), member);
  assert.equal(existsSync(join(cache2, 'mtop/mtop.zip')), false);
});

test('the batch error lists every missing file with its URLs and target, and how to place files by hand', async () => {
  const cache = await tmp();
  const from = await tmp();
  const jobs = entries().flatMap((e) => datasetJobs(e, cache));
  const out = await runJobs(jobs, { timeoutMs: 100, retries: 0, backoffMs: 1, from });
  const err = failureError(out, { from });
  assert.ok(err);
  assert.match(err.message, /^3 of 3 file\(s\) could not be obtained/);
  for (const j of jobs) assert.ok(err.message.includes(`target: ${join(j.targetDir, j.file.path)}`), j.file.path);
  assert.match(err.message, /no file named seq\.in under/);

  // The network variant (nothing listens on port 9): URLs tried, and the --from hint.
  const net = await runJobs(jobs.slice(0, 1), { timeoutMs: 200, retries: 0, backoffMs: 1 });
  const e2 = failureError(net, { command: 'hyperloader download atis' })!;
  assert.ok(e2.message.includes('http://127.0.0.1:9/atis/train/seq.in — network error'), e2.message);
  assert.match(e2.message, /`hyperloader download atis --from <folder>`/);
  assert.equal(failureError([]), undefined);
});

test('bundled datasets (local_dir) have nothing to download', () => {
  const e = { ...entries()[0], local_dir: '/somewhere' } as DatasetEntry;
  assert.deepEqual(datasetJobs(e, '/cache'), []);
});

test('progress without a terminal: a start line, periodic size lines, a verified line', () => {
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), debug: () => {} };
  const p = createProgressReporter({ root: '/cache', log, tty: false, intervalMs: 0 });
  p.onProgress({ target: '/cache/atis/x', url: 'http://h/x', phase: 'start', received: 0, total: 2048 });
  p.onProgress({ target: '/cache/atis/x', url: 'http://h/x', phase: 'data', received: 1024, total: 2048 });
  p.onProgress({ target: '/cache/atis/x', url: 'http://h/x', phase: 'end', received: 2048, total: 2048, ok: true });
  p.stop();
  assert.deepEqual(lines, ['downloading atis/x from http://h/x', 'atis/x: 1.0 KiB / 2.0 KiB (50%)', 'atis/x: 2.0 KiB downloaded and verified']);
});
