/**
 * Descriptive statistics for latency samples and per-round throughput. Pure.
 *
 * Percentiles are computed from the raw samples (not autocannon's histogram, which rounds
 * latencies to whole milliseconds — too coarse when a request takes 1–3 ms).
 */

/**
 * The p-th percentile (0 ≤ p ≤ 100) by linear interpolation between the two closest ranks
 * (the "R-7" / spreadsheet definition). Throws on an empty input: a percentile of nothing is a
 * bug in the caller, not a zero.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileOfSorted(sortedCopy(values), p);
}

/** As percentile(), for input already sorted ascending (avoids re-sorting for several p). */
export function percentileOfSorted(
  sorted: ArrayLike<number>,
  p: number,
): number {
  if (!(p >= 0 && p <= 100))
    throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (sorted.length === 0)
    throw new RangeError('percentile of an empty sample');
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const lowerValue = sorted[lower] as number;
  const upperValue = sorted[upper] as number;
  return lowerValue + (upperValue - lowerValue) * (rank - lower);
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function summariseLatencies(values: ArrayLike<number>): LatencySummary {
  const sorted = sortedCopy(values);
  if (sorted.length === 0)
    throw new RangeError('no latency samples to summarise');
  return {
    count: sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1] as number,
    mean: mean(sorted),
  };
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('mean of an empty sample');
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}

export function median(values: ArrayLike<number>): number {
  return percentile(values, 50);
}

/** Joins several sample arrays into one typed array, e.g. the latencies of every round. */
export function concatSamples(
  parts: readonly ArrayLike<number>[],
): Float64Array {
  const total = parts.reduce((n, part) => n + part.length, 0);
  const out = new Float64Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  // Float64Array sorts numerically (a plain array's default sort is lexicographic).
  return Float64Array.from(values).sort();
}
