import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { resolveTelemetryConfig } from './config/resolve.js';
import { initMetrics } from './metrics.js';
import { PreAggregatedMeterProvider, SeriesSums } from './self-metrics.js';
import { fetchFromHandler } from './test-helpers.js';

describe('SeriesSums', () => {
  it('adds per attribute set, treating key order as irrelevant', () => {
    const sums = new SeriesSums(100);
    sums.add(1, { a: 'x', b: 'y' });
    sums.add(2, { b: 'y', a: 'x' });
    sums.add(5, { a: 'x', b: 'z' });
    sums.add(-1, { a: 'x', b: 'z' });
    sums.add(7);
    expect(sums.snapshot()).toEqual(
      expect.arrayContaining([
        { attributes: { a: 'x', b: 'y' }, value: 3 },
        { attributes: { a: 'x', b: 'z' }, value: 4 },
        { attributes: {}, value: 7 },
      ]),
    );
    expect(sums.snapshot()).toHaveLength(3);
  });

  it('keeps values of different types and arrays apart', () => {
    const sums = new SeriesSums(100);
    sums.add(1, { a: 1 });
    sums.add(1, { a: '1' });
    sums.add(1, { a: ['x', 'y'] });
    sums.add(1, { a: ['x,y'] });
    sums.add(1, { a: ['x', 'y'] });
    expect(sums.snapshot().map((s) => s.value)).toEqual([1, 1, 2, 1]);
  });

  it('copies the caller’s attributes and ignores non-finite values', () => {
    const sums = new SeriesSums(100);
    const attributes = { a: 'x' };
    sums.add(1, attributes);
    attributes.a = 'changed';
    sums.add(Number.NaN, { a: 'x' });
    sums.add(Number.POSITIVE_INFINITY, { a: 'x' });
    expect(sums.snapshot()).toEqual([{ attributes: { a: 'x' }, value: 1 }]);
  });

  it('puts series beyond the limit into one overflow series', () => {
    const sums = new SeriesSums(2);
    for (const id of ['a', 'b', 'c', 'd']) sums.add(1, { id });
    sums.add(1, { id: 'a' });
    expect(sums.snapshot()).toEqual([
      { attributes: { id: 'a' }, value: 2 },
      { attributes: { id: 'b' }, value: 1 },
      { attributes: { 'otel.metric.overflow': true }, value: 2 },
    ]);
  });
});

describe('PreAggregatedMeterProvider', () => {
  const metrics = initMetrics({
    config: resolveTelemetryConfig({
      // every scrape a fresh page: the tests read /metrics one right after the other
      env: { TELEMETRY_PROMETHEUS_CACHE_MS: '0' },
      defaultServiceName: 'self-metrics-test',
    }),
    resource: resourceFromAttributes({ 'service.name': 'self-metrics-test' }),
    register: false,
  });
  afterAll(() => metrics.shutdown());

  it('gives the tracer’s span metrics the SDK’s names, types and attributes', async () => {
    const tracer = new TracerProvider({
      meterProvider: new PreAggregatedMeterProvider(metrics.meterProvider),
    }).getTracer('t');
    const root = tracer.startSpan('root');
    tracer.startSpan('open'); // never ended: still live
    root.end();

    const { body } = await fetchFromHandler(metrics.metricsHandler);
    expect(body).toMatch(/^# TYPE otel_sdk_span_started_total counter$/m);
    expect(body).toMatch(
      /^otel_sdk_span_started_total\{otel_span_parent_origin="none",otel_span_sampling_result="RECORD_AND_SAMPLE",[^}]*\} 2$/m,
    );
    expect(body).toMatch(/^# TYPE otel_sdk_span_live gauge$/m);
    expect(body).toMatch(
      /^otel_sdk_span_live\{otel_span_sampling_result="RECORD_AND_SAMPLE",[^}]*\} 1$/m,
    );
  });

  it('creates every other instrument on the wrapped meter', async () => {
    const meter = new PreAggregatedMeterProvider(
      metrics.meterProvider,
    ).getMeter('other');
    meter.createHistogram('pre_aggregated_test_histogram').record(3);
    const { body } = await fetchFromHandler(metrics.metricsHandler);
    expect(body).toMatch(/^pre_aggregated_test_histogram_count\{[^}]*\} 1$/m);
  });
});
