import { resourceFromAttributes } from '@opentelemetry/resources';
import { initMetrics } from './metrics.js';
import { fetchFromHandler } from './test-helpers.js';

describe('initMetrics', () => {
  const metrics = initMetrics({
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
