/**
 * Where each config value came from, so every problem can name its file:line:column (or the
 * `--set` that made it). Origins are kept per node path; a problem deeper than any recorded node
 * (a missing key, say) is reported at the nearest recorded ancestor: the parent object.
 */
import { relative, isAbsolute } from 'node:path';

export type PathSegment = string | number;
export type ConfigPath = readonly PathSegment[];

export type Origin =
  | { kind: 'file'; file: string; line: number; col: number }
  | { kind: 'set'; text: string }
  | { kind: 'object'; source: string };

/** Origins by node path; the root object is the empty path. */
export type OriginMap = Map<string, Origin>;

export const pathKey = (path: ConfigPath): string => path.map(String).join('\u0000');

/** `data.tasks.0.name` */
export const dottedPath = (path: ConfigPath): string => (path.length === 0 ? '(top level)' : path.map(String).join('.'));

/** The origin of `path`, else of its nearest ancestor that has one. */
export function locate(origins: OriginMap, path: ConfigPath): Origin | undefined {
  for (let i = path.length; i >= 0; i--) {
    const o = origins.get(pathKey(path.slice(0, i)));
    if (o) return o;
  }
  return undefined;
}

/** Removes the origins of `path` (when `self`) and of everything under it. */
export function dropOrigins(origins: OriginMap, path: ConfigPath, self: boolean): void {
  const k = pathKey(path);
  for (const key of [...origins.keys()]) {
    if ((self && key === k) || (k === '' ? key !== '' : key.startsWith(k + '\u0000'))) origins.delete(key);
  }
}

/** Copies the origins of `path` and everything under it from `from` into `to`. */
export function copyOrigins(to: OriginMap, from: OriginMap, path: ConfigPath): void {
  const k = pathKey(path);
  for (const [key, o] of from) {
    if (key === k || k === '' || key.startsWith(k + '\u0000')) to.set(key, o);
  }
}

/** A path as the user should read it: relative to the working directory when inside it. */
export function displayFile(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export function formatOrigin(o: Origin | undefined): string {
  if (!o) return '(config)';
  switch (o.kind) {
    case 'file':
      return `${displayFile(o.file)}:${o.line}:${o.col}`;
    case 'set':
      return `--set ${o.text}`;
    case 'object':
      return o.source;
  }
}
