/**
 * Validation against the schema, with zod's issues rewritten for a user: the key path, where it was
 * set, what was expected and what was found, and "did you mean" for keys the schema does not have.
 */
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { describeType, keysAt, schemaEntries, schemaNodeAt } from './schema-info.js';
import { closest } from './suggest.js';
import { dottedPath, locate, type ConfigPath, type OriginMap } from './origins.js';
import type { Problem } from './problems.js';

export type Validated = { ok: true; config: Config } | { ok: false; problems: Problem[] };

export function validateConfig(value: Record<string, unknown>, origins: OriginMap): Validated {
  const r = configSchema.safeParse(value);
  if (r.success) return { ok: true, config: r.data };
  const problems: Problem[] = [];
  for (const issue of r.error.issues) problems.push(...issueProblems(issue, value, origins));
  return { ok: false, problems };
}

function issueProblems(issue: z.core.$ZodIssue, value: unknown, origins: OriginMap): Problem[] {
  const path = issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s)) as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const p = [...path, key];
      const hint = suggestKey(path, key);
      return { path: p, origin: locate(origins, p), message: `unknown key${hint}` };
    });
  }
  const origin = locate(origins, path);
  const found = valueAt(value, path);
  if (issue.code === 'custom') return [{ path, origin, message: issue.message }];
  const expected = describeType(schemaNodeAt(path));
  if (found === undefined) return [{ path, origin, message: `missing required key (expected ${expected})` }];
  if (['invalid_type', 'invalid_value', 'too_small', 'too_big', 'not_multiple_of', 'invalid_format'].includes(issue.code)) {
    return [{ path, origin, message: `expected ${expected}, got ${show(found)}` }];
  }
  return [{ path, origin, message: issue.message }];
}

/** `; did you mean "training.lr"?` — a sibling key first, else any key of that name anywhere. */
function suggestKey(parent: ConfigPath, key: string): string {
  const sibling = closest(key, keysAt(parent));
  if (sibling !== undefined) return `; did you mean "${dottedPath([...parent, sibling])}"?`;
  // The key may belong to another section (lr under experiment:), or a whole section is misspelt.
  const elsewhere = schemaEntries().filter((e) => !e.path.includes('[]'));
  const byName = elsewhere.find((e) => e.segments[e.segments.length - 1] === key);
  if (byName) return `; did you mean "${byName.path}"? (${key} belongs under ${byName.segments.slice(0, -1).join('.') || 'the top level'})`;
  const near = closest(key, elsewhere.map((e) => e.segments[e.segments.length - 1]));
  if (near !== undefined) {
    const e = elsewhere.find((x) => x.segments[x.segments.length - 1] === near)!;
    return `; did you mean "${e.path}"?`;
  }
  const known = keysAt(parent);
  return known.length > 0 ? `; known keys here: ${known.join(', ')}` : '';
}

function valueAt(value: unknown, path: ConfigPath): unknown {
  let cur = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}

function show(v: unknown): string {
  const kind = v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'mapping' : typeof v;
  let text = JSON.stringify(v) ?? String(v);
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  return `${text} (${kind})`;
}
