/**
 * Per-token tags (a task with `metric: accuracy`: part of speech, morphology) are not spans, but
 * they ride the span pipeline unchanged: every tag T becomes a one-token entity `B-T`. The
 * Sentinel+Tag target then holds T itself (sBIO writes `B-T` as `T`, through the same lossless
 * codec that escapes names the tokenizer cannot write, e.g. `.` or `O`), the tokenizer builder
 * gives T its own id, and training needs nothing else. Evaluation unwraps the tags again and
 * scores token accuracy (eval/accuracy.ts) instead of seqeval.
 */

/** Per-token tags → one-token entities: `NN` → `B-NN`. */
export function asOneTokenEntities(tags: readonly string[]): string[] {
  return tags.map((t) => `B-${t}`);
}

/**
 * One-token entities → the tags as written: `B-T` → `T`. A decoded `I-X` (the model wrote sBIO's
 * "inside" marker `I`) and `O` (it wrote `O`, or nothing: alignment pads with O) stay the text the
 * model produced, `I` and `O`, which match a gold tag only if the tag set has them.
 */
export function fromOneTokenEntities(tags: readonly string[]): string[] {
  return tags.map((t) => (t.startsWith('B-') ? t.slice(2) : t.startsWith('I-') ? 'I' : t));
}
