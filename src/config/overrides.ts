/**
 * `--set a.b.c=value` overrides, applied after the files (and their `extends`) are merged.
 * The value is read as YAML, so `1e-4`, `true`, `[atis, snips]` and `{rank: 16}` get their types;
 * a list index selects an item (`data.tasks.0.fraction=0.1`); an empty value or `null` unsets;
 * a mapping value merges into the mapping there (like `extends`), anything else replaces.
 * The result is validated with everything else, each problem naming the `--set` it came from.
 */
import { parse } from 'yaml';
import { dropOrigins, pathKey, type Origin, type PathSegment } from './origins.js';
import { isPlainObject, mergeOverride } from './merge.js';
import type { Problem } from './problems.js';
import type { Layer } from './yaml-source.js';

export interface ParsedSet {
  path: string[];
  value: unknown;
  origin: Origin;
}

/** Parses one `--set` argument; a malformed one is a Problem. */
export function parseSet(text: string): ParsedSet | Problem {
  const origin: Origin = { kind: 'set', text };
  const eq = text.indexOf('=');
  if (eq <= 0) {
    return { path: [], origin, message: 'expected KEY=VALUE with a dotted key path, e.g. --set training.lr=1e-4' };
  }
  const keyText = text.slice(0, eq).trim();
  const path = keyText.split('.');
  if (path.some((s) => s.trim() === '')) {
    return { path: [], origin, message: `"${keyText}" is not a dotted key path (empty segment); e.g. --set training.lr=1e-4` };
  }
  let value: unknown;
  try {
    value = parse(text.slice(eq + 1));
  } catch (e) {
    return { path, origin, message: `the value is not valid YAML (${(e as Error).message.split('\n')[0]}); quote strings that contain : [ ] { } or #` };
  }
  return { path, value, origin };
}

/** Applies one override to a merged layer in place; returns a Problem when the path cannot be followed. */
export function applySet(layer: Layer, set: ParsedSet): Problem | undefined {
  let cur: unknown = layer.value;
  const walked: PathSegment[] = [];
  for (let i = 0; i < set.path.length; i++) {
    const seg = set.path[i];
    const last = i === set.path.length - 1;
    if (Array.isArray(cur)) {
      const index = Number(seg);
      if (!/^\d+$/.test(seg) || index >= cur.length) {
        return {
          path: walked,
          origin: set.origin,
          message: `"${seg}" is not an item of this list (it has ${cur.length}: use an index 0..${cur.length - 1}, or set the whole list)`,
        };
      }
      walked.push(index);
      if (last) {
        cur[index] = structuredClone(set.value);
        markSet(layer, walked, set.origin);
        return undefined;
      }
      if (!isPlainObject(cur[index]) && !Array.isArray(cur[index])) {
        cur[index] = {};
        markSet(layer, walked, set.origin);
      }
      cur = cur[index];
    } else {
      const obj = cur as Record<string, unknown>;
      walked.push(seg);
      if (last) {
        if (isPlainObject(set.value) && isPlainObject(obj[seg])) {
          // A mapping merges like an `extends` layer: --set 'peft.lora={rank: 16}' keeps lora's other keys.
          mergeOverride(obj[seg] as Record<string, unknown>, set.value, walked, layer.origins, set.origin);
          return undefined;
        }
        if (set.value === null) delete obj[seg];
        else obj[seg] = structuredClone(set.value);
        markSet(layer, walked, set.origin);
        return undefined;
      }
      if (!isPlainObject(obj[seg]) && !Array.isArray(obj[seg])) {
        // Create (or replace a scalar with) a mapping on the way; validation judges the result.
        obj[seg] = {};
        markSet(layer, walked, set.origin);
      }
      cur = obj[seg];
    }
  }
  return undefined;
}

function markSet(layer: Layer, path: PathSegment[], origin: Origin): void {
  dropOrigins(layer.origins, path, true);
  layer.origins.set(pathKey(path), origin);
}
