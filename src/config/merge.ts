/**
 * `extends` semantics: a config is its base deep-merged with its own keys. Mappings merge key by
 * key, anything else (lists included) is replaced whole, and `key: null` removes what the base set
 * (e.g. drop the base's model.checkpoint to use model.random_init). Origins follow the values.
 */
import { copyOrigins, dropOrigins, pathKey, type ConfigPath } from './origins.js';
import type { Layer } from './yaml-source.js';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `top` merged over `base`; neither input is modified. */
export function mergeLayers(base: Layer, top: Layer): Layer {
  const value = structuredClone(base.value);
  const origins = new Map(base.origins);
  const rootOrigin = top.origins.get(pathKey([]));
  if (rootOrigin) origins.set(pathKey([]), rootOrigin);
  mergeInto(value, top.value, [], origins, top);
  return { value, origins };
}

function mergeInto(target: Record<string, unknown>, src: Record<string, unknown>, path: ConfigPath, origins: Layer['origins'], top: Layer): void {
  for (const [key, v] of Object.entries(src)) {
    const p = [...path, key];
    const own = top.origins.get(pathKey(p));
    if (v === null) {
      // Unset: keep the origin of the `key: null` line so a now-missing required key points at it.
      delete target[key];
      dropOrigins(origins, p, true);
      if (own) origins.set(pathKey(p), own);
    } else if (isPlainObject(v)) {
      if (!isPlainObject(target[key])) {
        target[key] = {};
        dropOrigins(origins, p, true);
      }
      if (own) origins.set(pathKey(p), own);
      mergeInto(target[key] as Record<string, unknown>, v, p, origins, top);
    } else {
      target[key] = structuredClone(v);
      dropOrigins(origins, p, true);
      copyOrigins(origins, top.origins, p);
    }
  }
}
