/**
 * Logging: pino JSON lines into a run's log.jsonl (everything from debug up) and short human
 * lines on stderr (info by default; --quiet = warn, --verbose = debug). Both destinations write
 * synchronously in this thread: no worker-thread transport that could keep the process alive or
 * drop the last lines when it exits.
 */
import { writeSync } from 'node:fs';
import { pino, type Logger, type StreamEntry } from 'pino';

export type { Logger } from 'pino';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface LoggerOptions {
  /** stderr's level (default info). */
  level?: LogLevel;
  /** A JSON-lines file (created with its directory; appended to). */
  logFile?: string;
  /** Short human lines on stderr (default) or raw JSON lines. */
  pretty?: boolean;
  /** Where the human lines go instead of stderr (tests). */
  stderr?: { write(s: string): unknown };
}

/** --quiet → warn, --verbose → debug, else info. */
export function levelFromFlags(flags: { quiet?: boolean; verbose?: boolean }): LogLevel {
  return flags.verbose ? 'debug' : flags.quiet ? 'warn' : 'info';
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** One pino JSON line → `12:03:04 message` (warnings and errors say so; debug lines show their fields). */
export function formatHuman(jsonLine: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`;
  }
  const level = LEVEL_NAMES[rec.level as number] ?? String(rec.level);
  const t = typeof rec.time === 'string' ? new Date(rec.time) : new Date(Number(rec.time ?? Date.now()));
  const hms = t.toTimeString().slice(0, 8);
  const prefix = level === 'info' ? '' : `${level === 'warn' ? 'warning' : level}: `;
  let text = `${hms} ${prefix}${String(rec.msg ?? '')}`;
  const err = rec.err as { message?: string } | undefined;
  if (err?.message && !text.includes(err.message)) text += ` (${err.message})`;
  if (level === 'debug' || level === 'trace') {
    const extra = Object.fromEntries(Object.entries(rec).filter(([k]) => !OMIT.has(k)));
    if (Object.keys(extra).length > 0) text += ` ${JSON.stringify(extra)}`;
  }
  return `${text}\n`;
}

const stderrSync = { write: (s: string) => writeSync(2, s) };

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const out = opts.stderr ?? stderrSync;
  const pretty = opts.pretty ?? true;
  const streams: StreamEntry[] = [];
  if (level !== 'silent') {
    streams.push({ level, stream: { write: (line: string) => void out.write(pretty ? formatHuman(line) : line) } });
  }
  if (opts.logFile) {
    streams.push({ level: 'debug', stream: pino.destination({ dest: opts.logFile, sync: true, mkdir: true, append: true }) });
  }
  // The logger's own level is the lowest any destination wants.
  const lowest: LogLevel = opts.logFile ? 'debug' : level;
  return pino(
    { level: lowest, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream(streams),
  );
}
