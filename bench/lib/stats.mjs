// @ts-check
/** Order statistics for the bench: medians of runs, percentiles of latencies. */

/**
 * The q-quantile (0..1) of some numbers, by nearest rank on a sorted copy; NaN when there are none.
 * @param {ArrayLike<number>} values
 * @param {number} q
 */
export function quantile(values, q) {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/**
 * The median (the mean of the two middle values for an even count); NaN when there are none.
 * @param {ArrayLike<number>} values
 */
export function median(values) {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return NaN;
  const mid = n >> 1;
  return n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A number rounded to `digits` decimals, for JSON that people read.
 * @param {number} value
 * @param {number} [digits]
 */
export function round(value, digits = 1) {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
