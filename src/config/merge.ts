/**
 * `extends` semantics: a config is its base deep-merged with its own keys. Mappings merge key by
 * key, anything else (lists included) is replaced whole, and `key: null` removes what the base set
 * (e.g. drop the base's model.checkpoint to use model.random_init). Origins follow the values.
 */
import { copyOrigins, dropOrigins, pathKey, type ConfigPath, type Origin, type OriginMap } from './origins.js';
import type { Layer } from './yaml-source.js';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How a merge records where merged values came from. */
interface OriginPolicy {
  /** `path` now holds (a copy of) the source's value there, or was removed. */
  replaced(path: ConfigPath, removed: boolean): void;
  /** The source's mapping at `path` is being merged into the target's. */
  entered(path: ConfigPath, created: boolean): void;
}

/** Deep-merges `src` into `target` in place (mappings merge, the rest replaces, null removes). */
export function mergeInto(target: Record<string, unknown>, src: Record<string, unknown>, path: ConfigPath, policy: OriginPolicy): void {
  for (const [key, v] of Object.entries(src)) {
    const p = [...path, key];
    if (v === null) {
      delete target[key];
      policy.replaced(p, true);
    } else if (isPlainObject(v)) {
      const created = !isPlainObject(target[key]);
      if (created) target[key] = {};
      policy.entered(p, created);
      mergeInto(target[key] as Record<string, unknown>, v, p, policy);
    } else {
      target[key] = structuredClone(v);
      policy.replaced(p, false);
    }
  }
}

/** `top` merged over `base`; neither input is modified. */
export function mergeLayers(base: Layer, top: Layer): Layer {
  const value = structuredClone(base.value);
  const origins = new Map(base.origins);
  const rootOrigin = top.origins.get(pathKey([]));
  if (rootOrigin) origins.set(pathKey([]), rootOrigin);
  mergeInto(value, top.value, [], {
    replaced(p, removed) {
      dropOrigins(origins, p, true);
      // A removed key keeps the origin of its `key: null` line, so a now-missing required key points at it.
      if (removed) {
        const own = top.origins.get(pathKey(p));
        if (own) origins.set(pathKey(p), own);
      } else copyOrigins(origins, top.origins, p);
    },
    entered(p, created) {
      if (created) dropOrigins(origins, p, true);
      const own = top.origins.get(pathKey(p));
      if (own) origins.set(pathKey(p), own);
    },
  });
  return { value, origins };
}

/** Merges an override's mapping value into the mapping at `path`; what it sets is attributed to `origin`. */
export function mergeOverride(target: Record<string, unknown>, src: Record<string, unknown>, path: ConfigPath, origins: OriginMap, origin: Origin): void {
  mergeInto(target, src, path, {
    replaced(p) {
      dropOrigins(origins, p, true);
      origins.set(pathKey(p), origin);
    },
    entered(p, created) {
      if (created) {
        dropOrigins(origins, p, true);
        origins.set(pathKey(p), origin);
      }
    },
  });
}
