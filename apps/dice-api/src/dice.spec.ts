import { SpanStatusCode } from '@opentelemetry/api';
import {
  createDice,
  createRollCounter,
  faceRange,
  isValidFace,
  type DiceFault,
  type RandomInt,
} from './dice.js';
import {
  startTestTelemetry,
  type TestTelemetry,
} from '@otel-dice/telemetry/testing';

/** A random source that records the ranges asked for and answers from a script. */
function scriptedRandom(
  answers: number[],
): RandomInt & { calls: Array<[number, number]> } {
  const calls: Array<[number, number]> = [];
  const random = (min: number, max: number) => {
    calls.push([min, max]);
    const answer = answers.shift();
    if (answer === undefined)
      throw new Error('scripted random source exhausted');
    return answer;
  };
  return Object.assign(random, { calls });
}

describe('faceRange', () => {
  it.each<[DiceFault, number, number]>([
    ['random', 1, 7],
    ['off', 1, 6],
    ['always', 7, 7],
  ])('draws %s rolls from %d..%d', (fault, min, max) => {
    expect(faceRange(fault)).toEqual({ min, max });
  });
});

describe('isValidFace', () => {
  it.each([1, 2, 3, 4, 5, 6])('accepts %d', (face) =>
    expect(isValidFace(face)).toBe(true),
  );
  it.each([0, 7, -1, 3.5, NaN])('rejects %d', (face) =>
    expect(isValidFace(face)).toBe(false),
  );
});

describe('createDice', () => {
  let telemetry: TestTelemetry;

  beforeEach(() => {
    telemetry = startTestTelemetry();
  });
  afterEach(() => telemetry.shutdown());

  function dice(fault: DiceFault, random: RandomInt) {
    return createDice({
      tracer: telemetry.tracer,
      rollCounter: createRollCounter(telemetry.meter),
      fault,
      random,
    });
  }

  it('returns the drawn face inside an ended do_roll span with an integer roll.value', () => {
    const random = scriptedRandom([4]);
    expect(dice('random', random).roll()).toBe(4);
    expect(random.calls).toEqual([[1, 7]]);

    const [span] = telemetry.finishedSpans();
    expect(span.name).toBe('do_roll');
    expect(span.attributes).toEqual({ 'roll.value': 4 });
    expect(Number.isInteger(span.attributes['roll.value'])).toBe(true);
    expect(span.ended).toBe(true);
  });

  it.each<[DiceFault, [number, number]]>([
    ['off', [1, 6]],
    ['always', [7, 7]],
  ])('asks the random source for the %s range', (fault, range) => {
    const random = scriptedRandom([range[0]]);
    dice(fault, random).roll();
    expect(random.calls).toEqual([range]);
  });

  it('counts every roll in dice.rolls by face', async () => {
    const rolling = dice('random', scriptedRandom([2, 7, 2]));
    rolling.roll();
    rolling.roll();
    rolling.roll();
    const points = await telemetry.counterPoints('dice.rolls');
    expect(points).toHaveLength(2);
    expect(points).toEqual(
      expect.arrayContaining([
        { attributes: { 'roll.value': 2 }, value: 2 },
        { attributes: { 'roll.value': 7 }, value: 1 },
      ]),
    );
  });

  it('draws many faces inside one do_roll span with roll.count and roll.values, counting each', async () => {
    const values = dice('random', scriptedRandom([3, 7, 3])).rollMany(3);
    expect(values).toEqual([3, 7, 3]);
    const spans = telemetry.finishedSpans();
    expect(spans.map((span) => [span.name, span.attributes])).toEqual([
      ['do_roll', { 'roll.count': 3, 'roll.values': [3, 7, 3] }],
    ]);
    expect(await telemetry.counterPoints('dice.rolls')).toEqual(
      expect.arrayContaining([
        { attributes: { 'roll.value': 3 }, value: 2 },
        { attributes: { 'roll.value': 7 }, value: 1 },
      ]),
    );
  });

  it('traces the important job as its own span', () => {
    dice('off', scriptedRandom([1234])).doImportantJob();
    expect(telemetry.finishedSpans().map((span) => span.name)).toEqual([
      'do_important_job',
    ]);
  });

  it('ends the span and marks it ERROR when the random source throws', () => {
    const failing = dice('off', () => {
      throw new Error('entropy unavailable');
    });
    expect(() => failing.roll()).toThrow('entropy unavailable');
    const [span] = telemetry.finishedSpans();
    expect(span.name).toBe('do_roll');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.map((event) => event.name)).toEqual(['exception']);
  });

  it('uses a real random source by default that stays inside the range', () => {
    const fair = createDice({
      tracer: telemetry.tracer,
      rollCounter: createRollCounter(telemetry.meter),
      fault: 'off',
    });
    const faces = new Set(Array.from({ length: 600 }, () => fair.roll()));
    // 600 fair rolls miss a given face with probability (5/6)^600 ≈ 1e-48.
    expect([...faces].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
