/**
 * Download progress for people: a bar per file on a terminal (cli-progress, on stderr), periodic
 * log lines anywhere else (CI logs, pipes), where a redrawn bar would only be noise.
 */
import { relative } from 'node:path';
import cliProgress from 'cli-progress';
import type { ProgressEvent } from './download.js';
import type { DownloadLog } from './download-verify.js';

export interface ProgressReporter {
  onProgress(e: ProgressEvent): void;
  /** A log that prints above the bars while they are drawn. */
  log: DownloadLog;
  stop(): void;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function sizeText(received: number, total?: number): string {
  return total ? `${formatBytes(received)} / ${formatBytes(total)}` : formatBytes(received);
}

export function createProgressReporter(opts: {
  /** Paths are shown relative to this folder (the cache). */
  root: string;
  log: DownloadLog;
  stream?: NodeJS.WriteStream;
  /** Draw bars; defaults to whether the stream is a terminal. */
  tty?: boolean;
  /** Without a terminal: at most one line per file this often. */
  intervalMs?: number;
}): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  const name = (target: string) => relative(opts.root, target) || target;
  if (!(opts.tty ?? stream.isTTY === true)) return lineReporter(opts.log, name, opts.intervalMs ?? 5000);

  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: ' {bar} {percentage}% | {size} | {name}',
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const above = (level: string) => (msg: string) => multi.log(`${level}${msg}\n`);
  const log: DownloadLog = { info: above(''), warn: above('warning: '), debug: opts.log.debug.bind(opts.log) };
  return {
    log,
    onProgress(e) {
      let bar = bars.get(e.target);
      const payload = { name: name(e.target), size: sizeText(e.received, e.total) };
      if (!bar) {
        bar = multi.create(e.total ?? 0, e.received, payload);
        bars.set(e.target, bar);
      }
      if (e.total && bar.getTotal() !== e.total) bar.setTotal(e.total);
      // 'start' of a retry and a failed 'end' carry no position: keep the bar where it was.
      if (e.phase === 'data' || e.ok) bar.update(e.received, payload);
      if (e.phase === 'end' && e.ok) bar.stop();
    },
    stop() {
      multi.stop();
    },
  };
}

function lineReporter(log: DownloadLog, name: (t: string) => string, intervalMs: number): ProgressReporter {
  const last = new Map<string, number>();
  return {
    log,
    onProgress(e) {
      const now = Date.now();
      if (e.phase === 'start') {
        if (!last.has(e.target)) log.info(`downloading ${name(e.target)} from ${e.url}`);
        last.set(e.target, now);
      } else if (e.phase === 'data') {
        if (now - (last.get(e.target) ?? 0) >= intervalMs) {
          last.set(e.target, now);
          const pct = e.total ? ` (${Math.floor((100 * e.received) / e.total)}%)` : '';
          log.info(`${name(e.target)}: ${sizeText(e.received, e.total)}${pct}`);
        }
      } else if (e.ok) {
        log.info(`${name(e.target)}: ${formatBytes(e.received)} downloaded and verified`);
        last.delete(e.target);
      }
    },
    stop() {},
  };
}
