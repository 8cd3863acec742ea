import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

describe('initMetrics with Prometheus on a port of its own', () => {
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
      config: { readers: [{ kind: 'prometheus', host: '127.0.0.1', port }] },
      register: false,
      prometheus: { scrape: { cacheMs: 0 } },
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

  it('warns once, naming host and port, when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const warnings: string[] = [];
    const metrics = initMetrics({
      resource: resourceFromAttributes({ 'service.name': 'port-test' }),
      config: { readers: [{ kind: 'prometheus', host: '127.0.0.1', port }] },
      register: false,
      reporter: { warn: (m) => warnings.push(m), info: () => undefined },
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
      register: false,
      prometheus: { scrape: { cacheMs: 0 } },
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
