/**
 * Progress of long loops (training steps, evaluation batches, downloads). On a TTY it draws a
 * cli-progress bar on stderr; otherwise (CI, a log file, a pipe) it logs a line every ~10 s and at
 * the end, with the rate and the time left, so long runs stay readable without control characters.
 */
import cliProgress from 'cli-progress';

export interface ProgressLogger {
  info(obj: object, msg?: string): void;
  isLevelEnabled?(level: string): boolean;
}

export interface ProgressOptions {
  total: number;
  label: string;
  /** What one tick counts (steps, batches, sentences, MB). */
  unit?: string;
  logger?: ProgressLogger;
  /** Draw a bar (default: whether stderr is a TTY). */
  tty?: boolean;
  stream?: NodeJS.WritableStream;
  /** Between log lines when not drawing a bar (default 10 s). */
  intervalMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
  /**
   * Where this process starts counting (a resumed run's step): the rate and the time left count
   * only the work done since, not the work a previous process did.
   */
  initial?: number;
}

export interface Progress {
  tick(n?: number, extra?: Record<string, unknown>): void;
  update(value: number, extra?: Record<string, unknown>): void;
  stop(): void;
}

/** 45s, 4m18s, 2h03m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatExtra(extra: Record<string, unknown>): string {
  return Object.entries(extra)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(4) : String(v)}`)
    .join(' ');
}

export function progress(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const unit = opts.unit ?? 'it';
  const interval = opts.intervalMs ?? 10_000;
  const quiet = opts.logger?.isLevelEnabled ? !opts.logger.isLevelEnabled('info') : false;
  const stream = opts.stream ?? process.stderr;
  const tty = !quiet && (opts.tty ?? Boolean((stream as NodeJS.WriteStream).isTTY));
  const start = now();
  const initial = opts.initial ?? 0;
  let value = initial;
  let extra: Record<string, unknown> = {};
  let lastLog = start;
  let stopped = false;

  const bar = tty
    ? new cliProgress.SingleBar(
        {
          stream: stream as NodeJS.WriteStream,
          format: `${opts.label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted} {extra}`,
          hideCursor: true,
          etaBuffer: 50,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(opts.total, initial, { extra: '', rate: '0' });

  const rate = () => {
    const secs = (now() - start) / 1000;
    return secs > 0 ? (value - initial) / secs : 0;
  };

  const logLine = (final: boolean) => {
    if (!opts.logger) return;
    const r = rate();
    const secs = (now() - start) / 1000;
    const pct = opts.total > 0 ? Math.floor((100 * value) / opts.total) : 100;
    const eta = r > 0 ? (opts.total - value) / r : Number.NaN;
    const tail = formatExtra(extra);
    const msg = final
      ? `${opts.label}: ${value}/${opts.total} ${unit} in ${formatDuration(secs)} (${r.toFixed(2)} ${unit}/s)${tail ? `, ${tail}` : ''}`
      : `${opts.label}: ${value}/${opts.total} ${unit} (${pct}%), ${r.toFixed(2)} ${unit}/s, ETA ${formatDuration(eta)}${tail ? `, ${tail}` : ''}`;
    opts.logger.info({ progress: opts.label, value, total: opts.total, rate: r, eta_s: Number.isFinite(eta) ? eta : null, elapsed_s: secs, ...extra, final }, msg);
  };

  const moved = () => {
    if (bar) bar.update(value, { extra: formatExtra(extra), rate: rate().toFixed(2) });
    else if (now() - lastLog >= interval && value < opts.total) {
      // The last line comes from stop(), with the total time.
      lastLog = now();
      logLine(false);
    }
  };

  return {
    tick(n = 1, more) {
      value += n;
      if (more) extra = { ...extra, ...more };
      moved();
    },
    update(v, more) {
      value = v;
      if (more) extra = { ...extra, ...more };
      moved();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar?.stop();
      logLine(true);
    },
  };
}
