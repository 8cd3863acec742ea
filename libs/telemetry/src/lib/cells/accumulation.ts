/**
 * What a metric cell adds up: a sum, or an explicit-bucket histogram — the two aggregations of
 * @opentelemetry/sdk-metrics the fast path covers, with the same arithmetic (a monotonic sum
 * ignores negative values; a histogram ignores NaN, counts a value in the first bucket whose
 * boundary is not below it, keeps min and max when asked). Pure data and functions: merging is
 * how a collection moves what was recorded into each reader's running totals.
 */

export interface SumAccumulation {
  kind: 'sum';
  value: number;
}

export interface HistogramAccumulation {
  kind: 'histogram';
  count: number;
  sum: number;
  min: number;
  max: number;
  /** One more than the boundaries: the last counts values above every boundary. */
  readonly counts: number[];
}

export type Accumulation = SumAccumulation | HistogramAccumulation;

/** How values are added up: the stream's aggregation, resolved. */
export type AggregationSpec =
  | { readonly kind: 'sum'; readonly monotonic: boolean }
  | {
      readonly kind: 'histogram';
      readonly boundaries: readonly number[];
      readonly recordMinMax: boolean;
    }
  | { readonly kind: 'drop' };

/** The index of the first boundary not below `value` (the SDK's binarySearchUB). Pure. */
export function bucketOf(boundaries: readonly number[], value: number): number {
  let lo = 0;
  let hi = boundaries.length - 1;
  let found = boundaries.length;
  while (hi >= lo) {
    const mid = lo + Math.trunc((hi - lo) / 2);
    if ((boundaries[mid] as number) < value) lo = mid + 1;
    else {
      found = mid;
      hi = mid - 1;
    }
  }
  return found;
}

export function emptyAccumulation(
  spec: Exclude<AggregationSpec, { kind: 'drop' }>,
): Accumulation {
  return spec.kind === 'sum'
    ? { kind: 'sum', value: 0 }
    : {
        kind: 'histogram',
        count: 0,
        sum: 0,
        min: Infinity,
        max: -Infinity,
        counts: new Array<number>(spec.boundaries.length + 1).fill(0),
      };
}

/** One histogram measurement (the SDK's HistogramAccumulation.record). */
export function recordHistogram(
  into: HistogramAccumulation,
  boundaries: readonly number[],
  recordMinMax: boolean,
  value: number,
): void {
  if (Number.isNaN(value)) return;
  into.count += 1;
  into.sum += value;
  if (recordMinMax) {
    if (value < into.min) into.min = value;
    if (value > into.max) into.max = value;
  }
  (into.counts[bucketOf(boundaries, value)] as number) += 1;
}

/** Adds `from` into `into` (same aggregation). */
export function mergeInto(into: Accumulation, from: Accumulation): void {
  if (into.kind === 'sum') {
    into.value += (from as SumAccumulation).value;
    return;
  }
  const h = from as HistogramAccumulation;
  into.count += h.count;
  into.sum += h.sum;
  if (h.min < into.min) into.min = h.min;
  if (h.max > into.max) into.max = h.max;
  for (let i = 0; i < into.counts.length; i++)
    (into.counts[i] as number) += h.counts[i] as number;
}

/** Back to empty, keeping the arrays. */
export function clear(accumulation: Accumulation): void {
  if (accumulation.kind === 'sum') {
    accumulation.value = 0;
    return;
  }
  accumulation.count = 0;
  accumulation.sum = 0;
  accumulation.min = Infinity;
  accumulation.max = -Infinity;
  accumulation.counts.fill(0);
}

/** A copy, for a data point that must not change when recording goes on. */
export function copyOf(accumulation: Accumulation): Accumulation {
  return accumulation.kind === 'sum'
    ? { ...accumulation }
    : { ...accumulation, counts: [...accumulation.counts] };
}
