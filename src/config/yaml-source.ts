/**
 * Reads one YAML config file into a plain object plus the line:column of every key and list item
 * (yaml keeps node ranges; a LineCounter turns offsets into positions).
 */
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import { pathKey, type ConfigPath, type Origin, type OriginMap } from './origins.js';
import type { Problem } from './problems.js';

export interface Layer {
  /** The config object this source sets (nulls kept: merging treats them as "unset"). */
  value: Record<string, unknown>;
  origins: OriginMap;
}

export type ParsedYaml = { ok: true; layer: Layer } | { ok: false; problems: Problem[] };

export function parseYamlConfig(file: string, text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { kind: 'file' as const, file, line, col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: [],
        origin: at(e.pos[0]),
        // yaml's message ends with "at line L, column C:" and a snippet; we print the position ourselves.
        message: `YAML syntax error: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    };
  }
  const origins: OriginMap = new Map();
  const root = doc.contents as Node | null;
  origins.set(pathKey([]), root?.range ? at(root.range[0]) : { kind: 'file', file, line: 1, col: 1 });
  if (root === null || (isScalar(root) && root.value === null)) return { ok: true, layer: { value: {}, origins } };
  if (!isMap(root)) {
    return {
      ok: false,
      problems: [{ path: [], origin: at(root.range?.[0] ?? 0), message: 'expected a mapping of sections (experiment:, model:, data:, …) at the top level' }],
    };
  }
  recordOrigins(root, [], origins, at);
  const value = doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>;
  return { ok: true, layer: { value, origins } };
}

/** Records where each key (its key token) and each list item starts. */
function recordOrigins(node: Node, path: ConfigPath, origins: OriginMap, at: (offset: number) => Origin): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const p = [...path, key];
      const start = keyNode?.range?.[0];
      if (start !== undefined) origins.set(pathKey(p), at(start));
      if (pair.value) recordOrigins(pair.value as Node, p, origins, at);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const p = [...path, i];
      const n = item as Node;
      if (n?.range) origins.set(pathKey(p), at(n.range[0]));
      if (n) recordOrigins(n, p, origins, at);
    });
  }
}
