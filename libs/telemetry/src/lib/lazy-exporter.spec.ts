import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { InstrumentType } from '@opentelemetry/sdk-metrics';
import { createMetricExporter, createSpanExporter } from './exporters.js';
import {
  aggregationFor,
  LazyExporter,
  LazyMetricExporter,
  temporalityFor,
  type AnyExporter,
  type MetricPreferences,
} from './lazy-exporter.js';

const result = (
  exporter: AnyExporter<string[]>,
  items: string[],
): Promise<ExportResult> =>
  new Promise((resolve) => exporter.export(items, resolve));

describe('LazyExporter', () => {
  it('makes the real exporter at the first export, once, and passes every call on', async () => {
    const exported: string[][] = [];
    const real: AnyExporter<string[]> = {
      export: (items, done) => {
        exported.push(items);
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: jest.fn(() => Promise.resolve()),
      forceFlush: jest.fn(() => Promise.resolve()),
    };
    const create = jest.fn(() => real);
    const lazy = new LazyExporter(create);
    expect(create).not.toHaveBeenCalled();
    expect(lazy.loaded).toBe(false);
    expect(await result(lazy, ['a'])).toEqual({
      code: ExportResultCode.SUCCESS,
    });
    expect(await result(lazy, ['b'])).toEqual({
      code: ExportResultCode.SUCCESS,
    });
    expect(create).toHaveBeenCalledTimes(1);
    expect(exported).toEqual([['a'], ['b']]);
    await lazy.forceFlush();
    await lazy.shutdown();
    expect(real.forceFlush).toHaveBeenCalledTimes(1);
    expect(real.shutdown).toHaveBeenCalledTimes(1);
  });

  it('has nothing to flush or shut down before its first export', async () => {
    const create = jest.fn();
    const lazy = new LazyExporter(create);
    await lazy.forceFlush();
    await lazy.shutdown();
    expect(create).not.toHaveBeenCalled();
  });

  it('fails the export whose exporter cannot be made, and tries again at the next', async () => {
    let attempts = 0;
    const lazy = new LazyExporter<string[]>(() => {
      attempts += 1;
      throw new Error('no transport');
    });
    expect(await result(lazy, ['a'])).toEqual({
      code: ExportResultCode.FAILED,
      error: new Error('no transport'),
    });
    await result(lazy, ['b']);
    expect(attempts).toBe(2);
  });
});

describe('the OTLP exporters of the model are made lazily', () => {
  it('a span exporter does not load its package before it exports', () => {
    const exporter = createSpanExporter(
      {
        otlp_grpc: {
          endpoint: 'http://127.0.0.1:4317',
          headers: [],
          compression: 'none',
          timeout: 10_000,
        },
      },
      { get: () => undefined },
    );
    expect(exporter).toBeInstanceOf(LazyExporter);
    expect((exporter as unknown as LazyExporter<unknown>).loaded).toBe(false);
  });

  it('a metric exporter answers temporality and aggregation before it loads', () => {
    const exporter = createMetricExporter(
      {
        otlp_http: {
          endpoint: 'http://127.0.0.1:4318/v1/metrics',
          headers: [],
          compression: 'none',
          timeout: 10_000,
          temporality_preference: 'delta',
          default_histogram_aggregation: 'base2_exponential_bucket_histogram',
        },
      },
      { get: () => undefined },
    ) as LazyMetricExporter;
    expect(exporter).toBeInstanceOf(LazyMetricExporter);
    expect(exporter.loaded).toBe(false);
    expect(exporter.selectAggregationTemporality(InstrumentType.COUNTER)).toBe(
      temporalityFor('delta', InstrumentType.COUNTER),
    );
    expect(exporter.selectAggregation(InstrumentType.HISTOGRAM)).toEqual(
      aggregationFor(
        'base2_exponential_bucket_histogram',
        InstrumentType.HISTOGRAM,
      ),
    );
  });
});

describe('temporality and aggregation: as the upstream OTLP metric exporter chooses them', () => {
  const preferences: Array<
    [MetricPreferences['temporality'], AggregationTemporalityPreference]
  > = [
    ['cumulative', AggregationTemporalityPreference.CUMULATIVE],
    ['delta', AggregationTemporalityPreference.DELTA],
    ['low_memory', AggregationTemporalityPreference.LOWMEMORY],
  ];
  const types = Object.values(InstrumentType);

  it.each(preferences)('%s, for every instrument type', (ours, theirs) => {
    const upstream = new OTLPMetricExporter({
      temporalityPreference: theirs,
    });
    for (const type of types)
      expect([type, temporalityFor(ours, type)]).toEqual([
        type,
        upstream.selectAggregationTemporality(type),
      ]);
    void upstream.shutdown();
  });

  it('the default histogram aggregation, for every instrument type', () => {
    const upstream = new OTLPMetricExporter();
    for (const type of types)
      expect(aggregationFor('explicit_bucket_histogram', type)).toEqual(
        upstream.selectAggregation(type),
      );
    void upstream.shutdown();
  });
});
