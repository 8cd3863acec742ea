import {
  concatSamples,
  mean,
  median,
  percentile,
  summariseLatencies,
} from './stats.js';

describe('percentile', () => {
  it('interpolates between the closest ranks', () => {
    const values = [10, 20, 30, 40, 50];
    expect(percentile(values, 0)).toBe(10);
    expect(percentile(values, 50)).toBe(30);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile(values, 25)).toBe(20);
    expect(percentile(values, 90)).toBeCloseTo(46);
    expect(percentile([1, 2], 50)).toBe(1.5);
  });

  it('sorts numerically, not lexicographically, and leaves the input alone', () => {
    const values = [100, 9, 25, 3];
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(3);
    expect(values).toEqual([100, 9, 25, 3]);
  });

  it('gives the tail value for p99 of 1..100', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBeCloseTo(99.01);
  });

  it('rejects empty samples and out-of-range p', () => {
    expect(() => percentile([], 50)).toThrow(/empty/);
    expect(() => percentile([1], 101)).toThrow(/0\.\.100/);
    expect(() => percentile([1], Number.NaN)).toThrow(/0\.\.100/);
  });
});

describe('summariseLatencies / mean / median / concatSamples', () => {
  it('summarises a sample', () => {
    expect(summariseLatencies([3, 1, 2, 4])).toEqual({
      count: 4,
      p50: 2.5,
      p99: expect.closeTo(3.97),
      max: 4,
      mean: 2.5,
    });
  });

  it('computes mean and median', () => {
    expect(mean([1, 2, 6])).toBe(3);
    expect(median([5, 1, 3])).toBe(3);
    expect(() => mean([])).toThrow(/empty/);
    expect(() => summariseLatencies([])).toThrow(/no latency samples/);
  });

  it('concatenates rounds', () => {
    expect(
      Array.from(concatSamples([[1, 2], new Float64Array([3]), []])),
    ).toEqual([1, 2, 3]);
  });
});
