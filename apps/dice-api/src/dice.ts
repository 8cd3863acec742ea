/**
 * The dice: drawing a face and the seed's "important job", each in its own span.
 *
 * The random source is injected so tests can force the fault path without retrying until
 * luck strikes; production uses a CSPRNG-backed integer draw.
 */
import { randomInt } from 'node:crypto';
import {
  SpanStatusCode,
  type Counter,
  type Meter,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

/** Faces a real die can show; anything else is the fault the service reports as HTTP 500. */
export const MIN_FACE = 1;
export const MAX_FACE = 6;
/** The face that does not exist, kept from the seed so traces show a failing request. */
export const FAULTY_FACE = 7;

/**
 * DICE_FAULT modes:
 * - `random` (default, the seed's behaviour): draw 1..7, so about one roll in seven is the
 *   impossible 7 and the request fails with 500 — a steady trickle of errors to look at.
 * - `off`: draw 1..6 only, the service never fails on purpose.
 * - `always`: every roll is 7, every /rolldice request fails — for exercising error paths
 *   (alerts, ERROR spans) deterministically.
 */
export const DICE_FAULT_MODES = ['random', 'off', 'always'] as const;
export type DiceFault = (typeof DICE_FAULT_MODES)[number];

/** Returns an integer in [min, max], both inclusive. */
export type RandomInt = (min: number, max: number) => number;

export const cryptoRandomInt: RandomInt = (min, max) => randomInt(min, max + 1);

export interface Dice {
  /** Draws one face inside a `do_roll` span carrying `roll.value` (the seed's single roll). */
  roll(): number;
  /**
   * Draws `count` faces inside ONE `do_roll` span carrying `roll.count` and `roll.values`.
   * One span per roll would let one `?rolls=100` request put 102 spans in the export queue: a
   * handful of such requests fill it and other requests' spans are dropped. This way every
   * request costs three spans whatever it asks for; each face is still counted in `dice.rolls`.
   */
  rollMany(count: number): number[];
  /** The seed's stand-in for real work, traced as `do_important_job`. */
  doImportantJob(): void;
}

export interface DiceDeps {
  readonly tracer: Tracer;
  /** Counter `dice.rolls`, incremented once per roll with attribute `roll.value`. */
  readonly rollCounter: Counter;
  readonly fault: DiceFault;
  readonly random?: RandomInt;
}

/** Counter `dice.rolls` (Prometheus: `dice_rolls_total{roll_value="…"}`), one per roll. */
export function createRollCounter(meter: Meter): Counter {
  return meter.createCounter('dice.rolls', {
    description: 'Dice rolls by face shown',
    unit: '{roll}',
  });
}

export function isValidFace(value: number): boolean {
  return Number.isInteger(value) && value >= MIN_FACE && value <= MAX_FACE;
}

/** The inclusive range a roll is drawn from in each fault mode. */
export function faceRange(fault: DiceFault): { min: number; max: number } {
  switch (fault) {
    case 'off':
      return { min: MIN_FACE, max: MAX_FACE };
    case 'random':
      return { min: MIN_FACE, max: FAULTY_FACE };
    case 'always':
      return { min: FAULTY_FACE, max: FAULTY_FACE };
  }
}

export function createDice({
  tracer,
  rollCounter,
  fault,
  random = cryptoRandomInt,
}: DiceDeps): Dice {
  const { min, max } = faceRange(fault);
  return {
    roll: () =>
      inSpan(tracer, 'do_roll', (span) => {
        const value = random(min, max);
        span.setAttribute('roll.value', value);
        rollCounter.add(1, { 'roll.value': value });
        return value;
      }),
    rollMany: (count) =>
      inSpan(tracer, 'do_roll', (span) => {
        const values = Array.from({ length: count }, () => random(min, max));
        span.setAttribute('roll.count', count);
        span.setAttribute('roll.values', values);
        for (const value of values) rollCounter.add(1, { 'roll.value': value });
        return values;
      }),
    doImportantJob: () =>
      inSpan(tracer, 'do_important_job', () => {
        // Kept from the seed: the result is irrelevant, the span is the point.
        random(1, 10_000);
      }),
  };
}

/**
 * Runs `work` in a new active span and always ends it. A throw is recorded on the span and
 * marks it ERROR before propagating, so the failing step is visible in the trace.
 */
function inSpan<T>(tracer: Tracer, name: string, work: (span: Span) => T): T {
  return tracer.startActiveSpan(name, (span) => {
    try {
      return work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
