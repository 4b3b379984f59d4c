/**
 * One HTTP attempt: stream a URL into `<target>.part`, resuming what the `.part` already holds with
 * a Range request. Retries, mirrors and verification live in download.ts; this file only reports
 * what happened, as an AttemptError that says whether trying again could help.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { hashInto, removeIfExists, sizeOf } from './download-fs.js';

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** Error codes meaning the host cannot be reached at all (offline, DNS, nothing listening). */
const HOST_DOWN_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'EAI_FAIL']);

export class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly extra: { status?: number; hostDown?: boolean; retryAfterMs?: number; corrupt?: boolean } = {},
  ) {
    super(message);
    this.name = 'AttemptError';
  }
}

export interface AttemptOptions {
  fetchImpl: FetchLike;
  /** Abort when no byte arrives for this long (headers included). */
  timeoutMs: number;
  /** Known size: a `.part` larger than this is discarded, and a body growing past it is cut off. */
  expectedSize?: number;
  onData?: (received: number, total: number | undefined) => void;
}

export interface AttemptResult {
  sha256: string;
  size: number;
  /** Bytes that were already in the `.part` and kept (0 = downloaded from the start). */
  resumedFrom: number;
}

/** Streams `url` into `part` (appending with Range when `part` exists); returns the whole file's sha256. */
export async function fetchToPart(url: string, part: string, opts: AttemptOptions): Promise<AttemptResult> {
  let offset = (await sizeOf(part)) ?? 0;
  if (opts.expectedSize !== undefined && offset > opts.expectedSize) {
    await removeIfExists(part);
    offset = 0;
  }
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  // The stall timer: re-armed by every chunk, so a slow but steady download is never cut off.
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, opts.timeoutMs);
  };
  const fail = (err: unknown): AttemptError => {
    if (err instanceof AttemptError) return err;
    if (timedOut) return new AttemptError(`timed out: no data for ${formatMs(opts.timeoutMs)}`, true);
    return networkError(err);
  };

  // Hash the kept prefix before asking: a long local read must not count as the server stalling.
  const prefixHash = createHash('sha256');
  if (offset > 0) await hashInto(prefixHash, part);

  arm();
  try {
    // identity: a gzip-encoded body would be decoded by fetch, and Range offsets would no longer match the file.
    const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'hyperloader' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    let res: Response;
    try {
      res = await opts.fetchImpl(url, { headers, signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      throw fail(err);
    }

    if (res.status === 416 && offset > 0) {
      // Nothing left past our offset: the `.part` may already hold the whole file.
      await discardBody(res);
      const total = parseContentRange(res.headers.get('content-range'))?.total;
      if (total === offset) {
        return { sha256: prefixHash.digest('hex'), size: offset, resumedFrom: offset };
      }
      await removeIfExists(part);
      throw new AttemptError('the server refused to resume (HTTP 416); restarting from the beginning', true, { status: 416 });
    }
    if (!res.ok) {
      await discardBody(res);
      const retryable = res.status >= 500 || res.status === 408 || res.status === 425 || res.status === 429;
      throw new AttemptError(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, retryable, {
        status: res.status,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      });
    }

    let start = 0;
    let total: number | undefined;
    if (res.status === 206) {
      const range = parseContentRange(res.headers.get('content-range'));
      if (!range || range.start !== offset) {
        await discardBody(res);
        await removeIfExists(part);
        throw new AttemptError(`the server answered a different range (${res.headers.get('content-range') ?? 'none'}) than bytes=${offset}-; restarting`, true);
      }
      start = offset;
      total = range.total;
    } else {
      // 200: the whole file from byte 0 (a server that ignores Range sends this too).
      const len = res.headers.get('content-length');
      total = len !== null && /^\d+$/.test(len) ? Number(len) : undefined;
    }
    if (opts.expectedSize !== undefined && total !== undefined && total !== opts.expectedSize) {
      await discardBody(res);
      throw new AttemptError(`the server announces ${total} bytes but ${opts.expectedSize} are expected`, false, { corrupt: true });
    }

    const hash = start > 0 ? prefixHash : createHash('sha256');
    const fh = await open(part, start > 0 ? 'a' : 'w');
    let received = start;
    opts.onData?.(received, total);
    try {
      if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          arm();
          received += chunk.length;
          if (opts.expectedSize !== undefined && received > opts.expectedSize) {
            throw new AttemptError(`the server sent more than the expected ${opts.expectedSize} bytes`, false, { corrupt: true });
          }
          await writeAll(fh, chunk);
          hash.update(chunk);
          opts.onData?.(received, total);
        }
      }
    } catch (err) {
      throw fail(err);
    } finally {
      await fh.close();
    }
    if (total !== undefined && received < total) {
      throw new AttemptError(`connection closed after ${received} of ${total} bytes`, true);
    }
    return { sha256: hash.digest('hex'), size: received, resumedFrom: start };
  } finally {
    clearTimeout(timer);
  }
}

async function writeAll(fh: import('node:fs/promises').FileHandle, chunk: Uint8Array): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}

async function discardBody(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    /* already closed */
  }
}

/** Parses `bytes START-END/TOTAL`, or the star form a 416 carries (no range, only the total). */
export function parseContentRange(v: string | null): { start?: number; total?: number } | undefined {
  if (!v) return undefined;
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(v.trim());
  if (!m) return undefined;
  return {
    start: m[1] === undefined ? undefined : Number(m[1]),
    total: m[3] === '*' ? undefined : Number(m[3]),
  };
}

function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/** Describes a fetch failure by its underlying cause (fetch itself only says "fetch failed"). */
export function networkError(err: unknown): AttemptError {
  let e: unknown = err;
  let code: string | undefined;
  let message = (err as Error)?.message ?? String(err);
  // undici wraps the socket error in `cause` (sometimes twice).
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const c = (e as NodeJS.ErrnoException).code;
    if (typeof c === 'string' && !code) code = c;
    const cause = (e as { cause?: unknown }).cause;
    if (!cause) break;
    message = (cause as Error)?.message ?? message;
    e = cause;
  }
  const hostDown = code !== undefined && HOST_DOWN_CODES.has(code);
  const text = code && !message.includes(code) ? `${code}: ${message}` : message;
  // A name that does not resolve will not resolve a second later; anything else may be transient.
  const retryable = code !== 'ENOTFOUND' && code !== 'EAI_FAIL';
  return new AttemptError(`network error: ${text}`, retryable, { hostDown });
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}
