/**
 * seqeval's default (conlleval-compatible) entity extraction, `seqeval.metrics.sequence_labeling.get_entities`.
 *
 * Its quirks are the point, so they are kept as seqeval has them:
 * - the sentences are joined into one sequence with an 'O' after each one (and one more 'O' at the
 *   end), so an entity never spans a sentence break and offsets count those separators;
 * - the prefix is the first character and the type is everything after the first '-' of the rest
 *   ('B-a-b' → B, 'a-b'; 'PER' → P, 'ER'; 'B' → B, '_'), with '_' for an empty type;
 * - any prefix starts a chunk when the type changes (so `I-X` after `O` or after `B-Y` opens one),
 *   E/S close chunks, and '.' is treated like 'O' for the type-change rules (as in conlleval).
 */
import { splitFirst } from './seqeval-format.js';

/** [type, first, last]: inclusive token offsets in the joined sequence, as seqeval returns them. */
export type DefaultEntity = [type: string, start: number, end: number];

/** Prefix (first character) and type of a tag, as seqeval's get_entities reads them. */
export function splitDefaultTag(tag: string): [prefix: string, type: string] {
  const [prefix, rest] = splitFirst(tag);
  const dash = rest.indexOf('-');
  const type = dash < 0 ? rest : rest.slice(dash + 1);
  return [prefix, type || '_'];
}

/** Does a chunk end between the previous tag and this one? */
export function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

/** Does a chunk start between the previous tag and this one? */
export function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/** Entities of the sentences joined seqeval's way (see the file comment). */
export function getEntitiesDefault(sentences: readonly (readonly string[])[]): DefaultEntity[] {
  const entities: DefaultEntity[] = [];
  let prevTag = 'O';
  let prevType = '';
  let begin = 0;
  let i = 0;
  const step = (chunk: string) => {
    const [tag, type] = splitDefaultTag(chunk);
    if (endOfChunk(prevTag, tag, prevType, type)) entities.push([prevType, begin, i - 1]);
    if (startOfChunk(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
    i++;
  };
  for (const sentence of sentences) {
    for (const chunk of sentence) step(chunk);
    step('O'); // seqeval's separator after every sentence
  }
  step('O'); // and the final 'O' that flushes the last chunk
  return entities;
}
