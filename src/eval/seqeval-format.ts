/**
 * Small text helpers that make our output byte-identical to Python's (seqeval) and Perl's
 * (conlleval.pl) formatting, where JavaScript's built-ins differ.
 */

/**
 * `x` with `digits` decimals, rounded the way C's printf("%.*f") and Python's format(x, '.Nf') round:
 * to nearest on the exact binary value, ties to even. Number#toFixed breaks ties upwards
 * ((0.125).toFixed(2) is "0.13", Python gives "0.12"), and seqeval's 1/8 precision is such a tie.
 * Non-finite values print as Python prints them ('nan', 'inf', '-inf').
 */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Math.abs(x) >= 1e21) return x.toFixed(digits); // never a score; toFixed gives exponent form here anyway
  const negative = x < 0 || Object.is(x, -0);
  // toFixed(100) is the exact decimal expansion of every double this far from zero that can matter:
  // a double >= 2^-47 has at most 100 binary (hence decimal) fraction digits.
  const exact = Math.abs(x).toFixed(100);
  const [intPart, frac] = exact.split('.') as [string, string];
  const kept = frac.slice(0, digits);
  const rest = frac.slice(digits);
  let n = BigInt(intPart + kept);
  const first = rest.charCodeAt(0) - 48;
  const tailNonZero = /[1-9]/.test(rest.slice(1));
  if (first > 5 || (first === 5 && (tailNonZero || n % 2n === 1n))) n += 1n;
  let s = n.toString().padStart(digits + 1, '0');
  if (digits > 0) s = `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  return negative ? `-${s}` : s;
}

/** Python's sorted() order for str: by Unicode code point (JS's default sort compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done === cb.done ? 0 : ca.done ? -1 : 1;
    const d = (ca.value.codePointAt(0) as number) - (cb.value.codePointAt(0) as number);
    if (d !== 0) return d;
  }
}

/** Python's len() of a str: code points. */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Python's '{:>{width}}'.format(s): right-aligned, padded by code points, never truncated. */
export function padLeft(s: string, width: number): string {
  const len = pyLen(s);
  return len >= width ? s : ' '.repeat(width - len) + s;
}

/** Python's repr() of a str, as it appears in a KeyError message. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return quote + out + quote;
}

/** The first code point of a tag and the rest (Python's s[0] and s[1:]). */
export function splitFirst(s: string): [string, string] {
  const cp = s.codePointAt(0);
  if (cp === undefined) throw new RangeError('empty tag: every tag needs at least one character (e.g. "O")');
  const first = String.fromCodePoint(cp);
  return [first, s.slice(first.length)];
}
