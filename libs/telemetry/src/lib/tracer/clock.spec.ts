import {
  anchorAt,
  epochNanos,
  isBefore,
  toSpanTime,
  writeEpochNanos,
} from './clock.js';

function written(
  anchor = anchorAt(1_767_323_045_678, 1234.5),
  time: number | bigint = 0,
) {
  let value = 0n;
  writeEpochNanos(
    { fixed64: (lo, hi) => (value = (BigInt(hi) << 32n) | BigInt(lo)) },
    anchor,
    time,
  );
  return value;
}

describe('span times', () => {
  // Date.now() 1767323045678 read at performance.now() 1234.5: the clock's zero is at
  // 1767323044443.5, anchored to the whole millisecond 1767323044444 (rounded half up).
  const anchor = anchorAt(1_767_323_045_678, 1234.5);

  it('anchors the monotonic clock to the wall clock in whole milliseconds, exactly', () => {
    expect(anchor.epochMs).toBe(1_767_323_044_444);
    expect((BigInt(anchor.hi) << 32n) | BigInt(anchor.lo)).toBe(
      1_767_323_044_444_000_000n,
    );
  });

  it('writes monotonic times as exact Unix nanoseconds, before the clock started too', () => {
    expect(written(anchor, 0)).toBe(1_767_323_044_444_000_000n);
    expect(written(anchor, 1.000001)).toBe(1_767_323_044_445_000_001n);
    expect(written(anchor, 86_400_000.5)).toBe(1_767_409_444_444_500_000n);
    expect(written(anchor, -2.25)).toBe(1_767_323_044_441_750_000n);
    // A carry from the low word into the high one.
    const low = anchorAt(4294, 0);
    expect(written(low, 0.967296)).toBe(4_294_967_296n);
    expect(written(anchor, 123_456_789_123_456_789n)).toBe(
      123_456_789_123_456_789n,
    );
  });

  it("reads the API's time inputs as the SDK does", () => {
    const now = 5000;
    // A number up to performance.now() is on the monotonic clock, a larger one Unix ms.
    expect(toSpanTime(4999.5, anchor, now)).toBe(4999.5);
    expect(toSpanTime(1_767_323_044_500, anchor, now)).toBe(56);
    expect(toSpanTime(new Date(1_767_323_044_445), anchor, now)).toBe(1);
    expect(toSpanTime([1_767_323_044, 987_654_321], anchor, now)).toBe(
      1_767_323_044_987_654_321n,
    );
    expect(toSpanTime('soon', anchor, now)).toBeUndefined();
    expect(toSpanTime([1, 2, 3], anchor, now)).toBeUndefined();
  });

  it('keeps a time given in Unix milliseconds exact, however far from now', () => {
    const far = Date.UTC(2001, 0, 1);
    expect(written(anchor, toSpanTime(far, anchor, 0) as number)).toBe(
      BigInt(far) * 1_000_000n,
    );
  });

  it('orders times of either kind', () => {
    expect(isBefore(anchor, 1, 2)).toBe(true);
    expect(isBefore(anchor, 2, 1)).toBe(false);
    expect(isBefore(anchor, 1_767_323_044_444_000_000n, 0.5)).toBe(true);
    expect(isBefore(anchor, 1, 1_767_323_044_444_000_000n)).toBe(false);
    expect(epochNanos(anchor, 0.000001)).toBe(1_767_323_044_444_000_001n);
  });
});
