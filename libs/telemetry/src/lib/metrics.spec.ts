import { resourceFromAttributes } from '@opentelemetry/resources';
import { resolveTelemetryConfig } from './config/resolve.js';
import { constantLabels, initMetrics } from './metrics.js';
import { fetchFromHandler } from './test-helpers.js';

describe('initMetrics', () => {
  const metrics = initMetrics({
    config: resolveTelemetryConfig({
      env: {},
      defaultServiceName: 'metrics-test',
    }),
    resource: resourceFromAttributes({ 'service.name': 'metrics-test' }),
    register: false,
  });
  afterAll(() => metrics.shutdown());

  it('exposes the seed instruments under their Prometheus names and units', async () => {
    metrics.requestCounter.add(1);
    metrics.requestCounter.add(2);
    const { status, contentType, body } = await fetchFromHandler(
      metrics.metricsHandler,
    );

    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain/);
    // counters get `_total`; the JS exporter adds no unit suffix
    expect(body).toMatch(/^# HELP request_counter_total Number of requests$/m);
    expect(body).toMatch(/^# TYPE request_counter_total counter$/m);
    expect(body).toMatch(/^request_counter_total(\{[^}]*\})? 3$/m);
    expect(body).toMatch(/^# HELP system_cpu_time_total CPU time$/m);
    expect(body).toMatch(/^# TYPE system_cpu_time_total counter$/m);
    expect(body).not.toMatch(/system_cpu_time_seconds/);
    expect(body).toMatch(/^target_info\{[^}]*service_name="metrics-test"/m);
  });

  it('reports user and system CPU time for every CPU as float seconds', async () => {
    const { body } = await fetchFromHandler(metrics.metricsHandler);
    const series = [
      ...body.matchAll(/^system_cpu_time_total\{([^}]*)\} ([0-9.e+]+)/gm),
    ].map((m) => ({
      labels: m[1],
      value: Number(m[2]),
    }));
    const cpus = new Set(
      series.map((s) => /cpu="(cpu\d+)"/.exec(s.labels)?.[1]),
    );
    expect(cpus.size).toBeGreaterThan(0);
    for (const cpu of cpus) {
      for (const state of ['user', 'system']) {
        const found = series.filter(
          (s) =>
            s.labels.includes(`cpu="${cpu}"`) &&
            s.labels.includes(`state="${state}"`),
        );
        expect(found).toHaveLength(1);
        expect(found[0].value).toBeGreaterThanOrEqual(0);
      }
    }
    expect(series.some((s) => s.value > 0)).toBe(true);
  });
});

describe('views and cardinality limits from the configuration model', () => {
  it('renames, filters attribute keys by glob, re-buckets, and caps series per reader', async () => {
    const config = resolveTelemetryConfig({
      env: {},
      defaultServiceName: 'views-test',
      overrides: {
        meter_provider: {
          readers: [
            {
              pull: {
                exporter: { 'prometheus/development': {} },
                cardinality_limits: { default: 1000, counter: 3 },
              },
            },
          ],
          views: [
            {
              selector: { instrument_name: 'request_counter' },
              stream: {
                name: 'requests',
                attribute_keys: {
                  included: ['http.*'],
                  excluded: ['http.secret'],
                },
              },
            },
            {
              selector: { instrument_type: 'histogram' },
              stream: {
                aggregation: {
                  explicit_bucket_histogram: { boundaries: [1, 10] },
                },
              },
            },
          ],
        },
      },
    });
    const metrics = initMetrics({ config, register: false });
    metrics.requestCounter.add(1, {
      'http.route': '/a',
      'http.secret': 'x',
      user: 'u1',
    });
    // a counter no view selects gets the reader's cardinality limit (3 series)
    const hits = metrics.meter.createCounter('hits');
    for (const route of ['/b', '/c', '/d', '/e']) hits.add(1, { route });
    metrics.meter.createHistogram('latency').record(5);
    const { body } = await fetchFromHandler(metrics.metricsHandler);
    expect(body).toMatch(/^requests_total\{http_route="\/a"[^}]*\} 1$/m);
    expect(body).not.toMatch(/request_counter_total/);
    expect(body).not.toMatch(/http_secret|user="u1"/);
    // capped at 3 series: the rest folded into the overflow series
    expect(body).toMatch(
      /^hits_total\{[^}]*otel_metric_overflow="true"[^}]*\} 2$/m,
    );
    expect(body).toMatch(/^latency_bucket\{[^}]*le="10"[^}]*\} 1$/m);
    expect(body).not.toMatch(/^latency_bucket\{[^}]*le="5"/m);
    await metrics.shutdown();
  });

  it('builds the Prometheus constant-label pattern from globs, minus the excluded ones', () => {
    const re = constantLabels({
      included: ['service*'],
      excluded: ['service.attr1'],
    });
    expect(re?.test('service.name')).toBe(true);
    expect(re?.test('service.attr1')).toBe(false);
    expect(re?.test('host.name')).toBe(false);
    expect(constantLabels(undefined)).toBeUndefined();
  });
});
