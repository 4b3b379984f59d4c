/**
 * Config problems: collected (never thrown one by one) so a user sees every mistake at once, then
 * turned into a single HyperloaderError (exit 2) listing each with its place, key path and fix.
 */
import { HyperloaderError } from '../errors.js';
import { dottedPath, formatOrigin, type ConfigPath, type Origin } from './origins.js';

export interface Problem {
  path: ConfigPath;
  origin: Origin | undefined;
  message: string;
}

export const CONFIG_ERROR_EXIT = 2;

function sortKey(o: Origin | undefined): [number, string, number, number] {
  if (!o) return [3, '', 0, 0];
  if (o.kind === 'file') return [0, o.file, o.line, o.col];
  if (o.kind === 'object') return [1, o.source, 0, 0];
  return [2, o.text, 0, 0];
}

/** The error for a list of problems: a heading, then one line per problem in file order. */
export function configError(source: string, problems: Problem[]): HyperloaderError {
  const sorted = [...problems].sort((a, b) => {
    const ka = sortKey(a.origin);
    const kb = sortKey(b.origin);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    return 0;
  });
  const n = sorted.length;
  const lines = sorted.map((p) => {
    const where = formatOrigin(p.origin);
    return p.path.length > 0 ? `  ${where}: ${dottedPath(p.path)}: ${p.message}` : `  ${where}: ${p.message}`;
  });
  return new HyperloaderError(`invalid config ${source} (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
    exitCode: CONFIG_ERROR_EXIT,
  });
}
