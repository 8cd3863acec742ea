import {
  bucketOf,
  clear,
  copyOf,
  emptyAccumulation,
  mergeInto,
  recordHistogram,
  type HistogramAccumulation,
} from './accumulation.js';

describe('accumulations', () => {
  const boundaries = [0, 5, 10];

  it('counts a value in the first bucket whose boundary is not below it', () => {
    expect(
      [-1, 0, 0.1, 5, 5.5, 10, 11, Infinity].map((v) =>
        bucketOf(boundaries, v),
      ),
    ).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(bucketOf([], 3)).toBe(0);
  });

  it('records a histogram, ignoring NaN, with min and max only when asked', () => {
    const h = emptyAccumulation({
      kind: 'histogram',
      boundaries,
      recordMinMax: true,
    }) as HistogramAccumulation;
    for (const v of [3, 7, NaN, 12, 0]) recordHistogram(h, boundaries, true, v);
    expect(h).toEqual({
      kind: 'histogram',
      count: 4,
      sum: 22,
      min: 0,
      max: 12,
      counts: [1, 1, 1, 1],
    });
    const noMinMax = emptyAccumulation({
      kind: 'histogram',
      boundaries,
      recordMinMax: false,
    }) as HistogramAccumulation;
    recordHistogram(noMinMax, boundaries, false, 4);
    expect([noMinMax.min, noMinMax.max]).toEqual([Infinity, -Infinity]);
  });

  it('merges, copies and clears', () => {
    const a = emptyAccumulation({
      kind: 'histogram',
      boundaries,
      recordMinMax: true,
    }) as HistogramAccumulation;
    const b = emptyAccumulation({
      kind: 'histogram',
      boundaries,
      recordMinMax: true,
    }) as HistogramAccumulation;
    recordHistogram(a, boundaries, true, 1);
    recordHistogram(b, boundaries, true, 20);
    mergeInto(a, b);
    expect(a).toEqual({
      kind: 'histogram',
      count: 2,
      sum: 21,
      min: 1,
      max: 20,
      counts: [0, 1, 0, 1],
    });
    const copy = copyOf(a) as HistogramAccumulation;
    clear(a);
    expect(a).toEqual({
      kind: 'histogram',
      count: 0,
      sum: 0,
      min: Infinity,
      max: -Infinity,
      counts: [0, 0, 0, 0],
    });
    expect(copy.count).toBe(2);
    const sum = emptyAccumulation({ kind: 'sum', monotonic: true });
    mergeInto(sum, { kind: 'sum', value: 5 });
    mergeInto(sum, { kind: 'sum', value: 2 });
    expect(sum).toEqual({ kind: 'sum', value: 7 });
  });
});
