/**
 * conlleval.pl (CoNLL shared tasks, version 2004-01-26): its chunk counting and its report. seqeval's
 * default mode was modelled on it but differs in corners, and a drop-in must print conlleval's numbers:
 * - the tag is split at the FIRST '-' into prefix and type, and a tag without '-' has the empty type,
 *   so an unprefixed tag such as 'PER' never forms a chunk (seqeval reads it as P + 'ER');
 * - there are no S- rules, so 'S-PER S-PER' is one chunk (seqeval: two);
 * - accuracy compares (prefix, type) pairs, and a type of '0' counts as empty (Perl's truthiness);
 * - a sentence break acts as an 'O' 'O' line, and a chunk still open at the end of input counts as correct.
 */
import { compareCodePoints, formatFixed } from './seqeval-format.js';

export interface ConllevalTypeCounts {
  /** Chunks in the gold column (conlleval's foundCorrect). */
  gold: number;
  /** Chunks in the predicted column (foundGuessed). */
  pred: number;
  /** Chunks right in both span and type (correctChunk). */
  correct: number;
}

export interface ConllevalCounts extends ConllevalTypeCounts {
  tokens: number;
  /** Tokens whose predicted tag equals the gold tag (correctTags). */
  correctTags: number;
  /** Per type; a type is listed once for every column it was found in, as conlleval prints it. */
  types: string[];
  perType: Map<string, ConllevalTypeCounts>;
}

/** conlleval's split: /^([^-]*)-(.*)$/, else the whole tag with the empty type; type '0' is falsy in Perl. */
function splitTag(tag: string): [string, string] {
  const dash = tag.indexOf('-');
  if (dash < 0) return [tag, ''];
  const type = tag.slice(dash + 1);
  return [tag.slice(0, dash), type === '0' ? '' : type];
}

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'O')) return true;
  if (prevTag === 'E' && (tag === 'E' || tag === 'I' || tag === 'O')) return true;
  if (prevTag !== 'O' && prevTag !== '.' && prevType !== type) return true;
  return prevTag === ']' || prevTag === '['; // bracket chunks have length 1
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if ((prevTag === 'B' || prevTag === 'I' || prevTag === 'O') && tag === 'B') return true;
  if (prevTag === 'O' && (tag === 'I' || tag === 'E')) return true;
  if (prevTag === 'E' && (tag === 'E' || tag === 'I')) return true;
  if (tag !== 'O' && tag !== '.' && prevType !== type) return true;
  return tag === '[' || tag === ']';
}

/** Counts conlleval makes on sentences of gold and predicted tags (a break between sentences). */
export function conllevalCounts(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]): ConllevalCounts {
  const perType = new Map<string, ConllevalTypeCounts>();
  const bump = (type: string, field: keyof ConllevalTypeCounts) => {
    let c = perType.get(type);
    if (!c) perType.set(type, (c = { gold: 0, pred: 0, correct: 0 }));
    c[field]++;
  };
  const goldTypes: string[] = []; // first-seen order does not matter: conlleval sorts
  const predTypes: string[] = [];
  const out = { tokens: 0, correctTags: 0, gold: 0, pred: 0, correct: 0 };
  let inCorrect = false;
  let lastCorrect = 'O';
  let lastCorrectType = '';
  let lastGuessed = 'O';
  let lastGuessedType = '';

  const line = (goldTag: string, predTag: string, boundary: boolean) => {
    const [correct, correctType] = splitTag(goldTag);
    const [guessed, guessedType] = boundary ? ['O', ''] : splitTag(predTag);
    const endC = endOfChunk(lastCorrect, correct, lastCorrectType, correctType);
    const endG = endOfChunk(lastGuessed, guessed, lastGuessedType, guessedType);
    const startC = startOfChunk(lastCorrect, correct, lastCorrectType, correctType);
    const startG = startOfChunk(lastGuessed, guessed, lastGuessedType, guessedType);
    if (inCorrect) {
      if (endC && endG && lastGuessedType === lastCorrectType) {
        inCorrect = false;
        out.correct++;
        bump(lastCorrectType, 'correct');
      } else if (endC !== endG || guessedType !== correctType) {
        inCorrect = false;
      }
    }
    if (startC && startG && guessedType === correctType) inCorrect = true;
    if (startC) {
      out.gold++;
      if (!perType.get(correctType)?.gold) goldTypes.push(correctType);
      bump(correctType, 'gold');
    }
    if (startG) {
      out.pred++;
      if (!perType.get(guessedType)?.pred) predTypes.push(guessedType);
      bump(guessedType, 'pred');
    }
    if (!boundary) {
      if (correct === guessed && guessedType === correctType) out.correctTags++;
      out.tokens++;
    }
    lastCorrect = correct;
    lastGuessed = guessed;
    lastCorrectType = correctType;
    lastGuessedType = guessedType;
  };

  gold.forEach((g, s) => {
    if (s > 0) line('O', 'O', true); // the blank line between sentences
    const p = pred[s] as readonly string[];
    g.forEach((tag, i) => line(tag, p[i] as string, false));
  });
  if (inCorrect) {
    out.correct++;
    bump(lastCorrectType, 'correct');
  }

  // conlleval sorts the gold keys and predicted keys together and drops a repeat only when the
  // previous name is true in Perl, so the empty type (false) is printed once per column it occurs in.
  const types: string[] = [];
  let last: string | undefined;
  for (const t of [...goldTypes, ...predTypes].sort(compareCodePoints)) {
    if (!last || last !== t) types.push(t);
    last = t;
  }
  return { ...out, types, perType };
}

const pct = (x: number) => formatFixed(x, 2).padStart(6);

/** Perl's printf "%17s" pads by bytes (conlleval reads its input as bytes). */
function padBytes(s: string, width: number): string {
  const len = Buffer.byteLength(s, 'utf8');
  return len >= width ? s : ' '.repeat(width - len) + s;
}

/** conlleval's report: the processed/found/correct header, the overall line, one line per type. */
export function formatConlleval(c: ConllevalCounts): string {
  const precision = c.pred > 0 ? (100 * c.correct) / c.pred : 0;
  const recall = c.gold > 0 ? (100 * c.correct) / c.gold : 0;
  const fb1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  let s = `processed ${c.tokens} tokens with ${c.gold} phrases; found: ${c.pred} phrases; correct: ${c.correct}.\n`;
  if (c.tokens > 0) {
    s += `accuracy: ${pct((100 * c.correctTags) / c.tokens)}%; precision: ${pct(precision)}%; recall: ${pct(recall)}%; FB1: ${pct(fb1)}\n`;
  }
  for (const type of c.types) {
    const t = c.perType.get(type) ?? { gold: 0, pred: 0, correct: 0 };
    const p = t.pred ? (100 * t.correct) / t.pred : 0;
    const r = t.gold ? (100 * t.correct) / t.gold : 0;
    const f = p + r === 0 ? 0 : (2 * p * r) / (p + r);
    s += `${padBytes(type, 17)}: precision: ${pct(p)}%; recall: ${pct(r)}%; FB1: ${pct(f)}  ${t.pred}\n`;
  }
  return s;
}
