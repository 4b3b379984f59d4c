/**
 * ATIS / SNIPS in the JointBERT (Goo et al. 2018) layout: `seq.in` holds one whitespace-tokenised
 * utterance per line, `seq.out` the same number of tags on the same line, and the optional `label`
 * file the intent. Also the layout of the bundled demo tasks.
 */
import type { Sentence } from '../types.js';
import { badTagError, dataError, decodeText, fields, isTag, recordLines, type FileInput } from './text.js';

export interface NamedInput {
  input: FileInput;
  /** Shown in errors. */
  file: string;
}

export interface SeqioFiles {
  seqIn: NamedInput;
  seqOut: NamedInput;
  label?: NamedInput;
}

/** `tagsAsIs`: per-token tags (metric: accuracy), not checked as IOB. */
export function readSeqio(files: SeqioFiles, tagsAsIs = false): Sentence[] {
  const inLines = recordLines(decodeText(files.seqIn.input, files.seqIn.file));
  const outLines = recordLines(decodeText(files.seqOut.input, files.seqOut.file));
  const labelLines = files.label ? recordLines(decodeText(files.label.input, files.label.file)) : undefined;
  if (inLines.length !== outLines.length) {
    throw dataError(
      files.seqOut.file,
      Math.min(inLines.length, outLines.length) + 1,
      `${files.seqIn.file} has ${inLines.length} lines but ${files.seqOut.file} has ${outLines.length}`,
      'each utterance needs exactly one line of tags',
    );
  }
  if (labelLines && labelLines.length !== inLines.length) {
    throw dataError(
      files.label!.file,
      Math.min(inLines.length, labelLines.length) + 1,
      `${files.seqIn.file} has ${inLines.length} lines but ${files.label!.file} has ${labelLines.length}`,
      'each utterance needs exactly one intent line',
    );
  }
  const sentences: Sentence[] = [];
  for (let i = 0; i < inLines.length; i++) {
    const tokens = fields(inLines[i]);
    const tags = fields(outLines[i]);
    if (tokens.length === 0) throw dataError(files.seqIn.file, i + 1, 'empty utterance', 'remove the empty line here and the matching lines of the other files');
    if (tags.length !== tokens.length) {
      throw dataError(files.seqOut.file, i + 1, `${tags.length} tag(s) for ${tokens.length} token(s) on line ${i + 1} of ${files.seqIn.file}`, 'give exactly one tag per token');
    }
    if (!tagsAsIs) for (const t of tags) if (!isTag(t)) throw badTagError(files.seqOut.file, i + 1, t);
    const s: Sentence = { tokens, tags };
    if (labelLines) {
      const intent = labelLines[i].trim();
      if (intent === '' || /\s/.test(intent)) throw dataError(files.label!.file, i + 1, `bad intent ${JSON.stringify(labelLines[i])}`, 'write one intent (no spaces) per line');
      s.intent = intent;
    }
    sentences.push(s);
  }
  return sentences;
}
