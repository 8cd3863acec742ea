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
import { LoopbackContainer } from './support/loopback-container.js';
import { paths } from './support/paths.js';
import { imageOf, loadStackCompose } from './support/project.js';
import { instantQuery } from './support/prometheus-api.js';
import { announceSkip } from './support/skip.js';
import { readDocumentedSpanMetrics } from './support/span-metrics.js';
import { writePrometheusConfigFor } from './support/stack-prometheus-config.js';

/**
 * The shipped collector, Jaeger and Prometheus configs in the pinned images, with the built dice-api
 * (run on the host) sending its traces through them: the data flow `docker compose up` gives a user,
 * checked end to end. Grafana is left out: it only reads what Prometheus and Jaeger serve.
 */

const project = loadStackCompose();
const images = {
  collector: imageOf(project, 'otel-collector'),
  jaeger: imageOf(project, 'jaeger'),
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
        TRACE_ENDPOINT: `http://127.0.0.1:${collector.getMappedPort(4317)}`,
        OTEL_SERVICE_NAME: SERVICE,
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
});
