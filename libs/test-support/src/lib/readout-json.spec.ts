import type { ReceivedSpan } from './otlp-types.js';
import { parseReadout, serializeReadout } from './readout-json.js';

const span: ReceivedSpan = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: undefined,
  traceState: '',
  flags: 1,
  name: 'do_roll',
  kind: 1,
  // Beyond Number.MAX_SAFE_INTEGER: must survive exactly.
  startTimeUnixNano: 1_767_225_600_123_456_789n,
  endTimeUnixNano: 1_767_225_600_123_999_999n,
  attributes: {
    'roll.value': 4,
    'big.int': 9_007_199_254_740_993n,
    blob: Buffer.from([0, 1, 254, 255]),
    list: ['a', 1, true],
  },
  status: { code: 2, message: 'boom' },
  events: [
    {
      name: 'exception',
      timeUnixNano: 1_767_225_600_123_500_000n,
      attributes: { 'exception.message': 'boom' },
    },
  ],
  links: [],
  resource: { 'service.name': 'dice-api' },
  scope: { name: 'dice', version: '1.0.0' },
};

describe('serializeReadout / parseReadout', () => {
  const text = serializeReadout({
    exportCalls: 1,
    exports: [{ spanCount: 1, userAgent: 'OTel-OTLP-Exporter-JavaScript/x' }],
    spans: [
      span,
      { ...span, spanId: 'c7ad6b7169203331', parentSpanId: span.spanId },
    ],
  });

  it('writes bigint as decimal strings, bytes as base64 and leaves out an absent parent', () => {
    const raw = JSON.parse(text);
    expect(raw.spans[0].startTimeUnixNano).toBe('1767225600123456789');
    expect(raw.spans[0].attributes['big.int']).toBe('9007199254740993');
    expect(raw.spans[0].attributes.blob).toBe('AAH+/w==');
    expect('parentSpanId' in raw.spans[0]).toBe(false);
    expect(raw.spans[0].events[0].timeUnixNano).toBe('1767225600123500000');
  });

  it('reads span and event times back as the exact bigint', () => {
    const readout = parseReadout(text);
    expect(readout.exportCalls).toBe(1);
    expect(readout.exports).toEqual([
      { spanCount: 1, userAgent: 'OTel-OTLP-Exporter-JavaScript/x' },
    ]);
    const [root, child] = readout.spans;
    expect(root).toEqual({
      ...span,
      attributes: {
        ...span.attributes,
        'big.int': '9007199254740993',
        blob: 'AAH+/w==',
      },
    });
    expect(child?.parentSpanId).toBe(span.spanId);
  });

  it('names what is malformed', () => {
    expect(() => parseReadout('<html>')).toThrow(/^read-out is not JSON/);
    expect(() => parseReadout('{"spans":[]}')).toThrow(
      /^read-out lacks exportCalls\/exports\/spans/,
    );
    expect(() =>
      parseReadout(
        JSON.stringify({
          exportCalls: 1,
          exports: [],
          spans: [{ ...JSON.parse(text).spans[0], startTimeUnixNano: 12.5 }],
        }),
      ),
    ).toThrow('read-out span #0: start time 12.5 is not a decimal string');
  });
});
