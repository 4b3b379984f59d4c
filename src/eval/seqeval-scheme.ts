/**
 * seqeval's strict mode (`seqeval.scheme`, `mode='strict'`): an entity counts only when it is
 * well formed under the named tagging scheme, in gold and prediction alike. Each scheme is three
 * sets of (previous prefix, current prefix, type condition) patterns that say where a chunk starts,
 * continues and ends; decoding walks each sentence with those patterns.
 *
 * Failures keep seqeval's exceptions as data: a tag whose first character is no prefix at all is
 * seqeval's `KeyError: 'P'` (raised while reading a sentence), a prefix the scheme does not allow is its
 * `ValueError: Invalid token is found: …` (raised when decoding reaches that tag). Gold is decoded
 * before prediction, sentence by sentence, so the first error is the one seqeval would raise.
 */
import { HyperloaderError } from '../errors.js';
import { pyRepr, splitFirst } from './seqeval-format.js';

export const SCHEMES = ['IOB1', 'IOB2', 'IOE1', 'IOE2', 'IOBES', 'BILOU'] as const;
export type Scheme = (typeof SCHEMES)[number];

/** seqeval's Prefix flag members, in their definition (= bit) order. */
const PREFIX_ORDER = ['I', 'O', 'B', 'E', 'S', 'U', 'L'] as const;
type Prefix = (typeof PREFIX_ORDER)[number];

/**
 * A pattern is three characters: previous prefix, current prefix ('*' = any), and the type
 * condition ('*' any, '=' same type, '!' different type).
 */
interface SchemeRules {
  allowed: readonly Prefix[];
  start: readonly string[];
  inside: readonly string[];
  end: readonly string[];
}

const RULES: Record<Scheme, SchemeRules> = {
  IOB1: {
    allowed: ['I', 'O', 'B'],
    start: ['OI*', 'II!', 'BI*', 'IB=', 'BB='],
    inside: ['BI=', 'II='],
    end: ['II!', 'IO*', 'IB*', 'BO*', 'BI!', 'BB='],
  },
  IOE1: {
    allowed: ['I', 'O', 'E'],
    start: ['OI*', 'II!', 'EI*', 'EE='],
    inside: ['II=', 'IE='],
    end: ['II!', 'IO*', 'IE!', 'EI=', 'EE='],
  },
  IOB2: {
    allowed: ['I', 'O', 'B'],
    start: ['*B*'],
    inside: ['BI=', 'II='],
    end: ['IO*', 'II!', 'IB*', 'BO*', 'BI!', 'BB*'],
  },
  IOE2: {
    allowed: ['I', 'O', 'E'],
    start: ['OI*', 'OE*', 'EI*', 'EE*', 'II!', 'IE!'],
    inside: ['IE=', 'II='],
    end: ['E**'],
  },
  IOBES: {
    allowed: ['I', 'O', 'B', 'E', 'S'],
    start: ['*B*', '*S*'],
    inside: ['BI=', 'BE=', 'II=', 'IE='],
    end: ['S**', 'E**'],
  },
  BILOU: {
    allowed: ['B', 'I', 'L', 'O', 'U'],
    start: ['*B*', '*U*'],
    inside: ['BI=', 'BL=', 'II=', 'IL='],
    end: ['U**', 'L**'],
  },
};

/** A strict-mode entity: sentence index, type, first token, one past the last token (seqeval's tuple). */
export type StrictEntity = [sentence: number, type: string, start: number, end: number];

/** seqeval raised while decoding: `error` is Python's `ExceptionType: message`. */
export class SchemeDecodeError extends HyperloaderError {
  readonly error: string;
  constructor(error: string) {
    super(`strict-mode decoding failed: ${error}`);
    this.name = 'SchemeDecodeError';
    this.error = error;
  }
}

interface Token {
  raw: string;
  prefix: Prefix;
  type: string;
}

/** seqeval's Token: the first character is the prefix, the rest stripped of '-' is the type ('_' if empty). */
function readToken(raw: string): Token {
  const [first, rest] = splitFirst(raw);
  if (!(PREFIX_ORDER as readonly string[]).includes(first)) throw new SchemeDecodeError(`KeyError: ${pyRepr(first)}`);
  return { raw, prefix: first as Prefix, type: rest.replace(/^-+|-+$/g, '') || '_' };
}

const OUTSIDE: Token = { raw: 'O', prefix: 'O', type: '_' };

function matches(patterns: readonly string[], prev: Token, cur: Token): boolean {
  for (const p of patterns) {
    if (p[0] !== '*' && p[0] !== prev.prefix) continue;
    if (p[1] !== '*' && p[1] !== cur.prefix) continue;
    const cond = p[2];
    if (cond === '*' || (cond === '=') === (prev.type === cur.type)) return true;
  }
  return false;
}

/** Python's str() of the allowed Flag combination, as in seqeval's message: members in bit order. */
function allowedText(rules: SchemeRules): string {
  return PREFIX_ORDER.filter((p) => rules.allowed.includes(p)).join('|');
}

function validate(token: Token, rules: SchemeRules): void {
  if (!rules.allowed.includes(token.prefix)) {
    throw new SchemeDecodeError(
      `ValueError: Invalid token is found: ${token.raw}. Allowed prefixes are: ${allowedText(rules)}.`,
    );
  }
}

/** Entities of one sentence under `scheme` (seqeval's Tokens.entities). */
export function sentenceEntities(tags: readonly string[], scheme: Scheme, sentence = 0): StrictEntity[] {
  const rules = RULES[scheme];
  const tokens = [...tags.map(readToken), OUTSIDE]; // every tag is read before any is decoded, as in seqeval
  const entities: StrictEntity[] = [];
  // Follows the chunk from `start` while tokens continue it; returns where it stopped.
  const forward = (start: number, prev: Token): number => {
    for (let j = start; j < tokens.length; j++) {
      if (!matches(rules.inside, prev, tokens[j] as Token)) return j;
      prev = tokens[j] as Token;
    }
    return tokens.length - 2;
  };
  let i = 0;
  let prev = OUTSIDE;
  while (i < tokens.length) {
    const token = tokens[i] as Token;
    validate(token, rules);
    if (matches(rules.start, prev, token)) {
      const end = forward(i + 1, token);
      if (matches(rules.end, tokens[end - 1] as Token, tokens[end] as Token)) entities.push([sentence, token.type, i, end]);
      // The trailing 'O' never starts a chunk in any scheme, so `end` always moves forward.
      i = Math.max(end, i + 1);
    } else {
      i++;
    }
    prev = tokens[i - 1] as Token;
  }
  return entities;
}

/** Entities of every sentence; throws SchemeDecodeError where seqeval raises. */
export function getEntitiesStrict(sentences: readonly (readonly string[])[], scheme: Scheme): StrictEntity[] {
  return sentences.flatMap((tags, s) => sentenceEntities(tags, scheme, s));
}

export function isScheme(s: string): s is Scheme {
  return (SCHEMES as readonly string[]).includes(s);
}
