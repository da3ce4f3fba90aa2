/** "Did you mean …?": the nearest word of a vocabulary by edit distance, for messages to people. Pure. */

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The word of `vocabulary` nearest to `written`, if it is near enough to be a slip (at most 2 edits, and fewer than
 * either word's length, so `x` does not suggest `w`); ties go to the earlier word.
 *
 * @example
 * nearest('widht', ['width', 'height']) // → 'width'
 */
export function nearest(written: string, vocabulary: readonly string[]): string | undefined {
  const lower = written.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const word of vocabulary) {
    const distance = editDistance(lower, word);
    if (distance < bestDistance) {
      best = word;
      bestDistance = distance;
    }
  }
  // A case slip (`Width`) is worth saying too: names are case-sensitive.
  return best !== undefined && best !== written && bestDistance <= 2 && bestDistance < Math.min(best.length, lower.length) ? best : undefined;
}
