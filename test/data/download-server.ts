/**
 * A small HTTP server on 127.0.0.1 for the downloader tests: serves byte bodies (honouring Range
 * unless told not to), and misbehaves on request: 404s, dropped connections, stalls. It records
 * every request and closes itself after a bounded lifetime even if a test forgets to.
 */
import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The temporary folders and servers of one test file, removed and closed when its tests end.
 * Call once at the top level of a test file.
 */
export function scratch(prefix: string): { tmp: () => Promise<string>; track: (s: TestServer) => TestServer } {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  return {
    tmp: async () => {
      const d = await mkdtemp(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    track: (s) => (servers.push(s), s),
  };
}

export interface Route {
  body?: Uint8Array;
  status?: number;
  headers?: Record<string, string>;
  /** Default true: answer `Range: bytes=N-` with 206. */
  range?: boolean;
  /**
   * For the first `times` GETs: send the headers and `bytes` bytes of the body, then destroy the
   * socket. The destroy waits a moment: fetch's web stream drops chunks still queued when the
   * stream errors, and a real connection rarely dies in the same instant its last bytes arrive.
   */
  drop?: { bytes: number; times: number };
  /** For the first `times` GETs: send `afterBytes` bytes (0 = not even headers when undefined), then nothing. */
  stall?: { times: number; afterBytes?: number };
  /** HEAD answer, when it differs from GET's (hub redirects). */
  head?: { status: number; headers: Record<string, string> };
}

export interface RequestRecord {
  method: string;
  path: string;
  range?: string;
}

export interface TestServer {
  base: string;
  url(path: string): string;
  routes: Map<string, Route>;
  requests: RequestRecord[];
  /** GETs to one path. */
  gets(path: string): RequestRecord[];
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Route> = {}, lifetimeMs = 30_000): Promise<TestServer> {
  const table = new Map(Object.entries(routes));
  const requests: RequestRecord[] = [];
  const served = new Map<string, number>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const range = req.headers.range;
    requests.push({ method: req.method ?? 'GET', path, range });
    const route = table.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (req.method === 'HEAD' && route.head) {
      res.writeHead(route.head.status, route.head.headers).end();
      return;
    }
    const n = served.get(path) ?? 0;
    if (req.method === 'GET') served.set(path, n + 1);
    const body = route.body ?? new Uint8Array();
    if (route.status && route.status !== 200) {
      res.writeHead(route.status, route.headers).end();
      return;
    }
    if (route.stall && n < route.stall.times && route.stall.afterBytes === undefined) return; // never answer

    let start = 0;
    let status = 200;
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', ...route.headers };
    const m = range && route.range !== false ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    }
    const rest = body.subarray(start);
    headers['content-length'] = String(rest.length);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (route.drop && n < route.drop.times) {
      res.write(rest.subarray(0, route.drop.bytes), () => setTimeout(() => req.socket.destroy(), 100));
      return;
    }
    if (route.stall && n < route.stall.times) {
      res.write(rest.subarray(0, route.stall.afterBytes)); // then silence
      return;
    }
    res.end(rest);
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
    return closed;
  };
  setTimeout(() => void close(), lifetimeMs).unref();
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    url: (p) => `${base}${p}`,
    routes: table,
    requests,
    gets: (p) => requests.filter((r) => r.method === 'GET' && r.path === p),
    close,
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
