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
 * `perfMs` (milliseconds on the monotonic clock, negative for times before it started) as Unix
 * nanoseconds, written as a fixed64 (two unsigned words: no allocation, no precision lost to a
 * double of 1.7e18).
 */
export function writeEpochNanos(
  out: Fixed64Sink,
  anchor: ClockAnchor,
  perfMs: number,
): void {
  const delta = Math.round(perfMs * 1e6);
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
 * milliseconds, a Date, or HrTime) in `performance.now()` milliseconds against `anchor` — the
 * SDK's reading of the same inputs. Undefined input: undefined. Pure.
 */
export function toPerfMs(
  input: unknown,
  anchor: ClockAnchor,
  perfNow: number,
): number | undefined {
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
    // HrTime: [seconds, nanoseconds] since the Unix epoch.
    return input[0] * 1e3 - anchor.epochMs + input[1] / 1e6;
  }
  return undefined;
}
