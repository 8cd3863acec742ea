/**
 * ISSUE 19 — the library on a realistic service, proved over the wire. The shop fixture (Express 4
 * with nested routers mounted twice, knex over pg, ioredis, an outgoing fetch, a forked job
 * worker) runs with `--require @otel-dice/telemetry/register` and no instrumentation settings;
 * a real OTLP/gRPC receiver decodes what it sends.
 *
 * Needs PostgreSQL and Redis from `.ci/services.sh` (SHOP_E2E_DATABASE_URL, SHOP_E2E_REDIS_URL).
 * Without them the suite is skipped with one line; with CI=true it fails instead.
 */
import { resolve } from 'node:path';
import {
  getFreePort,
  httpGet,
  spawnNodeProcess,
  startOtlpReceiver,
  stopAllProcesses,
  waitUntil,
  type NodeProcess,
  type OtlpReceiver,
  type ReceivedSpan,
} from '@otel-dice/test-support';
import {
  byScope,
  otelLines,
  SCOPES,
  SHOP_DIR,
  servicesFromEnv,
  startDownstream,
  startShop,
  type Services,
  type Shop,
} from './support/shop.js';

const { services, missing } = servicesFromEnv();
const ci = process.env['CI'] === 'true';
if (missing && !ci) process.stdout.write(`shop.e2e: skipped: ${missing}\n`);
const describeWithServices = services || ci ? describe : describe.skip;

const SERVER = 2;
const CLIENT = 3;
const STATUS_ERROR = 2;

/** Every span of `trace` below `root`, by walking parents. */
function isUnder(
  span: ReceivedSpan,
  root: ReceivedSpan,
  trace: readonly ReceivedSpan[],
): boolean {
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  let parent = span.parentSpanId;
  for (let hops = 0; parent !== undefined && hops < 50; hops++) {
    if (parent === root.spanId) return true;
    parent = byId.get(parent)?.parentSpanId;
  }
  return false;
}

function exceptionOf(span: ReceivedSpan): Record<string, unknown> | undefined {
  return span.events.find((e) => e.name === 'exception')?.attributes;
}

describeWithServices('the shop fixture under --require …/register', () => {
  let svc: Services;
  let receiver: OtlpReceiver;
  let downstream: NodeProcess & { pricingUrl: string };

  beforeAll(async () => {
    if (!services) throw new Error(`CI=true and ${missing}`);
    svc = services;
    receiver = await startOtlpReceiver();
    downstream = (await startDownstream()) as NodeProcess & {
      pricingUrl: string;
    };
  });

  afterAll(async () => {
    await stopAllProcesses();
    await receiver?.stop();
  });

  afterEach(() => receiver?.clear());

  describe('with the defaults', () => {
    let shop: Shop;

    beforeAll(async () => {
      shop = await startShop({
        services: svc,
        pricingUrl: downstream.pricingUrl,
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_BSP_SCHEDULE_DELAY: '200',
        },
      });
      // Start-up is measured here and reported; its budget lives in the benchmark
      // (`npx nx run bench:startup`), not in a timed test.
      process.stdout.write(
        `shop.e2e: the shop answered /healthz ${Math.round(shop.startMs)} ms after spawn\n`,
      );
    });

    afterAll(() => shop?.stop('SIGTERM'));

    it('says once what is instrumented, and warns about nothing', () => {
      const lines = otelLines(shop);
      const banners = lines.filter((l) =>
        l.startsWith('[otel] telemetry: service shop;'),
      );
      expect(banners).toHaveLength(1);
      expect(banners[0]).toMatch(
        /; instrumentations express, http, runtime-node; \d+ more start when the app loads what they patch$/,
      );
      // Neither the knex false alarm nor any other warning.
      expect(lines.filter((l) => l.includes('warning'))).toEqual([]);
    });

    it('one trace per request: server, ioredis, knex and pg spans with the right parents', async () => {
      const response = await httpGet(
        `${shop.baseUrl}/api/v1/catalog/products/1`,
      );
      expect(response.status).toBe(200);
      const spans = await receiver.waitForSpans(
        (all) =>
          all.some(
            (s) =>
              s.kind === SERVER &&
              s.name === 'GET /api/v1/catalog/products/:id',
          ) && byScope(all, SCOPES.pg).some((s) => /SELECT/.test(s.name)),
        { timeoutMs: 20_000, what: 'the product request trace' },
      );
      const server = spans.find(
        (s) =>
          s.kind === SERVER && s.name === 'GET /api/v1/catalog/products/:id',
      ) as ReceivedSpan;
      expect(server.attributes['http.route']).toBe(
        '/api/v1/catalog/products/:id',
      );
      const trace = spans.filter((s) => s.traceId === server.traceId);
      const redis = byScope(trace, SCOPES.ioredis);
      const knex = byScope(trace, SCOPES.knex);
      const pg = byScope(trace, SCOPES.pg).filter((s) =>
        s.name.startsWith('pg.query'),
      );
      expect(redis.map((s) => s.name)).toEqual(expect.arrayContaining(['get']));
      expect(knex).toHaveLength(1);
      expect(pg.length).toBeGreaterThanOrEqual(1);
      for (const span of [...redis, ...knex, ...pg]) {
        expect(span.kind).toBe(CLIENT);
        expect({
          span: span.name,
          under: isUnder(span, server, trace),
        }).toEqual({
          span: span.name,
          under: true,
        });
      }
      // knex is the parent of the pg query it ran; Redis calls hang off the server span.
      for (const query of pg) expect(query.parentSpanId).toBe(knex[0].spanId);
      for (const call of redis) expect(call.parentSpanId).toBe(server.spanId);
      expect(knex[0].parentSpanId).toBe(server.spanId);
    });

    it('the same router mounted under /api/v2 names its own route; fetch carries the trace downstream', async () => {
      const response = await httpGet(
        `${shop.baseUrl}/api/v2/catalog/products/2/price`,
      );
      expect(response.status).toBe(200);
      const body = JSON.parse(response.body) as { traceparent: string | null };
      const spans = await receiver.waitForSpans(
        (all) => byScope(all, SCOPES.undici).length > 0,
        { timeoutMs: 20_000, what: 'the fetch span' },
      );
      const server = spans.find(
        (s) =>
          s.kind === SERVER &&
          s.name === 'GET /api/v2/catalog/products/:id/price',
      ) as ReceivedSpan;
      expect(server).toBeDefined();
      const [fetchSpan] = byScope(spans, SCOPES.undici);
      expect(fetchSpan.kind).toBe(CLIENT);
      expect(fetchSpan.traceId).toBe(server.traceId);
      expect(fetchSpan.parentSpanId).toBe(server.spanId);
      // The downstream saw the fetch span as its parent.
      expect(body.traceparent).toBe(
        `00-${fetchSpan.traceId}-${fetchSpan.spanId}-01`,
      );
    });

    it('the forked worker: its own instance id, one short line, no port of its own', async () => {
      const created = await fetch(`${shop.baseUrl}/api/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ productId: 1, quantity: 2 }),
      });
      expect(created.status).toBe(202);
      const { id } = (await created.json()) as { id: number };
      // The server span ends after the response and the worker's update in another process:
      // either can arrive first, in separate batches.
      const spans = await receiver.waitForSpans(
        (all) =>
          all.some(
            (s) =>
              s.resource['process.pid'] === shop.workerPid &&
              /UPDATE/.test(s.name),
          ) &&
          all.some(
            (s) => s.kind === SERVER && s.name === 'POST /api/v1/orders',
          ),
        {
          timeoutMs: 20_000,
          what: `the worker's UPDATE of order ${id} and the POST's server span`,
        },
      );
      const update = spans.find(
        (s) =>
          s.resource['process.pid'] === shop.workerPid && /UPDATE/.test(s.name),
      ) as ReceivedSpan;
      const server = spans.find(
        (s) => s.kind === SERVER && s.name === 'POST /api/v1/orders',
      ) as ReceivedSpan;
      expect(update.scope.name).toBe(SCOPES.pg);
      expect(update.resource['service.name']).toBe('shop');
      expect(update.resource['process.parent_pid']).toBe(shop.pid);
      expect(update.resource['service.instance.id']).toEqual(
        expect.any(String),
      );
      expect(update.resource['service.instance.id']).not.toBe(
        server.resource['service.instance.id'],
      );

      const lines = otelLines(shop);
      expect(
        lines.filter((l) => l.startsWith('[otel] telemetry: service shop;')),
      ).toHaveLength(1);
      expect(lines.filter((l) => l.includes('forked child'))).toEqual([
        `[otel] telemetry: forked child of service shop (pid ${shop.workerPid}, parent ${shop.pid}) with its own service.instance.id; metrics pushed over OTLP`,
      ]);
      expect(
        shop.lines.map((l) => l.text).filter((t) => /EADDRINUSE/.test(t)),
      ).toEqual([]);
    });

    it.each([
      [
        '/api/v1/fail/db',
        'DatabaseError',
        /relation "no_such_table" does not exist/,
      ],
      [
        '/api/v1/fail/throw',
        'TypeError',
        /^inventory snapshot is not iterable$/,
      ],
      ['/api/v1/fail/next', 'RangeError', /^discount above 100 %$/],
      ['/api/v1/fail/reject', 'Error', /^payment provider timed out$/],
      ['/legacy/boom', 'Error', /^legacy report failed$/],
    ])(
      'a 500 from %s carries its exception on the server span',
      async (path, type, message) => {
        const response = await httpGet(`${shop.baseUrl}${path}`);
        expect(response.status).toBe(500);
        const spans = await receiver.waitForSpans(
          (all) =>
            all.some((s) => s.kind === SERVER && s.name === `GET ${path}`),
          { timeoutMs: 20_000, what: `the server span of ${path}` },
        );
        const server = spans.find(
          (s) => s.kind === SERVER && s.name === `GET ${path}`,
        ) as ReceivedSpan;
        expect(server.status.code).toBe(STATUS_ERROR);
        expect(server.attributes['error.type']).toBe('500');
        const exception = exceptionOf(server);
        expect(exception).toEqual({
          'exception.type': type,
          'exception.message': expect.stringMatching(message),
          'exception.stacktrace': expect.stringContaining(
            type === 'DatabaseError' ? 'error' : type,
          ),
        });
        if (path.endsWith('/db')) {
          // The database error stays on its client span too.
          const pg = byScope(spans, SCOPES.pg).find(
            (s) =>
              s.traceId === server.traceId && s.name.startsWith('pg.query'),
          ) as ReceivedSpan;
          expect(pg.status.code).toBe(STATUS_ERROR);
          expect(exceptionOf(pg)).toBeDefined();
        }
      },
    );

    it('redacts secrets in the recorded message and stack', async () => {
      const response = await httpGet(`${shop.baseUrl}/api/v1/fail/secret`);
      expect(response.status).toBe(500);
      const spans = await receiver.waitForSpans(
        (all) => all.some((s) => s.name === 'GET /api/v1/fail/secret'),
        { timeoutMs: 20_000, what: 'the secret failure' },
      );
      const server = spans.find(
        (s) => s.name === 'GET /api/v1/fail/secret',
      ) as ReceivedSpan;
      const exception = exceptionOf(server) ?? {};
      expect(exception['exception.message']).toBe(
        // the library's one redaction rule: nothing after a query's first value is shown
        'pricing refused https://***@pricing.internal/v1/quote?token=REDACTED',
      );
      expect(String(exception['exception.stacktrace'])).not.toMatch(
        /hunter2|abc123/,
      );
    });

    it('ends on SIGTERM by itself, worker included, with the spans of its last request delivered', async () => {
      // Last in this group (jest runs tests in order): the shop is stopped here.
      const response = await httpGet(`${shop.baseUrl}/api/v1/catalog/`);
      expect(response.status).toBe(200);
      const stopped = await shop.stop('SIGTERM', 20_000);
      expect(stopped).toMatchObject({ forcedKill: false });
      expect(
        receiver.spans.some(
          (s) =>
            s.kind === SERVER &&
            s.attributes['url.path'] === '/api/v1/catalog/',
        ),
      ).toBe(true);
      expect(() => process.kill(shop.workerPid, 0)).toThrow();
    });
  });

  it('pushes metrics over OTLP when asked: runtime metrics and db.client.operation.duration', async () => {
    const shop = await startShop({
      services: svc,
      pricingUrl: downstream.pricingUrl,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_METRIC_EXPORT_TIMEOUT: '1000',
      },
    });
    for (let i = 0; i < 3; i++)
      expect(
        (await httpGet(`${shop.baseUrl}/api/v1/catalog/products/${i + 1}`))
          .status,
      ).toBe(200);
    const wanted = [
      'nodejs.eventloop.delay.p99',
      'nodejs.eventloop.utilization',
      'v8js.memory.heap.used',
      'v8js.gc.duration',
      'db.client.operation.duration',
      'http.server.request.duration',
    ];
    const metrics = await receiver.waitForMetrics(
      (all) =>
        wanted.every((name) =>
          all.some(
            (m) => m.name === name && m.resource['process.pid'] === shop.pid,
          ),
        ),
      { timeoutMs: 30_000, what: `OTLP metrics ${wanted.join(', ')}` },
    );
    const names = new Set(
      metrics
        .filter((m) => m.resource['process.pid'] === shop.pid)
        .map((m) => m.name),
    );
    for (const name of wanted) expect(names).toContain(name);
    await shop.stop('SIGTERM');
  });

  it('ES modules too: --import with knex and ioredis imported', async () => {
    const shop = await startShop({
      services: svc,
      pricingUrl: downstream.pricingUrl,
      loader: 'import',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_METRICS_EXPORTER: 'none',
      },
    });
    expect(
      (await httpGet(`${shop.baseUrl}/api/v1/catalog/products/3`)).status,
    ).toBe(200);
    const isServer = (s: ReceivedSpan) =>
      s.kind === SERVER && s.name === 'GET /api/v1/catalog/products/:id';
    // The server span ends last, after the response: it may come in a later batch than its
    // children, so wait for it too.
    const spans = await receiver.waitForSpans(
      (all) =>
        byScope(all, SCOPES.knex).length > 0 &&
        byScope(all, SCOPES.ioredis).length > 0 &&
        all.some(isServer),
      {
        timeoutMs: 20_000,
        what: 'knex, ioredis and server spans from the ES module app',
      },
    );
    const server = spans.find(isServer) as ReceivedSpan;
    for (const scope of [SCOPES.knex, SCOPES.ioredis, SCOPES.pg])
      expect(
        byScope(spans, scope).filter((s) => s.traceId === server.traceId)
          .length,
      ).toBeGreaterThan(0);
    expect(otelLines(shop).filter((l) => l.includes('warning'))).toEqual([]);
    await shop.stop('SIGTERM');
  });

  it('names a loaded package whose instrumentation is switched off, with the near miss', async () => {
    const shop = await startShop({
      services: svc,
      pricingUrl: downstream.pricingUrl,
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,pg,knex,redis',
      },
    });
    const notes = otelLines(shop).filter((l) =>
      l.includes('loaded but not instrumented'),
    );
    expect(notes).toEqual([
      expect.stringMatching(
        /^\[otel\] warning: ioredis is loaded but not instrumented: the ioredis instrumentation is switched off .*\(redis instruments redis and @redis\/client and @node-redis\/client, not ioredis\)$/,
      ),
    ]);
    await shop.stop('SIGTERM');
  });

  it('with OTEL_METRICS_EXPORTER=prometheus the app serves its port, runtime metrics included; the worker pushes where traces go', async () => {
    const metricsPort = await getFreePort();
    const shop = await startShop({
      services: svc,
      pricingUrl: downstream.pricingUrl,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      },
    });
    // The worker prints its line as it starts, which may be just after the app listens.
    const childLines = () =>
      otelLines(shop).filter((l) => l.includes('forked child'));
    for (let i = 0; i < 200 && childLines().length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(childLines()).toEqual([
      `[otel] telemetry: forked child of service shop (pid ${shop.workerPid}, parent ${shop.pid}) with its own service.instance.id; metrics pushed over OTLP to ${receiver.endpoint} (the parent serves Prometheus)`,
    ]);
    expect(
      shop.lines.map((l) => l.text).filter((t) => /EADDRINUSE/.test(t)),
    ).toEqual([]);
    // Runtime metrics start a second after telemetry (lazy-instrumentations.ts), the page is
    // kept for a second: scrape until they are there, fresh pages only.
    const runtime = [
      'nodejs_eventloop_utilization',
      'nodejs_eventloop_delay_p99',
      'v8js_memory_heap_used',
    ];
    const scrape = await waitUntil(
      async () => {
        const page = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
        return page.status === 200 &&
          runtime.every((name) =>
            new RegExp(`^${name}\\{`, 'm').test(page.body),
          )
          ? page
          : undefined;
      },
      {
        timeoutMs: 10_000,
        intervalMs: 250,
        what: `runtime metrics on /metrics`,
      },
    );
    expect(scrape.status).toBe(200);
    await shop.stop('SIGTERM');
  });

  it('with only an OTLP endpoint set, metrics go where traces go (the register entry follows the specification)', async () => {
    const shop = await startShop({
      services: svc,
      pricingUrl: downstream.pricingUrl,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
      },
    });
    await receiver.waitForMetrics(
      (all) =>
        all.some(
          (m) =>
            m.name === 'nodejs.eventloop.utilization' &&
            m.resource['process.pid'] === shop.pid,
        ),
      { timeoutMs: 15_000, what: 'runtime metrics pushed by default' },
    );
    await shop.stop('SIGTERM');
  });
});

describe('instrumentation names', () => {
  afterEach(() => stopAllProcesses());

  it('an unknown name stops the start with one line naming the near miss and the valid names', async () => {
    const app = await spawnNodeProcess({
      cwd: SHOP_DIR,
      main: 'src/main.js',
      nodeArgs: ['--require', '@otel-dice/telemetry/register'],
      env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,postgres' },
    });
    expect(await app.exited).toEqual({ code: 1, signal: null });
    expect(app.stdoutLines).toEqual([]);
    expect(app.stderrLines).toEqual([
      expect.stringMatching(
        /^\[otel\] cannot start telemetry: OTEL_NODE_ENABLED_INSTRUMENTATIONS="http,express,postgres" is invalid: "postgres" \(did you mean pg\?\) is not an instrumentation; valid names: amqplib, .*ioredis, .*undici, winston$/,
      ),
    ]);
  });
});

describe('what the register entry loads before the app', () => {
  afterEach(() => stopAllProcesses());

  // Start-up cost is the modules loaded before the app's first line runs. Each package below
  // is needed only later (the first export, the first log record) or only by a configuration
  // that names it (the SDK's tracer, B3): loading one at start again is a regression the
  // start-up benchmark would show only as a few milliseconds in the noise.
  it('no exporter, transport, SDK logs or SDK tracer package until they are used', async () => {
    const app = await spawnNodeProcess({
      cwd: SHOP_DIR,
      main: resolve(__dirname, 'support/print-loaded.cjs'),
      nodeArgs: ['--require', '@otel-dice/telemetry/register'],
      env: {
        OTEL_SERVICE_NAME: 'load-check',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      },
    });
    expect(await app.exited).toEqual({ code: 0, signal: null });
    const loaded = JSON.parse(app.stdoutLines[0] ?? '[]') as string[];
    // The start did happen: the SDK's metrics and the instrumentation base are there.
    expect(loaded).toEqual(
      expect.arrayContaining([
        '@opentelemetry/sdk-metrics',
        '@opentelemetry/instrumentation',
      ]),
    );
    expect(
      loaded.filter((name) =>
        /^@opentelemetry\/(sdk-logs|sdk-trace|otlp-transformer|otlp-exporter-base|otlp-grpc-exporter-base|propagator-b3|exporter-.*)$|^@grpc\/|^protobufjs$/.test(
          name,
        ),
      ),
    ).toEqual([]);
  });
});
