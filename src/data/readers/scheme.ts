/**
 * Tagging schemes of users' files and their conversion to IOB2, with every repaired tag reported.
 *
 *   IOB1   an entity opens with I-; B- only separates two adjacent entities of one type (CoNLL-2003)
 *   IOB2   every entity opens with B- (what hyperloader trains and seqeval scores)
 *   BIOES  B- begin, I- inside, E- end, S- single-token entity (BILOU's L-/U- are read as E-/S-)
 *
 * Detection (`auto`) looks at every tag of the files together:
 *  - any S-/E-/L-/U- prefix → BIOES;
 *  - some entity opens with I- (after O, another type, or at a sentence start) and no B- ever
 *    follows O or another type → IOB1 (B- only ever separates same-type neighbours);
 *  - otherwise IOB2 (an I- that opens an entity there is a mistake: repaired to B-, and reported).
 */
import type { TagScheme } from '../types.js';
import { dataError } from './text.js';

export type ConcreteScheme = Exclude<TagScheme, 'auto'>;

/** One tag changed on the way to IOB2 that the file's own scheme does not explain. */
export interface Repair {
  file: string;
  line: number;
  from: string;
  to: string;
  why: string;
}

/** Tags of one sentence with the 1-based file line of each (for errors and repair reports). */
export interface TaggedLines {
  tags: string[];
  lines: number[];
}

const PREFIXED = /^([BIESLU])-(\S+)$/;

/** A tag of any supported scheme: O or a one-letter prefix and a type. */
export function isSchemeTag(tag: string): boolean {
  return tag === 'O' || PREFIXED.test(tag);
}

export interface SchemeDetection {
  scheme: ConcreteScheme;
  /** Why, in words, for the user. */
  reason: string;
}

/** The scheme of a set of files' tag sequences (see the header). */
export function detectScheme(sentences: readonly (readonly string[])[]): SchemeDetection {
  let bioes = 0;
  let iOpens = 0;
  let bAfterOther = 0;
  let entities = 0;
  for (const tags of sentences) {
    let prev = 'O';
    for (const t of tags) {
      const m = PREFIXED.exec(t);
      if (m) {
        const [, p, type] = m;
        const continues = prev !== 'O' && prev.slice(2) === type;
        if (p !== 'B' && p !== 'I') bioes++;
        else if (p === 'I' && !continues) iOpens++;
        else if (p === 'B' && !continues) bAfterOther++;
        if (p === 'B' || p === 'S' || p === 'U' || !continues) entities++;
      }
      prev = t;
    }
  }
  if (bioes > 0) return { scheme: 'BIOES', reason: `${bioes} tag(s) with an E-/S- (or L-/U-) prefix` };
  if (iOpens > 0 && bAfterOther === 0) {
    return { scheme: 'IOB1', reason: `${iOpens} entit${iOpens === 1 ? 'y opens' : 'ies open'} with I-, and no B- follows O or another type` };
  }
  if (iOpens > 0) {
    return { scheme: 'IOB2', reason: `${bAfterOther} entities open with B-; ${iOpens} I- tag(s) open an entity and are repaired to B-` };
  }
  return { scheme: 'IOB2', reason: entities === 0 ? 'no entity tags at all (every tag is O)' : 'every entity opens with B-' };
}

/**
 * One sentence's tags in `scheme` → IOB2. Conversions the scheme defines (IOB1's opening I-,
 * BIOES's S-/E-) are silent; anything else that had to change is returned as a repair. A tag that
 * does not belong to the scheme is an error at its line.
 */
export function toIob2(sentence: TaggedLines, scheme: ConcreteScheme, file: string): { tags: string[]; repairs: Repair[] } {
  const out: string[] = [];
  const repairs: Repair[] = [];
  // The type of the entity the previous tag belongs to, and whether that entity is still open
  // (BIOES's E-/S- close it, so an I- right after one opens a new entity).
  let prevType: string | null = null;
  let open = false;
  sentence.tags.forEach((tag, i) => {
    const line = sentence.lines[i] ?? 0;
    if (tag === 'O') {
      out.push('O');
      prevType = null;
      open = false;
      return;
    }
    const m = PREFIXED.exec(tag);
    const allowed = scheme === 'BIOES' ? 'BIESLU' : 'BI';
    if (!m || !allowed.includes(m[1]!)) {
      const expected = scheme === 'BIOES' ? 'O, B-, I-, E-, S- (or L-, U-) and a type' : 'O, B-<type> or I-<type>';
      throw dataError(file, line, `bad tag ${JSON.stringify(tag)} for the ${scheme} scheme (expected ${expected})`, 'fix the tag, or pass the right --scheme (or custom.scheme); check that the token and tag columns are the right way round');
    }
    const p = m[1]!;
    const type = m[2]!;
    let to: string;
    if (p === 'B' || p === 'S' || p === 'U') to = `B-${type}`;
    else if (open && prevType === type) to = `I-${type}`;
    else {
      to = `B-${type}`;
      if (scheme !== 'IOB1') {
        const after =
          prevType === null ? (i === 0 ? 'at the start of a sentence' : 'after O') : prevType === type ? `after the ${type} entity closed by the previous tag` : `after an entity of type ${prevType}`;
        repairs.push({ file, line, from: tag, to, why: `${tag} ${after} opens an entity` });
      }
    }
    out.push(to);
    prevType = type;
    open = !(p === 'S' || p === 'U' || p === 'E' || p === 'L');
  });
  return { tags: out, repairs };
}
