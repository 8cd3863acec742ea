import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { resolveTelemetryConfig } from './config/resolve.js';
import { createResource } from './resource.js';
import {
  EXPOSITION_CONTENT_TYPE,
  PrometheusScrape,
  type PrometheusScrapeOptions,
} from './prometheus-scrape.js';
import { fetchFromHandler } from './test-helpers.js';

const providers: MeterProvider[] = [];
afterAll(() => Promise.all(providers.map((p) => p.shutdown())));

/** A meter provider read by a Prometheus exporter that never serves, and a scrape of it. */
function setup(options: Omit<PrometheusScrapeOptions, 'now'> = {}) {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({
    resource: createResource(
      resolveTelemetryConfig({
        env: {
          OTEL_RESOURCE_ATTRIBUTES: 'k8s.node.name=node-3',
          OTEL_NODE_RESOURCE_DETECTORS: 'host,os,process,service',
        },
        defaultServiceName: 'scrape-test',
        serviceVersion: '1.0.0',
      }),
    ),
    readers: [exporter],
  });
  providers.push(provider);
  const clock = { ms: 0 };
  const collect = jest.spyOn(exporter, 'collect');
  const scrape = new PrometheusScrape(exporter, {
    ...options,
    now: () => clock.ms,
  });
  const meter: Meter = provider.getMeter('test');
  scrape.countOn(meter);
  const counter = meter.createCounter('things');
  return { scrape, clock, collect, counter };
}

const value = (body: string, series: RegExp) =>
  Number(
    new RegExp(`^${series.source}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(
      body,
    )?.[1],
  );

describe('PrometheusScrape', () => {
  it('serves the exposition with its media type, and counts each scrape by status', async () => {
    const { scrape, clock } = setup();
    const first = await fetchFromHandler(scrape.handle);
    expect(first.status).toBe(200);
    expect(first.contentType).toBe(EXPOSITION_CONTENT_TYPE);
    // counted once answered: the first page does not show itself, the second shows the first
    expect(first.body).not.toMatch(/promhttp_metric_handler_requests/);
    clock.ms += 1_000;
    const second = await fetchFromHandler(scrape.handle);
    expect(second.body).toMatch(
      /^# TYPE promhttp_metric_handler_requests_total counter$/m,
    );
    expect(second.body).toMatch(
      /^promhttp_metric_handler_requests_total\{code="200"[^}]*\} 1$/m,
    );
  });

  it('serves the same page for cacheMs, then renders a new one', async () => {
    const { scrape, clock, collect, counter } = setup({ cacheMs: 1_000 });
    counter.add(1);
    const first = await fetchFromHandler(scrape.handle);
    counter.add(1);
    clock.ms += 999;
    const cached = await fetchFromHandler(scrape.handle);
    expect(cached.body).toBe(first.body);
    expect(collect).toHaveBeenCalledTimes(1);
    clock.ms += 1;
    const fresh = await fetchFromHandler(scrape.handle);
    expect(value(fresh.body, /things_total/)).toBe(2);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it('renders once for scrapes that arrive together', async () => {
    const { scrape, collect } = setup();
    const pages = await Promise.all(
      Array.from({ length: 5 }, () => scrape.current()),
    );
    expect(collect).toHaveBeenCalledTimes(1);
    expect(new Set(pages).size).toBe(1);
  });

  it('renders every scrape with cacheMs 0', async () => {
    const { scrape, collect } = setup({ cacheMs: 0 });
    await scrape.current();
    await scrape.current();
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it('shows the service in target_info, and not the executable, runtime, kernel, host or node', async () => {
    const { scrape } = setup();
    const { body } = await fetchFromHandler(scrape.handle);
    const targetInfo = body
      .split('\n')
      .find((l) => l.startsWith('target_info{'));
    expect(targetInfo).toMatch(/service_name="scrape-test"/);
    expect(targetInfo).toMatch(/service_version="1.0.0"/);
    expect(targetInfo).toMatch(/service_instance_id="/);
    expect(targetInfo).not.toMatch(/process_|os_|host_|k8s_|telemetry_sdk/);
  });

  it('shows every resource attribute with targetInfo `all`, and no target_info with `none`', async () => {
    const all = await fetchFromHandler(
      setup({ targetInfo: 'all' }).scrape.handle,
    );
    expect(all.body).toMatch(/^target_info\{.*process_executable_path="/m);
    expect(all.body).toMatch(/^target_info\{.*os_version="/m);
    const none = await fetchFromHandler(
      setup({ targetInfo: 'none' }).scrape.handle,
    );
    expect(none.body).not.toMatch(/target_info/);
  });

  it('takes resource constant labels from the whole resource, target_info trimmed all the same', async () => {
    const { scrape, counter } = setup({
      withResourceConstantLabels: /^k8s\.node\.name$/,
      withoutScopeInfo: true,
    });
    counter.add(1);
    const { body } = await fetchFromHandler(scrape.handle);
    // the label the reader asked for by name, on every series, and no otel_scope_* labels
    expect(body).toMatch(/^things_total\{k8s_node_name="node-3"\} 1$/m);
    const targetInfo = body
      .split('\n')
      .find((l) => l.startsWith('target_info{'));
    expect(targetInfo).toMatch(/service_name="scrape-test"/);
    expect(targetInfo).not.toMatch(/k8s_/);
  });

  it('answers 500 with no details when collecting fails, and counts it', async () => {
    const failing = new PrometheusScrape({
      collect: () => Promise.reject(new Error('secret detail')),
    });
    const add = jest.fn();
    failing.countOn({ createCounter: () => ({ add }) } as unknown as Meter);
    const { status, body } = await fetchFromHandler(failing.handle);
    expect(status).toBe(500);
    expect(body).toBe('# metrics collection failed\n');
    expect(add).toHaveBeenCalledWith(1, { code: '500' });
  });

  it('refuses a negative or fractional cacheMs', () => {
    const reader = { collect: () => Promise.reject(new Error('unused')) };
    expect(() => new PrometheusScrape(reader, { cacheMs: -1 })).toThrow(
      'cacheMs must be an integer >= 0, got -1',
    );
    expect(() => new PrometheusScrape(reader, { cacheMs: 0.5 })).toThrow(
      RangeError,
    );
  });
});
