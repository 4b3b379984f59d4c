/** "Did you mean …?" for misspelt config keys: the closest candidate by edit distance. */

/** Levenshtein distance with adjacent transpositions (so `lrr`/`lr` and `bacth`/`batch` are both 1 apart). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a plausible typo:
 * within max(2, ⌊|word|/3⌋) edits, or one containing the other (`warmup` → `warmup_steps`).
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: { c: string; score: number } | undefined;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = editDistance(w, lc);
    const contains = Math.min(w.length, lc.length) >= 3 && (lc.includes(w) || w.includes(lc));
    if (d > Math.max(2, Math.floor(w.length / 3)) && !contains) continue;
    // A containment match counts as a little worse than one edit, so real typos win ties.
    const score = contains ? Math.min(d, 1.5) : d;
    if (best === undefined || score < best.score) best = { c, score };
  }
  return best?.c;
}
