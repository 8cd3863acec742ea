import {
  httpGet,
  startNodeApp,
  waitUntil,
  getFreePort,
  type NodeProcess,
} from '@otel-dice/test-support';
import {
  Network,
  TestContainers,
  Wait,
  type StartedNetwork,
  type StartedTestContainer,
} from 'testcontainers';
import { SSHD_IMAGE } from 'testcontainers/build/port-forwarder/port-forwarder';
import { getReaperImage } from 'testcontainers/build/reaper/reaper';
import { probeContainerImages } from './support/container-probe.js';
import { findSpans, groupByTrace } from './support/jaeger-api.js';
import { queryLogs } from './support/loki-api.js';
import { LoopbackContainer } from './support/loopback-container.js';
import { paths } from './support/paths.js';
import { imageOf, loadStackCompose } from './support/project.js';
import { instantQuery } from './support/prometheus-api.js';
import { announceSkip } from './support/skip.js';
import { readDocumentedSpanMetrics } from './support/span-metrics.js';
import { writePrometheusConfigFor } from './support/stack-prometheus-config.js';

/**
 * The shipped collector, Jaeger, Loki and Prometheus configs in the pinned images, with the built
 * dice-api (run on the host) sending its traces, logs and (here also pushed) metrics through them:
 * the data flow `docker compose up` gives a user, checked end to end. Grafana is left out: it only
 * reads what Prometheus, Jaeger and Loki serve.
 */

const project = loadStackCompose();
const images = {
  collector: imageOf(project, 'otel-collector'),
  jaeger: imageOf(project, 'jaeger'),
  loki: imageOf(project, 'loki'),
  prometheus: imageOf(project, 'prometheus'),
};
// testcontainers' own helpers: the reaper (unless disabled) and the sshd that forwards the app's port.
const helperImages = [
  ...(process.env['TESTCONTAINERS_RYUK_DISABLED'] === 'true'
    ? []
    : [getReaperImage()]),
  SSHD_IMAGE,
];
const availability = probeContainerImages([
  ...Object.values(images),
  ...helperImages,
]);
if (!availability.ok)
  announceSkip('the container stack suite', availability.reason);
const describeStack = availability.ok ? describe : describe.skip;

const SERVICE = 'dice-api';
const MAX_REQUESTS = 200;
const STARTUP_TIMEOUT_MS = 180_000;

describeStack('the observability stack in containers', () => {
  let network: StartedNetwork | undefined;
  const containers: StartedTestContainer[] = [];
  let app: NodeProcess | undefined;
  let jaegerUrl = '';
  let lokiUrl = '';
  let prometheusUrl = '';
  // Search window start; a minute of slack so no clock rounding can hide the first traces.
  const startedAt = new Date(Date.now() - 60_000);
  let sent = 0;
  let errors = 0;

  beforeAll(async () => {
    network = await new Network().start();

    const jaeger = await new LoopbackContainer(images.jaeger)
      .withNetwork(network)
      .withNetworkAliases('jaeger')
      .withCopyFilesToContainer([
        { source: paths.jaegerConfig, target: '/etc/jaeger/config.yaml' },
      ])
      .withCommand(['--config=/etc/jaeger/config.yaml'])
      .withExposedPorts(16686, 13133)
      .withWaitStrategy(Wait.forHttp('/status', 13133).forStatusCode(200))
      .withStartupTimeout(STARTUP_TIMEOUT_MS)
      .start();
    containers.push(jaeger);
    jaegerUrl = `http://127.0.0.1:${jaeger.getMappedPort(16686)}`;

    // /ready answers 200 once the ingester has joined its ring (about 15 s after start).
    const loki = await new LoopbackContainer(images.loki)
      .withNetwork(network)
      .withNetworkAliases('loki')
      .withCopyFilesToContainer([
        { source: paths.lokiConfig, target: '/etc/loki/loki.yaml' },
      ])
      .withCommand(['-config.file=/etc/loki/loki.yaml'])
      .withExposedPorts(3100)
      .withWaitStrategy(Wait.forHttp('/ready', 3100).forStatusCode(200))
      .withStartupTimeout(STARTUP_TIMEOUT_MS)
      .start();
    containers.push(loki);
    lokiUrl = `http://127.0.0.1:${loki.getMappedPort(3100)}`;

    // FROM scratch: no shell to exec a probe in, so readiness is the health_check extension over HTTP.
    const collector = await new LoopbackContainer(images.collector)
      .withNetwork(network)
      .withNetworkAliases('otel-collector')
      .withCopyFilesToContainer([
        {
          source: paths.collectorConfig,
          target: '/etc/otelcol-contrib/config.yaml',
        },
      ])
      .withCommand(['--config=/etc/otelcol-contrib/config.yaml'])
      .withExposedPorts(4317, 13133)
      .withWaitStrategy(Wait.forHttp('/', 13133).forStatusCode(200))
      .withStartupTimeout(STARTUP_TIMEOUT_MS)
      .start();
    containers.push(collector);

    // The app listens on 127.0.0.1; Prometheus (a container) reaches it through testcontainers'
    // port forwarder as host.testcontainers.internal.
    const appPort = await getFreePort();
    await TestContainers.exposeHostPorts(appPort);
    const prometheus = await new LoopbackContainer(images.prometheus)
      .withNetwork(network)
      .withNetworkAliases('prometheus')
      .withCopyFilesToContainer([
        {
          source: writePrometheusConfigFor(
            `host.testcontainers.internal:${appPort}`,
          ),
          target: '/etc/prometheus/prometheus.yml',
        },
      ])
      .withCommand(['--config.file=/etc/prometheus/prometheus.yml'])
      .withExposedPorts(9090)
      .withWaitStrategy(Wait.forHttp('/-/ready', 9090).forStatusCode(200))
      .withStartupTimeout(STARTUP_TIMEOUT_MS)
      .start();
    containers.push(prometheus);
    prometheusUrl = `http://127.0.0.1:${prometheus.getMappedPort(9090)}`;

    app = await startNodeApp({
      main: paths.diceApiMain,
      port: appPort,
      env: {
        // Every signal to the collector over OTLP/gRPC, as in compose; metrics are also pushed here
        // (compose only scrapes) to prove that path, and quickly, so the test need not wait a minute.
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.getMappedPort(4317)}`,
        OTEL_SERVICE_NAME: SERVICE,
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'prometheus,otlp',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
      },
    });

    // Roll until at least one 7 (HTTP 500) came up and at least 20 requests went out; bounded, since
    // each roll is a 1-in-7 chance (200 rolls all missing it: (6/7)^200, about 4e-14).
    while (sent < MAX_REQUESTS && (errors === 0 || sent < 20)) {
      const response = await httpGet(`${app.baseUrl}/rolldice`);
      sent++;
      if (response.status === 500) errors++;
      else expect(response.status).toBe(200);
    }
    expect(errors).toBeGreaterThan(0);
  }, 4 * STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    // Everything is stopped even when a step fails; the first failure is reported.
    const results = await Promise.allSettled([
      app?.stop(),
      ...containers.reverse().map((c) => c.stop()),
    ]);
    const network_ = await Promise.allSettled([network?.stop()]);
    const failed = [...results, ...network_].find(
      (r) => r.status === 'rejected',
    );
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }, 60_000);

  it('delivers traces through the collector to Jaeger: a roll with do_roll and do_important_job, and an ERROR trace', async () => {
    const found = await waitUntil(
      async () => {
        const traces = [
          ...groupByTrace(
            await findSpans(jaegerUrl, SERVICE, startedAt, new Date()),
          ).values(),
        ];
        const roll = traces.find((t) =>
          ['do_roll', 'do_important_job'].every((name) =>
            t.some((s) => s.name === name),
          ),
        );
        const failed = traces.find((t) => t.some((s) => s.statusCode === 2));
        return roll && failed ? { roll, failed } : undefined;
      },
      {
        timeoutMs: 90_000,
        intervalMs: 1_000,
        what: `Jaeger api_v3 to return a ${SERVICE} trace with do_roll + do_important_job and one with an ERROR span`,
      },
    );
    // The app spans sit in the request's trace next to the HTTP server span, and the failing request's
    // trace holds the roll that failed.
    expect(found.roll.length).toBeGreaterThanOrEqual(3);
    expect(found.failed.some((s) => s.name === 'do_roll')).toBe(true);
  });

  it("lets Prometheus scrape the app's own request_counter", async () => {
    const total = await waitUntil(
      async () => {
        const [sample] = await instantQuery(
          prometheusUrl,
          `sum(request_counter_total{job="${SERVICE}"})`,
        );
        return sample && sample.value >= sent ? sample.value : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 1_000,
        what: `request_counter_total in Prometheus to reach the ${sent} requests sent`,
      },
    );
    expect(total).toBe(sent);
  });

  it('lets Prometheus scrape the span metrics under the documented names', async () => {
    const documented = readDocumentedSpanMetrics(paths.spanMetricsList).metrics;
    const names = await waitUntil(
      async () => {
        const samples = await instantQuery(
          prometheusUrl,
          `count by (__name__) ({__name__=~"traces_span_metrics_.+", service_name="${SERVICE}"})`,
        );
        const seen = samples.map((s) => s.labels['__name__']);
        return documented.every((name) => seen.includes(name))
          ? seen
          : undefined;
      },
      {
        timeoutMs: 90_000,
        intervalMs: 2_000,
        what: `the span metrics ${documented.join(', ')} for ${SERVICE} in Prometheus`,
      },
    );
    expect(names).toEqual(expect.arrayContaining(documented));
    const [doRoll] = await instantQuery(
      prometheusUrl,
      `sum(traces_span_metrics_calls_total{service_name="${SERVICE}", span_name="do_roll"})`,
    );
    expect(doRoll?.value).toBeGreaterThan(0);
  });

  it("delivers each request's log record to Loki with its request's trace id, and that trace is in Jaeger", async () => {
    // The app's own JSON access line of a failed roll names the trace and span of its request.
    const accessLine = app
      ?.jsonLines()
      .find((l) => l['route'] === '/rolldice' && l['status'] === 500);
    expect(accessLine).toEqual(
      expect.objectContaining({
        trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      }),
    );
    const traceId = String(accessLine?.['trace_id']);
    const entries = await waitUntil(
      async () => {
        const found = await queryLogs(
          lokiUrl,
          `{service_name="${SERVICE}"} | trace_id="${traceId}"`,
          startedAt,
          new Date(),
        );
        return found.length > 0 ? found : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 1_000,
        what: `a log record with trace_id ${traceId} in Loki`,
      },
    );
    const record = entries.find((e) => e.line === 'request completed');
    // Body = pino's msg; trace/span id and severity are structured metadata; the resource's
    // service.instance.id is an index label.
    expect(record?.labels).toEqual(
      expect.objectContaining({
        service_name: SERVICE,
        service_instance_id: expect.stringMatching(/.+/),
        trace_id: traceId,
        span_id: accessLine?.['span_id'],
        severity_text: 'error',
        route: '/rolldice',
      }),
    );
    // The same trace id leads to the request's trace in Jaeger (the log -> trace link's target).
    await waitUntil(
      async () =>
        (await findSpans(jaegerUrl, SERVICE, startedAt, new Date())).some(
          (s) => s.traceId === traceId && s.statusCode === 2,
        ) || undefined,
      {
        timeoutMs: 60_000,
        intervalMs: 1_000,
        what: `the ERROR trace ${traceId} in Jaeger`,
      },
    );
  });

  it('loses no access log: one record per request in Loki', async () => {
    const count = await waitUntil(
      async () => {
        const records = (
          await queryLogs(
            lokiUrl,
            `{service_name="${SERVICE}"} | route="/rolldice"`,
            startedAt,
            new Date(),
          )
        ).filter((e) => e.line === 'request completed');
        return records.length >= sent ? records.length : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 2_000,
        what: `${sent} /rolldice access records in Loki`,
      },
    );
    expect(count).toBe(sent);
  });

  it('takes pushed OTLP metrics through the collector to Prometheus, in a job of their own', async () => {
    // The prometheus/otlp exporter names the series after the resource (job/instance), which the
    // scrape keeps as exported_job/exported_instance; the scraped job="dice-api" is untouched (the
    // request_counter test above finds exactly the requests sent there).
    const pushed = await waitUntil(
      async () => {
        const [sample] = await instantQuery(
          prometheusUrl,
          `sum(request_counter_total{job="otel-collector-otlp-metrics", exported_job="${SERVICE}"})`,
        );
        return sample && sample.value >= sent ? sample.value : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 1_000,
        what: `the pushed request_counter to reach ${sent} in Prometheus`,
      },
    );
    expect(pushed).toBe(sent);
  });
});
