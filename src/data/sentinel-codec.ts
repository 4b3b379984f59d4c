/**
 * Entity-type names that survive the T5 tokenizer round trip.
 *
 * In the Sentinel+Tag target a type name is written as text, tokenized, generated, decoded with
 * special tokens skipped, and split on whitespace. A name breaks that if it
 *  - contains whitespace (it would split into two tags),
 *  - contains characters the T5 SentencePiece vocabulary lacks (`{ } < \ ^ ~` and the backtick
 *    become <unk>, which decoding drops) or that nmt_nfkc normalisation rewrites (full-width and
 *    other compatibility forms, ligatures …),
 *  - contains a special-token string such as `<extra_id_5>` or `</s>`,
 *  - is `I` or `O`, which sBIO reserves for "inside" and "outside",
 *  - starts with punctuation that tokenizer decoders' clean-up glues to the previous tag (" ." → ".").
 *
 * Such names are mapped to an escaped form and back, losslessly and without any table:
 *   plain name  = starts with an ASCII letter or digit, then only letters, digits and SAFE_PUNCT,
 *                 is not I or O, and does not start with the escape prefix `esc.`;
 *   plain names map to themselves (fromloc.city_name, Character_Name, creative-work, reminder/todo, SL:NAME);
 *   any other name maps to `esc.` + its characters, letters/digits kept, every other character
 *   written as `.<hex code point>.` — e.g. `I` → `esc.I`, `time zone` → `esc.time.20.zone`,
 *   `esc.x` → `esc.esc.2e.x`. Because every name in the `esc.` namespace is escaped, the map is a
 *   bijection on all strings, so it needs no dataset-specific table and cannot collide.
 */

/** Punctuation allowed inside a plain name: in the T5 vocabulary, unchanged by nmt_nfkc, not a decode clean-up trigger. */
export const SAFE_PUNCT = '._-/:&+#@=()[]!?,;*%$|';

export const ESCAPE_PREFIX = 'esc.';

const SAFE_PUNCT_CLASS = SAFE_PUNCT.replace(/[-\]\\^[]/g, '\\$&');
const PLAIN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9${SAFE_PUNCT_CLASS}]*$`);
const ALNUM = /^[A-Za-z0-9]$/;

export interface TagCodec {
  /** Entity type → the name written in targets. */
  encode(type: string): string;
  /** A name read from decoded output → the entity type (names outside the escaped form pass through). */
  decode(name: string): string;
}

/** Whether a type name can be written as-is. */
export function isPlainTagName(type: string): boolean {
  return PLAIN.test(type) && type !== 'I' && type !== 'O' && !type.startsWith(ESCAPE_PREFIX);
}

function escapeType(type: string): string {
  let body = '';
  for (const ch of type) body += ALNUM.test(ch) ? ch : `.${ch.codePointAt(0)!.toString(16)}.`;
  return ESCAPE_PREFIX + body;
}

/** Inverse of escapeType; null when `body` is not a well-formed escape (e.g. a model's garbled output). */
function unescapeBody(body: string): string | null {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const ch = body[i];
    if (ALNUM.test(ch)) {
      out += ch;
      i++;
      continue;
    }
    if (ch !== '.') return null;
    const end = body.indexOf('.', i + 1);
    const hex = end < 0 ? '' : body.slice(i + 1, end);
    if (!/^[0-9a-f]{1,6}$/.test(hex)) return null;
    const cp = parseInt(hex, 16);
    // Only what escapeType produces: a non-alphanumeric, valid Unicode scalar, in canonical (shortest) hex.
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp.toString(16) !== hex) return null;
    const decoded = String.fromCodePoint(cp);
    if (ALNUM.test(decoded)) return null;
    out += decoded;
    i = end + 1;
  }
  return out;
}

/** The escaping codec: identity on plain names, lossless `esc.` form for the rest. */
export const tagCodec: TagCodec = {
  encode: (type) => (isPlainTagName(type) ? type : escapeType(type)),
  decode: (name) => {
    if (!name.startsWith(ESCAPE_PREFIX)) return name;
    return unescapeBody(name.slice(ESCAPE_PREFIX.length)) ?? name;
  },
};

export interface TagCodecReport extends TagCodec {
  /** The types of `allTypes` that are renamed, with their written names (empty for ordinary datasets). */
  renamed: ReadonlyMap<string, string>;
}

/**
 * The codec for a label inventory: the same bijection as `tagCodec`, plus which of these types it
 * renames (to log, so a user sees e.g. `I → esc.I` in the run's log).
 */
export function makeTagCodec(allTypes: Iterable<string>): TagCodecReport {
  const renamed = new Map<string, string>();
  for (const type of allTypes) {
    const name = tagCodec.encode(type);
    if (name !== type) renamed.set(type, name);
    // A bug here would corrupt every label silently; fail loudly instead.
    if (tagCodec.decode(name) !== type) throw new Error(`tag codec is not lossless for ${JSON.stringify(type)}`);
  }
  return { encode: tagCodec.encode, decode: tagCodec.decode, renamed };
}

/** The entity types that occur in IOB2 tag sequences (`B-X` / `I-X` → `X`), in first-seen order. */
export function entityTypes(tagLists: Iterable<readonly string[]>): string[] {
  const seen = new Set<string>();
  for (const tags of tagLists) {
    for (const tag of tags) {
      if (tag.length > 2 && (tag.startsWith('B-') || tag.startsWith('I-'))) seen.add(tag.slice(2));
    }
  }
  return [...seen];
}
