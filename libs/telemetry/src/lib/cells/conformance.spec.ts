/**
 * The metric cells against sdk-metrics: the same measurements recorded through the cells'
 * instruments (read by each reader through its MetricProducer) and through the SDK's own
 * instruments (same views, same readers' settings) must be collected as the same metric data —
 * descriptor, aggregation, temporality, data points with their attributes and values — whatever
 * the model's views (renamed, described, attribute keys kept or dropped by glob, histogram
 * buckets, a sum of a histogram, dropped, a cardinality limit) or the readers' settings (delta or
 * cumulative, cardinality limits, two readers at once, collected repeatedly with records in
 * between). This is what proves views and cardinality limits apply to the producer's output:
 * sdk-metrics itself appends a producer's output to a collection untouched.
 *
 * Where the two differ on purpose (asserted separately below): past a cardinality limit, an
 * attribute set first seen after a collection goes to the overflow series here, while the SDK
 * admits new sets again after every collection and so exceeds its limit over time.
 */
import { ValueType, type Attributes } from '@opentelemetry/api';
import type { ConfigurationModel } from '@opentelemetry/configuration';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type MetricData,
  type MetricReaderOptions,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { viewOptions } from '../metrics.js';
import { CellMetrics } from './registry.js';

type ViewModel = NonNullable<
  NonNullable<ConfigurationModel['meter_provider']>['views']
>[number];

const resource = resourceFromAttributes({ 'service.name': 'cells' });

class TestReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

interface ReaderSettings {
  readonly temporality?: AggregationTemporality;
  readonly limit?: number;
}

function readerOptions(settings: ReaderSettings): MetricReaderOptions {
  return {
    ...(settings.temporality !== undefined
      ? {
          aggregationTemporalitySelector: () =>
            settings.temporality as AggregationTemporality,
        }
      : {}),
    ...(settings.limit !== undefined
      ? { cardinalitySelector: () => settings.limit as number }
      : {}),
  };
}

/** What a test records: the same calls on either side. */
interface Instruments {
  duration: { record(value: number, attributes?: Attributes): void };
  requests: { add(value: number, attributes?: Attributes): void };
  inflight: { add(value: number, attributes?: Attributes): void };
}

interface Side {
  readonly instruments: Instruments;
  collect(reader: number): Promise<ResourceMetrics>;
}

const DURATION_OPTIONS = {
  description: 'Duration of HTTP server requests.',
  unit: 's',
  valueType: ValueType.DOUBLE,
  advice: { explicitBucketBoundaries: [0.005, 0.01, 0.1, 1] },
};

function sdkSide(
  views: readonly ViewModel[],
  readers: readonly ReaderSettings[],
): Side {
  const made = readers.map((r) => new TestReader(readerOptions(r)));
  const provider = new MeterProvider({
    resource,
    readers: made,
    views: views.map(viewOptions),
  });
  const meter = provider.getMeter('scope', '1.0.0');
  return {
    instruments: {
      duration: meter.createHistogram(
        'http.server.request.duration',
        DURATION_OPTIONS,
      ),
      requests: meter.createCounter('requests', {
        description: 'Requests',
        unit: '1',
      }),
      inflight: meter.createUpDownCounter('inflight', {
        valueType: ValueType.INT,
      }),
    },
    collect: async (i) =>
      (await (made[i] as TestReader).collect()).resourceMetrics,
  };
}

function cellSide(
  views: readonly ViewModel[],
  readers: readonly ReaderSettings[],
): Side {
  const sdkViews = views.map(viewOptions);
  const cells = new CellMetrics(sdkViews, resource);
  const made = readers.map((r) => {
    const producer = cells.producer();
    const reader = new TestReader({
      ...readerOptions(r),
      metricProducers: [producer],
    });
    producer.attach(reader);
    return reader;
  });
  // As metrics.ts builds it: the SDK provider, with the same views, for what falls back to it.
  const provider = new MeterProvider({
    resource,
    readers: made,
    views: sdkViews,
  });
  cells.fallBackTo(provider);
  const meter = cells.meter('scope', '1.0.0');
  return {
    instruments: {
      duration: meter.createHistogram(
        'http.server.request.duration',
        DURATION_OPTIONS,
      ),
      requests: meter.createCounter('requests', {
        description: 'Requests',
        unit: '1',
      }),
      inflight: meter.createUpDownCounter('inflight', {
        valueType: ValueType.INT,
      }),
    },
    collect: async (i) =>
      (await (made[i] as TestReader).collect()).resourceMetrics,
  };
}

/** Metric data without times, data points sorted by attributes; times checked for order. */
function comparable(metrics: ResourceMetrics): unknown[] {
  const all = metrics.scopeMetrics.flatMap((s) =>
    s.metrics.map((m: MetricData) => ({
      ...m,
      scope: s.scope.name + '@' + (s.scope.version ?? ''),
    })),
  );
  return all
    .map((metric) => {
      const { dataPoints, descriptor, ...rest } = metric;
      return {
        ...rest,
        descriptor: {
          name: descriptor.name,
          description: descriptor.description,
          unit: descriptor.unit,
          valueType: descriptor.valueType,
        },
        dataPoints: [...dataPoints]
          .map((p) => {
            const start = p.startTime[0] * 1e9 + p.startTime[1];
            const end = p.endTime[0] * 1e9 + p.endTime[1];
            expect(start).toBeLessThanOrEqual(end);
            return { attributes: p.attributes, value: p.value };
          })
          .sort((a, b) =>
            JSON.stringify(a.attributes).localeCompare(
              JSON.stringify(b.attributes),
            ),
          ),
      };
    })
    .sort((a, b) => a.descriptor.name.localeCompare(b.descriptor.name));
}

const ROUTES = ['/rolldice', '/healthz', '/metrics'];

/** Records a round of measurements (round-dependent, so deltas differ between rounds). */
function record(instruments: Instruments, round: number): void {
  for (let i = 0; i < 12 + round; i++) {
    const attributes = {
      'http.request.method': i % 5 === 0 ? 'POST' : 'GET',
      'url.scheme': 'http',
      'http.route': ROUTES[i % ROUTES.length] as string,
      'http.response.status_code': i % 7 === 0 ? 500 : 200,
    };
    instruments.duration.record((i * 0.0031 + round * 0.1) % 1.3, attributes);
    // The same set with its keys in another order is the same series.
    instruments.requests.add(1 + round, {
      'http.route': attributes['http.route'],
      'http.request.method': attributes['http.request.method'],
    });
    instruments.inflight.add(i % 2 === 0 ? 1 : -1, { pool: `p${i % 2}` });
  }
  instruments.requests.add(2);
  instruments.duration.record(NaN, { odd: 'nan' });
}

const CASES: [string, ViewModel[], ReaderSettings[]][] = [
  ['no views, one cumulative reader', [], [{}]],
  [
    'no views, a delta reader',
    [],
    [{ temporality: AggregationTemporality.DELTA }],
  ],
  [
    'no views, a cumulative and a delta reader',
    [],
    [{}, { temporality: AggregationTemporality.DELTA }],
  ],
  [
    'a view renaming and describing, keeping attribute keys by glob',
    [
      {
        selector: { instrument_name: 'http.server.*' },
        stream: {
          description: 'renamed',
          attribute_keys: { included: ['http.request.*', 'http.route'] },
        },
      },
    ],
    [{}],
  ],
  [
    'views dropping keys, changing buckets, summing a histogram, dropping a counter',
    [
      {
        selector: { instrument_name: 'http.server.request.duration' },
        stream: {
          name: 'duration.buckets',
          aggregation: {
            explicit_bucket_histogram: {
              boundaries: [0.5, 0.1],
              record_min_max: false,
            },
          },
          attribute_keys: { excluded: ['http.response.*'] },
        },
      },
      {
        selector: { instrument_name: 'http.server.request.duration' },
        stream: { name: 'duration.sum', aggregation: { sum: {} } },
      },
      {
        selector: { instrument_name: 'requests' },
        stream: { aggregation: { drop: {} } },
      },
    ],
    [{}, { temporality: AggregationTemporality.DELTA }],
  ],
  [
    'a view selecting by type and meter, with a cardinality limit',
    [
      {
        selector: { instrument_type: 'histogram', meter_name: 'scope' },
        stream: { aggregation_cardinality_limit: 3 },
      },
    ],
    [{}],
  ],
  ['a reader cardinality limit', [], [{ limit: 4 }]],
  [
    'a view for another meter does not apply',
    [
      {
        selector: { instrument_name: 'requests', meter_name: 'other' },
        stream: { aggregation: { drop: {} } },
      },
    ],
    [{}],
  ],
];

describe('metric cells collect what sdk-metrics collects', () => {
  it.each(CASES)('%s', async (_name, views, readers) => {
    const sdk = sdkSide(views, readers);
    const cells = cellSide(views, readers);
    const limited = _name.includes('cardinality');
    for (let round = 0; round < (limited ? 1 : 3); round++) {
      record(sdk.instruments, round);
      record(cells.instruments, round);
      for (let reader = 0; reader < readers.length; reader++) {
        const expected = comparable(await sdk.collect(reader));
        const actual = comparable(await cells.collect(reader));
        expect([round, reader, actual]).toEqual([round, reader, expected]);
      }
    }
  });

  it('keeps a stream within its cardinality limit across collections (the SDK does not)', async () => {
    const cells = cellSide([], [{ limit: 3 }]);
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3; i++)
        cells.instruments.requests.add(1, { round, i });
      const data = comparable(await cells.collect(0)) as {
        dataPoints: { attributes: Attributes }[];
      }[];
      const points = data[0]?.dataPoints ?? [];
      expect(points).toHaveLength(3);
      expect(
        points.filter((p) => p.attributes['otel.metric.overflow']),
      ).toHaveLength(1);
    }
  });

  it('falls back to the SDK instrument for an aggregation the cells do not have', async () => {
    const views: ViewModel[] = [
      {
        selector: { instrument_name: 'requests' },
        stream: { aggregation: { last_value: {} } },
      },
    ];
    const readers: ReaderSettings[] = [{}];
    const sdk = sdkSide(views, readers);
    const cells = cellSide(views, readers);
    record(sdk.instruments, 0);
    record(cells.instruments, 0);
    expect(comparable(await cells.collect(0))).toEqual(
      comparable(await sdk.collect(0)),
    );
  });

  it('refuses what the SDK refuses: negative counts and durations, non-numbers', async () => {
    const cells = cellSide([], [{}]);
    cells.instruments.requests.add(-1);
    cells.instruments.duration.record(-0.5);
    cells.instruments.requests.add('x' as unknown as number);
    cells.instruments.inflight.add(1.7);
    const data = comparable(await cells.collect(0));
    expect(data).toEqual([
      expect.objectContaining({
        descriptor: expect.objectContaining({ name: 'inflight' }),
        dataPoints: [{ attributes: {}, value: 1 }],
      }),
    ]);
  });
});
