/**
 * The config schema as data: every key path with its type, default and description. It feeds the
 * "expected …" and "did you mean …" parts of error messages and the README's config reference.
 * It reads zod's JSON Schema export, which carries the defaults and `.describe()` texts.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';
import type { ConfigPath } from './origins.js';

/** The subset of JSON Schema that zod emits for our schema. */
export interface JsonSchemaNode {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  minItems?: number;
}

let cached: JsonSchemaNode | undefined;

export function configJsonSchema(): JsonSchemaNode {
  cached ??= z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  return cached;
}

/** The schema node at a config path (list indices step into `items`), or undefined if the path is not in the schema. */
export function schemaNodeAt(path: ConfigPath): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = configJsonSchema();
  for (const seg of path) {
    if (!node) return undefined;
    if (node.type === 'array' && (typeof seg === 'number' || /^\d+$/.test(seg))) node = node.items;
    else if (node.type === 'object') node = node.properties?.[String(seg)];
    else return undefined;
  }
  return node;
}

/** The keys an object at `path` may have (empty when `path` is not an object in the schema). */
export function keysAt(path: ConfigPath): string[] {
  return Object.keys(schemaNodeAt(path)?.properties ?? {});
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A short human description of what a node accepts: `integer > 0`, `one of "sum" | "mean"`, `list of …`. */
export function describeType(node: JsonSchemaNode | undefined): string {
  if (!node) return 'nothing (this key does not exist)';
  if (node.enum) return `one of ${node.enum.map((v) => JSON.stringify(v)).join(' | ')}`;
  switch (node.type) {
    case 'integer':
    case 'number': {
      const bounds: string[] = [];
      if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
      if (node.minimum !== undefined && node.minimum > -MAX_SAFE) bounds.push(`≥ ${node.minimum}`);
      if (node.exclusiveMaximum !== undefined) bounds.push(`< ${node.exclusiveMaximum}`);
      if (node.maximum !== undefined && node.maximum < MAX_SAFE) bounds.push(`≤ ${node.maximum}`);
      return [node.type, bounds.join(' and ')].filter(Boolean).join(' ');
    }
    case 'string':
      return node.minLength ? 'non-empty string' : 'string';
    case 'boolean':
      return 'boolean (true or false)';
    case 'array':
      return node.items?.enum
        ? `${node.minItems ? 'non-empty ' : ''}list, each ${describeType(node.items)}`
        : `${node.minItems ? 'non-empty ' : ''}list of ${node.items?.type === 'object' ? 'mappings' : describeType(node.items)}`;
    case 'object':
      return 'mapping';
    default:
      return 'value';
  }
}

export interface SchemaEntry {
  /** Dotted key path; list items are written `[]` (data.tasks[].name). */
  path: string;
  segments: string[];
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
  /** True for mappings (sections), whose keys are listed separately. */
  section: boolean;
}

/** Every key of the schema, depth first in declaration order. */
export function schemaEntries(): SchemaEntry[] {
  const out: SchemaEntry[] = [];
  const walk = (node: JsonSchemaNode, segments: string[], label: string) => {
    const props = node.properties ?? {};
    for (const [key, child] of Object.entries(props)) {
      const segs = [...segments, key];
      const path = label ? `${label}.${key}` : key;
      const isList = child.type === 'array' && child.items?.type === 'object';
      out.push({
        path,
        segments: segs,
        type: isList ? 'list of mappings' : describeType(child),
        required: (node.required ?? []).includes(key),
        default: child.default,
        description: child.description ?? '',
        section: child.type === 'object' || isList,
      });
      if (child.type === 'object') walk(child, segs, path);
      else if (isList && child.items) walk(child.items, [...segs, '[]'], `${path}[]`);
    }
  };
  walk(configJsonSchema(), [], '');
  return out;
}
