/**
 * Span times: read as `performance.now()` (a double of milliseconds, monotonic, sub-microsecond)
 * and turned into Unix-epoch nanoseconds only when a span is encoded, through an anchor — the
 * wall-clock time of the monotonic clock's zero, as an exact 64-bit nanosecond count.
 *
 * Why an anchor and not `Date.now()` per span: `Date.now()` has millisecond resolution, and the
 * monotonic clock gives the durations and the order of the spans in a trace exactly. Why an
 * anchor per trace (a child takes its local parent's): the anchor is refreshed from the wall
 * clock now and then (the batch processor does it on every export) so a long-running process
 * follows NTP corrections, and a refresh between two spans of one trace must not shift one of
 * them against the other — the same reason dd-trace times a trace's spans from its root's clock
 * reading.
 */

const TWO_32 = 4294967296;

/**
 * The Unix time of `performance.now() === 0`, in whole milliseconds (Date.now() has no finer
 * resolution to offer), as an exact 64-bit nanosecond count in two unsigned words.
 */
export interface ClockAnchor {
  readonly lo: number;
  readonly hi: number;
  /**
   * The same in milliseconds: an integer, so a time given in Unix milliseconds converts to and
   * from the monotonic clock exactly.
   */
  readonly epochMs: number;
}

/** The anchor for `Date.now()` read at `performance.now()` `perfMs`. Pure. */
export function anchorAt(dateNowMs: number, perfMs: number): ClockAnchor {
  const epochMs = Math.round(dateNowMs - perfMs);
  const ns = BigInt(epochMs) * 1_000_000n;
  return {
    lo: Number(ns & 0xffffffffn),
    hi: Number(ns >> 32n),
    epochMs,
  };
}

let current: ClockAnchor = anchorAt(Date.now(), performance.now());

/** The anchor new traces take. */
export function currentAnchor(): ClockAnchor {
  return current;
}

/** Re-reads the wall clock; spans of traces started before keep their anchor. */
export function refreshAnchor(): void {
  current = anchorAt(Date.now(), performance.now());
}

/** Where a time goes: a protobuf writer's fixed64. */
export interface Fixed64Sink {
  fixed64(lo: number, hi: number): void;
}

/**
 * A span time: `performance.now()` milliseconds (every time the clock gives, and times given in
 * Unix milliseconds or as a Date, which convert exactly); or, for a time given as HrTime, its
 * exact Unix nanoseconds as a bigint — a double of milliseconds cannot hold nanoseconds of a
 * time far from now.
 */
export type SpanTime = number | bigint;

/** A span time as Unix nanoseconds. Pure. */
export function epochNanos(anchor: ClockAnchor, time: SpanTime): bigint {
  if (typeof time === 'bigint') return time;
  return BigInt(anchor.epochMs) * 1_000_000n + BigInt(Math.round(time * 1e6));
}

/** Whether `a` is before `b`. Pure. */
export function isBefore(
  anchor: ClockAnchor,
  a: SpanTime,
  b: SpanTime,
): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  return epochNanos(anchor, a) < epochNanos(anchor, b);
}

/**
 * A span time as Unix nanoseconds, written as a fixed64: from milliseconds on the monotonic
 * clock by adding the anchor in two unsigned words (no allocation, no precision lost to a double
 * of 1.7e18).
 */
export function writeEpochNanos(
  out: Fixed64Sink,
  anchor: ClockAnchor,
  time: SpanTime,
): void {
  if (typeof time === 'bigint') {
    out.fixed64(
      Number(time & 0xffffffffn),
      Number((time >> 32n) & 0xffffffffn),
    );
    return;
  }
  const delta = Math.round(time * 1e6);
  const deltaHi = Math.floor(delta / TWO_32);
  let lo = anchor.lo + (delta - deltaHi * TWO_32);
  let hi = anchor.hi + deltaHi;
  if (lo >= TWO_32) {
    lo -= TWO_32;
    hi += 1;
  }
  out.fixed64(lo, hi >>> 0);
}

/**
 * A time given through the API (`TimeInput`: Unix milliseconds, `performance.now()`
 * milliseconds, a Date, or HrTime) as a span time against `anchor` — the SDK's reading of the
 * same inputs. Anything else: undefined. Pure.
 */
export function toSpanTime(
  input: unknown,
  anchor: ClockAnchor,
  perfNow: number,
): SpanTime | undefined {
  if (typeof input === 'number') {
    // The SDK's rule: a number no larger than performance.now() is on the monotonic clock.
    return input <= perfNow ? input : input - anchor.epochMs;
  }
  if (input instanceof Date) return input.getTime() - anchor.epochMs;
  if (
    Array.isArray(input) &&
    input.length === 2 &&
    typeof input[0] === 'number' &&
    typeof input[1] === 'number'
  ) {
    // HrTime: [seconds, nanoseconds] since the Unix epoch, kept exact.
    return (
      BigInt(Math.trunc(input[0])) * 1_000_000_000n +
      BigInt(Math.trunc(input[1]))
    );
  }
  return undefined;
}
