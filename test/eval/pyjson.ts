/**
 * Test helpers for the seqeval fixtures, which Python's json module wrote: it writes NaN (a macro
 * average over no types) as a bare `NaN`, which JSON.parse rejects. We read NaN as NaN, and compare
 * it with the `null` our JSON output prints for it.
 */
import assert from 'node:assert/strict';

/** JSON.parse that also accepts Python's NaN / Infinity / -Infinity outside strings. */
export function parsePythonJson(text: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    const rest = text.slice(i, i + 9);
    const m = /^(NaN|-Infinity|Infinity)/.exec(rest);
    if (m) {
      out += `{"$py":"${m[1]}"}`;
      i += (m[1] as string).length - 1;
      continue;
    }
    out += ch;
  }
  return JSON.parse(out, (_k, v) =>
    v && typeof v === 'object' && '$py' in v ? { NaN, Infinity, '-Infinity': -Infinity }[(v as { $py: string }).$py] : v,
  );
}

/**
 * Deep comparison of our output with seqeval's: same keys, equal strings, numbers within `tol`
 * (NaN expected ⇔ NaN or null actual).
 */
export function assertClose(actual: unknown, expected: unknown, tol: number, path = '$'): void {
  if (typeof expected === 'number') {
    if (Number.isNaN(expected)) {
      assert.ok(actual === null || Number.isNaN(actual), `${path}: expected NaN, got ${String(actual)}`);
      return;
    }
    assert.equal(typeof actual, 'number', `${path}: expected a number ${expected}, got ${JSON.stringify(actual)}`);
    assert.ok(Math.abs((actual as number) - expected) <= tol, `${path}: expected ${expected}, got ${String(actual)}`);
    return;
  }
  if (expected && typeof expected === 'object') {
    assert.ok(actual && typeof actual === 'object', `${path}: expected an object, got ${JSON.stringify(actual)}`);
    const ek = Object.keys(expected).sort();
    const ak = Object.keys(actual as object).sort();
    assert.deepEqual(ak, ek, `${path}: keys differ`);
    for (const k of ek) {
      assertClose((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], tol, `${path}.${k}`);
    }
    return;
  }
  assert.equal(actual, expected, `${path}: differs`);
}
