import { once } from 'node:events';
import { createServer, get } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ConfigOverrides } from './config/overrides.js';
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

describe('initMetrics with Prometheus on a port of its own', () => {
  /** A Prometheus reader on 127.0.0.1:`port`, and `prometheus` settings of the extension. */
  const ownPort = (
    port: number,
    prometheus: NonNullable<
      NonNullable<ConfigOverrides['distribution']>['otel-dice']
    >['prometheus'] = {},
  ) =>
    resolveTelemetryConfig({
      env: {
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      },
      defaultServiceName: 'port-test',
      overrides: { distribution: { 'otel-dice': { prometheus } } },
    });

  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it('serves and counts scrapes on it, answers 404 on the app port, and closes it on shutdown', async () => {
    const port = await freePort();
    const metrics = initMetrics({
      resource: resourceFromAttributes({ 'service.name': 'port-test' }),
      config: ownPort(port, { cache: 0 }),
      register: false,
    });
    const url = `http://127.0.0.1:${port}/metrics`;
    try {
      metrics.requestCounter.add(1);
      let first: Response | undefined;
      const deadline = Date.now() + 5_000;
      while (first === undefined && Date.now() < deadline)
        first = await fetch(url).catch(() => undefined); // listening shortly after init
      expect(first?.status).toBe(200);
      expect(await first?.text()).toMatch(
        /^request_counter_total(\{[^}]*\})? 1$/m,
      );
      const second = await (await fetch(url)).text();
      expect(second).toMatch(
        /^promhttp_metric_handler_requests_total\{code="200"[^}]*\} 1$/m,
      );
      expect((await fetchFromHandler(metrics.metricsHandler)).status).toBe(404);
    } finally {
      await metrics.shutdown();
    }
    await expect(fetch(url)).rejects.toThrow();
  });

  /** A GET on a connection of its own, closed after: the status and body, or the error. */
  const fresh = (url: string) =>
    new Promise<{ status?: number; body?: string; error?: string }>(
      (resolve) => {
        const req = get(url, { agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        req.on('error', (error) => resolve({ error: error.message }));
      },
    );

  it('takes its target_info and its server limits from the extension', async () => {
    const port = await freePort();
    const metrics = initMetrics({
      resource: resourceFromAttributes({ 'service.name': 'limits-test' }),
      config: ownPort(port, {
        cache: 0,
        target_info: 'none',
        server: { max_connections: 1 },
      }),
      register: false,
    });
    const url = `http://127.0.0.1:${port}/metrics`;
    try {
      let first = await fresh(url);
      const deadline = Date.now() + 5_000;
      while (first.status === undefined && Date.now() < deadline)
        first = await fresh(url); // listening shortly after init
      expect(first.status).toBe(200);
      expect(first.body).toMatch(/^system_cpu_time_total/m);
      expect(first.body).not.toMatch(/target_info/);
      // one connection held open takes the only place: the next one is closed unanswered
      const occupying = connect({ host: '127.0.0.1', port });
      await once(occupying, 'connect');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const refused = await fresh(url);
      expect(refused.status).toBeUndefined();
      expect(refused.error).toBeDefined();
      occupying.destroy();
    } finally {
      await metrics.shutdown();
    }
  });

  it('shows no target_info for a reader with target_info_enabled/development: false', async () => {
    const metrics = initMetrics({
      resource: resourceFromAttributes({ 'service.name': 'reader-test' }),
      config: resolveTelemetryConfig({
        env: { TELEMETRY_PROMETHEUS_TARGET_INFO: 'all' },
        defaultServiceName: 'reader-test',
        overrides: {
          meter_provider: {
            readers: [
              {
                pull: {
                  exporter: {
                    'prometheus/development': {
                      'target_info_enabled/development': false,
                    },
                  },
                },
              },
            ],
          },
        },
      }),
      register: false,
    });
    try {
      const { body } = await fetchFromHandler(metrics.metricsHandler);
      expect(body).toMatch(/^system_cpu_time_total/m);
      expect(body).not.toMatch(/target_info/);
    } finally {
      await metrics.shutdown();
    }
  });

  it('warns once, naming host and port, when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const warnings: string[] = [];
    const metrics = initMetrics({
      resource: resourceFromAttributes({ 'service.name': 'port-test' }),
      config: ownPort(port),
      register: false,
      logger: { warn: (m) => warnings.push(m), info: () => undefined },
    });
    try {
      const deadline = Date.now() + 5_000;
      while (warnings.length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warnings).toEqual([
        expect.stringMatching(
          new RegExp(
            `^cannot serve Prometheus metrics on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`,
          ),
        ),
      ]);
    } finally {
      await metrics.shutdown();
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('counts scrapes of the app port too', async () => {
    const metrics = initMetrics({
      resource: resourceFromAttributes({ 'service.name': 'count-test' }),
      config: resolveTelemetryConfig({
        env: {},
        defaultServiceName: 'count-test',
        overrides: {
          distribution: { 'otel-dice': { prometheus: { cache: 0 } } },
        },
      }),
      register: false,
    });
    try {
      await fetchFromHandler(metrics.metricsHandler);
      const { body } = await fetchFromHandler(metrics.metricsHandler);
      expect(body).toMatch(
        /^promhttp_metric_handler_requests_total\{code="200"[^}]*\} 1$/m,
      );
    } finally {
      await metrics.shutdown();
    }
  });
});
