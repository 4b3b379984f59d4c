/**
 * T5 checkpoints from the Hugging Face hub layout: `<endpoint>/<id>/resolve/<revision>/<file>`,
 * cached in `<cache_dir>/models/<id>/`. The endpoint is https://huggingface.co unless HF_ENDPOINT
 * moves it (a mirror, or a local server in tests).
 *
 * Checksums: for files stored in git LFS (the weights, spiece.model) the hub's ETag is the file's
 * sha256; a HEAD request reads it (`X-Linked-Etag` on the redirect to the CDN, else `ETag`). Other
 * files (config.json) get their sha256 recorded in the lock file on first download, with the
 * revision, and are verified against it from then on.
 */
import { join } from 'node:path';
import { HyperloaderError } from '../errors.js';
import type { DownloadLock } from './download-lock.js';
import type { DownloadJob } from './download-batch.js';
import { PART_SUFFIX, removeIfExists } from './download-fs.js';
import { networkError, type FetchLike } from './download-http.js';
import { checkExisting, expectationFor, silentLog, type DownloadLog } from './download-verify.js';
import type { RemoteFile } from './types.js';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** What a T5 checkpoint needs here; the tokenizer files are optional (some repos have only one). */
export const HUB_MODEL_FILES: readonly { name: string; required: boolean }[] = [
  { name: 'config.json', required: true },
  { name: 'model.safetensors', required: true },
  { name: 'tokenizer.json', required: false },
  { name: 'spiece.model', required: false },
];

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT?.trim() || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
}

/** `t5-base` or `google-t5/t5-base`: letters, digits, `-`, `_`, `.`; never `..`. */
export function validateModelId(id: string): void {
  if (!/^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(id) || id.includes('..')) {
    throw new HyperloaderError(`--model "${id}" is not a Hugging Face model id; use a name like t5-base or google-t5/t5-base`, { exitCode: 2 });
  }
}

export function hubFileUrl(id: string, revision: string, file: string, endpoint = hubEndpoint()): string {
  return `${endpoint}/${id}/resolve/${encodeURIComponent(revision)}/${file}`;
}

/** Where a model's files live in the cache (what model.checkpoint: t5-base resolves to). */
export function modelCacheDir(cacheDir: string, id: string): string {
  return join(cacheDir, 'models', ...id.split('/'));
}

export interface HubFileMeta {
  /** HTTP status of the final answer (0 when the request failed). */
  status: number;
  sha256?: string;
  size?: number;
  error?: string;
  hostDown?: boolean;
}

/** An ETag that is a sha256 (LFS files); git blob ids (40 hex) and S3 ETags are not. */
export function sha256FromEtag(etag: string | null): string | undefined {
  if (!etag) return undefined;
  const v = etag.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(v) ? v : undefined;
}

/**
 * HEAD on a resolve URL without following the redirect to the CDN (whose ETag is not the sha256).
 * Relative redirects (a renamed repo: t5-base → google-t5/t5-base) are followed, like huggingface_hub does.
 */
export async function hubFileMeta(url: string, opts: { fetchImpl?: FetchLike; timeoutMs: number }): Promise<HubFileMeta> {
  const fetchImpl = opts.fetchImpl ?? ((u: string, init?: RequestInit) => fetch(u, init));
  let current = url;
  for (let hop = 0; hop < 5; hop++) {
    let res: Response;
    try {
      res = await fetchImpl(current, {
        method: 'HEAD',
        redirect: 'manual',
        headers: { 'accept-encoding': 'identity', 'user-agent': 'hyperloader' },
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      const e = (err as Error)?.name === 'TimeoutError' ? { message: `timed out after ${opts.timeoutMs} ms`, hostDown: false } : { message: networkError(err).message, hostDown: networkError(err).extra.hostDown };
      return { status: 0, error: e.message, hostDown: e.hostDown };
    }
    const linked = sha256FromEtag(res.headers.get('x-linked-etag'));
    const linkedSize = numberHeader(res.headers.get('x-linked-size'));
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      if (linked || !location) return { status: res.status, sha256: linked, size: linkedSize };
      const next = new URL(location, current);
      if (next.origin !== new URL(current).origin) return { status: res.status, sha256: linked, size: linkedSize };
      current = next.href;
      continue;
    }
    if (!res.ok) return { status: res.status, error: `HTTP ${res.status}` };
    return {
      status: res.status,
      sha256: linked ?? sha256FromEtag(res.headers.get('etag')),
      size: linkedSize ?? numberHeader(res.headers.get('content-length')),
    };
  }
  return { status: 0, error: 'too many redirects' };
}

function numberHeader(v: string | null): number | undefined {
  return v !== null && /^\d+$/.test(v) ? Number(v) : undefined;
}

export interface ModelJobsOptions {
  lock?: DownloadLock;
  fetchImpl?: FetchLike;
  timeoutMs: number;
  endpoint?: string;
  log?: DownloadLog;
  rehash?: boolean;
  /** Shared with the downloads: a hub found offline here is not tried again per file. */
  unreachable?: Map<string, string>;
  /** Importing from a folder: no HEAD requests. */
  offline?: boolean;
}

/**
 * The download jobs for one model at one revision. Files already verified for this revision need
 * no network at all; the others get their checksum from a HEAD request. A file cached from another
 * revision is forgotten first (one folder per model id, as model.checkpoint expects).
 */
export async function modelJobs(id: string, revision: string, cacheDir: string, opts: ModelJobsOptions): Promise<DownloadJob[]> {
  validateModelId(id);
  const log = opts.log ?? silentLog;
  const endpoint = opts.endpoint ?? hubEndpoint();
  const targetDir = modelCacheDir(cacheDir, id);
  const jobs: DownloadJob[] = [];
  for (const { name, required } of HUB_MODEL_FILES) {
    const url = hubFileUrl(id, revision, name, endpoint);
    const target = join(targetDir, name);
    const file: RemoteFile = { path: name, urls: [url] };
    const job: DownloadJob = { group: id, targetDir, file, checksumSource: 'hub', revision };
    const entry = opts.lock?.get(target);
    if (entry && entry.revision !== undefined && entry.revision !== revision) {
      log.info(`${id}/${name}: cached from revision ${entry.revision}; fetching revision ${revision}`);
      opts.lock!.delete(target);
      await removeIfExists(target);
      await removeIfExists(target + PART_SUFFIX);
    } else if (entry) {
      const state = await checkExisting(target, expectationFor(file, target, opts.lock), opts.lock, opts.rehash);
      if (state.state === 'ok') {
        jobs.push(job); // verified without the network; downloadFile will report it as such
        continue;
      }
    }
    if (opts.offline) {
      jobs.push(job);
      continue;
    }
    const host = new URL(url).host;
    const down = opts.unreachable?.get(host);
    const meta: HubFileMeta = down !== undefined ? { status: 0, error: down } : await hubFileMeta(url, { fetchImpl: opts.fetchImpl, timeoutMs: opts.timeoutMs });
    if (meta.status === 404 && !required) {
      log.info(`${id}@${revision} has no ${name}; skipping it (optional)`);
      continue;
    }
    if (meta.status === 0 && !required) {
      // Offline: whether the repo has this optional file cannot be known; the required ones decide success.
      log.warn(`${id}@${revision}: could not check for the optional ${name} (${meta.error}); skipping it`);
      continue;
    }
    if (meta.status === 401 || meta.status === 403) {
      throw new HyperloaderError(
        `${url}: HTTP ${meta.status} — the model is private or gated and hyperloader does not send credentials; ` +
          `download its files by hand and import them with \`hyperloader download --model ${id} --from <folder>\``,
      );
    }
    if (meta.hostDown && meta.error) opts.unreachable?.set(host, meta.error);
    if (meta.sha256) file.sha256 = meta.sha256;
    if (meta.size !== undefined && meta.sha256) file.size = meta.size;
    jobs.push(job);
  }
  return jobs;
}
