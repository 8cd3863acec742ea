import { encode } from '@msgpack/msgpack';
import {
  countDogStatsdLines,
  DatadogPayloadError,
  decodeTracePayload,
  traceIntakeVersion,
} from './datadog-payload.js';

const U64 = 2n ** 64n - 1n;

function v04Span(name: string, parent: bigint, priority?: number) {
  return {
    trace_id: 0x1234_5678_9abc_def0n,
    span_id: U64 - BigInt(name.length),
    parent_id: parent,
    name,
    resource: `GET ${name}`,
    service: 'dice-peer',
    type: 'web',
    error: 0,
    start: 1_790_000_000_000_000_000n,
    duration: 12_345,
    meta: { component: 'express', 'span.kind': 'server' },
    metrics: priority === undefined ? { 'roll.value': 4 } : { _sampling_priority_v1: priority, 'roll.value': 4.5 },
  };
}

const bytes = (value: unknown) => encode(value, { useBigInt64: true });

describe('decodeTracePayload v0.4', () => {
  it('counts traces, spans by name, and spans of kept traces (priority > 0)', () => {
    const payload = bytes([
      [v04Span('express.request', 0n, 1), v04Span('do_roll', 7n, 1), v04Span('do_roll', 7n)],
      [v04Span('express.request', 0n, 0)],
      [v04Span('express.request', 0n, -1), v04Span('do_important_job', 9n, -1)],
      [v04Span('express.request', 0n, 2)],
    ]);
    const summary = decodeTracePayload('0.4', payload, 4);
    expect(summary).toEqual({
      traces: 4,
      spans: 7,
      keptSpans: 4,
      byName: new Map([
        ['express.request', 4],
        ['do_roll', 2],
        ['do_important_job', 1],
      ]),
    });
  });

  it('takes an empty payload', () => {
    expect(decodeTracePayload('0.4', bytes([]), 0)).toMatchObject({ traces: 0, spans: 0 });
  });

  it.each([
    ['not msgpack', Buffer.from([0xc1]), /not msgpack/],
    ['not an array', bytes({ traces: [] }), /payload: expected an array, got a map/],
    ['a trace that is not an array', bytes([{}]), /trace 0: expected an array/],
    ['a span that is not a map', bytes([[[1, 2]]]), /trace 0 span 0: expected a map, got an array of 2/],
    ['a span without a name', bytes([[{ ...v04Span('x', 0n), name: undefined }]]), /trace 0 span 0 name: expected a string, got nil/],
    ['a negative id', bytes([[{ ...v04Span('x', 0n), span_id: -1 }]]), /span_id: expected an unsigned id/],
    ['a fractional start', bytes([[{ ...v04Span('x', 0n), start: 1.5 }]]), /start: expected an integer/],
    ['meta that is not a map', bytes([[{ ...v04Span('x', 0n), meta: 'm' }]]), /meta: expected a map/],
  ])('refuses %s', (_what, payload, message) => {
    expect(() => decodeTracePayload('0.4', payload)).toThrow(DatadogPayloadError);
    expect(() => decodeTracePayload('0.4', payload)).toThrow(message);
  });

  it('refuses a payload whose trace count differs from X-Datadog-Trace-Count', () => {
    expect(() => decodeTracePayload('0.4', bytes([[v04Span('x', 0n)]]), 2)).toThrow(
      'X-Datadog-Trace-Count says 2 trace(s), the payload holds 1',
    );
  });
});

describe('decodeTracePayload v0.5', () => {
  const strings = ['', 'dice-peer', 'express.request', 'GET /rolldice', 'web', 'component', 'express', '_sampling_priority_v1', 'do_roll'];
  const span = (name: number, parent: bigint, priority?: number) => [
    1,
    name,
    3,
    0x1234n,
    U64,
    parent,
    1_790_000_000_000_000_000n,
    999,
    0,
    { 5: 6 },
    priority === undefined ? {} : { 7: priority },
    4,
  ];

  it('resolves names through the string table and counts like v0.4', () => {
    const payload = bytes([strings, [[span(2, 0n, 1), span(8, 5n)], [span(2, 0n, 0)]]]);
    expect(decodeTracePayload('0.5', payload, 2)).toEqual({
      traces: 2,
      spans: 3,
      keptSpans: 2,
      byName: new Map([
        ['express.request', 2],
        ['do_roll', 1],
      ]),
    });
  });

  it.each([
    ['not [strings, traces]', bytes([strings]), /expected \[strings, traces\], got an array of 1/],
    ['a string table with a number', bytes([[1], []]), /string 0: expected a string/],
    ['a span of 11 fields', bytes([strings, [[span(2, 0n).slice(0, 11)]]]), /trace 0 span 0: expected 12 fields, got 11/],
    ['a name index past the table', bytes([strings, [[span(99, 0n)]]]), /trace 0 span 0 name: expected an index into the 9 strings, got number 99/],
    ['a meta key that is not an index', bytes([strings, [[span(2, 0n).map((f, i) => (i === 9 ? { k: 1 } : f))]]]), /meta key: expected an index/],
  ])('refuses %s', (_what, payload, message) => {
    expect(() => decodeTracePayload('0.5', payload)).toThrow(message);
  });
});

describe('traceIntakeVersion', () => {
  it('knows the two intake paths only', () => {
    expect(traceIntakeVersion('/v0.4/traces')).toBe('0.4');
    expect(traceIntakeVersion('/v0.5/traces')).toBe('0.5');
    expect(traceIntakeVersion('/v0.3/traces')).toBeUndefined();
    expect(traceIntakeVersion('/v0.4/traces/')).toBeUndefined();
  });
});

describe('countDogStatsdLines', () => {
  it('counts lines by metric name, tags and container ids included, blank lines skipped', () => {
    const text =
      'request_counter:1|c|#service:dice-peer|c:in-1\n' +
      'dice.rolls:1|c|#service:dice-peer,roll.value:3|c:in-1\n' +
      '\n' +
      'dice.rolls:2|c|#roll.value:4\n' +
      'latency:0.5|d\n';
    expect(countDogStatsdLines(text)).toEqual(
      new Map([
        ['request_counter', 1],
        ['dice.rolls', 2],
        ['latency', 1],
      ]),
    );
  });

  it.each(['no value', 'name|c', ':1|c', 'name:1'])('refuses %j', (line) => {
    expect(() => countDogStatsdLines(line)).toThrow(/DogStatsD line 1 is not name:value\|type/);
  });
});
