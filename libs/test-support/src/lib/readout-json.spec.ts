import type { ReceivedLogRecord } from './otlp-log-types.js';
import type { ReceivedMetric } from './otlp-metric-types.js';
import type { ReceivedExport, ReceivedSpan } from './otlp-types.js';
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

const log: ReceivedLogRecord = {
  timeUnixNano: 0n,
  observedTimeUnixNano: 1_767_225_600_000_000_001n,
  severityNumber: 9,
  severityText: 'INFO',
  body: 'rolled',
  attributes: {},
  traceId: span.traceId,
  spanId: span.spanId,
  flags: 1,
  eventName: '',
  resource: { 'service.name': 'dice-api' },
  scope: { name: 'dice', version: '1.0.0' },
};

const metric: ReceivedMetric = {
  name: 'dice.rolls',
  description: '',
  unit: '{roll}',
  resource: { 'service.name': 'dice-api' },
  scope: { name: 'dice', version: '1.0.0' },
  kind: 'sum',
  isMonotonic: true,
  aggregationTemporality: 'cumulative',
  dataPoints: [
    {
      attributes: { 'roll.value': 4 },
      startTimeUnixNano: 1_767_225_600_000_000_000n,
      timeUnixNano: 1_767_225_601_000_000_000n,
      flags: 0,
      value: 3,
      valueType: 'int',
    },
  ],
};

const exportRecord = {
  signal: 'traces',
  itemCount: 2,
  spanCount: 2,
  protocol: 'grpc',
  compression: 'none',
  path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  headers: { 'user-agent': 'OTel-OTLP-Exporter-JavaScript/x' },
  userAgent: 'OTel-OTLP-Exporter-JavaScript/x',
  secure: false,
  clientCertificateSubject: undefined,
} as unknown as ReceivedExport;

const recorded = (over: object = {}) => ({
  exportCalls: 0,
  exports: [],
  rejections: [],
  spans: [],
  metrics: [],
  logs: [],
  ...over,
});

describe('serializeReadout / parseReadout', () => {
  const child = {
    ...span,
    spanId: 'c7ad6b7169203331',
    parentSpanId: span.spanId,
  };
  const text = serializeReadout([
    recorded({
      exportCalls: 1,
      exports: [exportRecord],
      spans: [span],
      logs: [log],
    }),
    recorded({ exportCalls: 1, spans: [child], metrics: [metric] }),
  ]);

  it('writes bigint as decimal strings, bytes as base64 and leaves out absent values', () => {
    const raw = JSON.parse(text);
    expect(raw.spans[0].startTimeUnixNano).toBe('1767225600123456789');
    expect(raw.spans[0].attributes['big.int']).toBe('9007199254740993');
    expect(raw.spans[0].attributes.blob).toBe('AAH+/w==');
    expect('parentSpanId' in raw.spans[0]).toBe(false);
    expect(raw.spans[0].events[0].timeUnixNano).toBe('1767225600123500000');
    expect(raw.logs[0].observedTimeUnixNano).toBe('1767225600000000001');
  });

  it('merges the receivers and reads every …UnixNano back as the exact bigint', () => {
    const readout = parseReadout(text);
    expect(readout.exportCalls).toBe(2);
    expect(readout.exports).toEqual([exportRecord]);
    expect(readout.spans).toEqual([
      {
        ...span,
        attributes: {
          ...span.attributes,
          'big.int': '9007199254740993',
          blob: 'AAH+/w==',
        },
      },
      {
        ...child,
        attributes: {
          ...span.attributes,
          'big.int': '9007199254740993',
          blob: 'AAH+/w==',
        },
      },
    ]);
    expect(readout.logs).toEqual([log]);
    expect(readout.metrics).toEqual([metric]);
    expect(readout.rejections).toEqual([]);
  });

  it('names what is malformed', () => {
    expect(() => parseReadout('<html>')).toThrow(/^read-out is not valid/);
    expect(() => parseReadout('{"spans":[]}')).toThrow(
      /^read-out lacks exportCalls or one of exports\/rejections\/spans\/metrics\/logs/,
    );
    const bad = JSON.parse(text);
    bad.spans[0].startTimeUnixNano = 12.5;
    expect(() => parseReadout(JSON.stringify(bad))).toThrow(
      /startTimeUnixNano 12.5 is not a decimal string/,
    );
  });
});
