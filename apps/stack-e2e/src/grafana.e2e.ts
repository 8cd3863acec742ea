import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createOtlpReceiver,
  httpGet,
  prometheusSkipReason,
  startNodeApp,
  startPrometheus,
  type NodeProcess,
  type OtlpReceiver,
  type RunningPrometheus,
} from '@otel-dice/test-support';
import { bindMounts, portBindings } from './support/compose.js';
import { sampleNamesIn } from './support/exposition.js';
import {
  datasourcePromqlQueries,
  datasourceRefs,
  promqlQueries,
  readDashboardProviders,
  readDashboards,
  readDatasources,
  type PromqlQuery,
} from './support/grafana.js';
import { paths, repoPath } from './support/paths.js';
import { loadStackCompose, serviceOf } from './support/project.js';
import { metricNamesIn, substituteGrafanaVariables } from './support/promql.js';
import { checkPromqlExpressions, locatePromtool } from './support/promtool.js';
import { announceSkip, inCi } from './support/skip.js';
import { readDocumentedSpanMetrics } from './support/span-metrics.js';
import { isMap, readYaml } from './support/yaml-file.js';

const project = loadStackCompose();
const grafana = serviceOf(project, 'grafana');
const datasources = readDatasources(paths.grafanaDatasources);
const dashboards = readDashboards(paths.grafanaDashboards);
const queries: PromqlQuery[] = [
  ...dashboards.flatMap(promqlQueries),
  ...datasourcePromqlQueries(datasources),
];
const plainQueries = queries.map((q) => ({
  ...q,
  promql: substituteGrafanaVariables(q.expr),
}));

const promtool = locatePromtool();
if (!promtool.available && !inCi())
  announceSkip(
    'PromQL syntax check',
    `${promtool.reason}; install Debian's prometheus package to run it`,
  );
const withPromtool = promtool.available || inCi() ? it : it.skip;

/** The job the shipped Prometheus config scrapes dice-api under (its dashboards filter on it). */
function diceApiJobName(): string {
  const config = readYaml(paths.prometheusConfig);
  const jobs =
    isMap(config) && Array.isArray(config['scrape_configs'])
      ? config['scrape_configs'].filter(isMap)
      : [];
  const job = jobs.find((j) =>
    JSON.stringify(j['static_configs'] ?? []).includes('"dice-api:5000"'),
  );
  if (!job || typeof job['job_name'] !== 'string')
    throw new Error(
      'no scrape job targets dice-api:5000 in the Prometheus config',
    );
  return job['job_name'];
}

/** Every string value in a parsed YAML document. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (isMap(value)) return Object.values(value).flatMap(stringsIn);
  return [];
}

/** Where compose mounts a repo directory inside the Grafana container. */
function grafanaMountOf(repoDir: string): string | undefined {
  return bindMounts(grafana).find((m) => repoPath(m.source) === repoDir)
    ?.target;
}

describe('Grafana provisioning', () => {
  it('provisions a Prometheus and a Jaeger data source that point at the compose services', () => {
    expect(datasources.map((d) => [d.type, d.uid]).sort()).toEqual([
      ['jaeger', 'jaeger'],
      ['prometheus', 'prometheus'],
    ]);
    for (const ds of datasources) {
      const url = new URL(ds.url);
      const listens = portBindings(serviceOf(project, url.hostname)).map(
        (b) => b.containerPort,
      );
      expect({
        ds: ds.name,
        port: url.port,
        listened: listens.includes(Number(url.port)),
      }).toEqual({ ds: ds.name, port: url.port, listened: true });
    }
  });

  it('escapes Grafana placeholders in provisioning values, which Grafana env-interpolates', () => {
    for (const file of readdirSync(paths.grafanaDatasources).map((f) =>
      join(paths.grafanaDatasources, f),
    )) {
      // In a value, "$__tags" would become the (empty) environment variable __tags; "$$__tags" survives.
      const bare = stringsIn(readYaml(file)).filter((value) =>
        /(^|[^$])\$__/.test(value),
      );
      expect({ file: basename(file), bare }).toEqual({
        file: basename(file),
        bare: [],
      });
    }
  });

  it('mounts the provisioning directories where Grafana reads them and loads the dashboards from their mount', () => {
    expect(grafanaMountOf(paths.grafanaDatasources)).toBe(
      '/etc/grafana/provisioning/datasources',
    );
    expect(grafanaMountOf(paths.grafanaDashboardProviders)).toBe(
      '/etc/grafana/provisioning/dashboards',
    );
    const dashboardsMount = grafanaMountOf(paths.grafanaDashboards);
    expect(
      readDashboardProviders(paths.grafanaDashboardProviders).map(
        (p) => p.path,
      ),
    ).toEqual([dashboardsMount]);
    const home =
      grafana.environment['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'];
    expect(
      dashboards.map((d) => `${dashboardsMount}/${basename(d.file)}`),
    ).toContain(home);
  });
});

describe('the Dice API dashboard', () => {
  const dashboard = dashboards.find((d) => d.json['uid'] === 'dice-api');

  it('exists with a unique id per panel', () => {
    expect(dashboard?.json['title']).toBe('Dice API');
    const ids = JSON.stringify(dashboard?.json).match(/"id":\s*\d+/g) ?? [];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refers only to provisioned data sources, by uid and matching type', () => {
    const provisioned = new Map(datasources.map((d) => [d.uid, d.type]));
    const refs = dashboards.flatMap(datasourceRefs);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs)
      expect({
        ...ref,
        known: provisioned.get(String(ref.uid)) === ref.type,
      }).toEqual({ ...ref, known: true });
  });

  it('runs every PromQL query against the Prometheus data source', () => {
    for (const q of queries)
      expect({ where: q.where, uid: q.datasourceUid }).toEqual({
        where: q.where,
        uid: 'prometheus',
      });
  });

  it('shows what the issue asks for: rate, errors, latency quantiles, rolls, CPU by state, span RED', () => {
    const all = plainQueries.map((q) => q.promql).join('\n');
    for (const quantile of ['0.5', '0.95', '0.99'])
      expect(all).toContain(
        `histogram_quantile(${quantile}, sum by (le) (rate(http_server_request_duration_bucket`,
      );
    expect(all).toMatch(/http_response_status_code=~"5\.\."/);
    expect(all).toMatch(/sum by \(roll_value\) \([a-z]+\(dice_rolls_total/);
    expect(all).toMatch(/sum by \(state\) \(rate\(system_cpu_time_total/);
    expect(all).toContain('request_counter_total');
    expect(all).toMatch(
      /traces_span_metrics_calls_total\{[^}]*status_code="STATUS_CODE_ERROR"/,
    );
    expect(all).toContain('traces_span_metrics_duration_milliseconds_bucket');
  });

  withPromtool("parses with Prometheus' PromQL parser", () => {
    if (!promtool.available)
      throw new Error(
        `CI needs promtool (Debian package "prometheus"): ${promtool.reason}`,
      );
    const result = checkPromqlExpressions(plainQueries.map((q) => q.promql));
    expect({ ok: result.ok, output: result.output }).toEqual({
      ok: true,
      output: expect.stringContaining('SUCCESS'),
    });
  });
});

describe('dashboard queries against a live dice-api', () => {
  const spanMetrics = new Set(
    readDocumentedSpanMetrics(paths.spanMetricsList).metrics,
  );
  const prometheusSkip = prometheusSkipReason();
  if (prometheusSkip)
    announceSkip('dashboard queries against a real Prometheus', prometheusSkip);
  const withPrometheus = prometheusSkip ? it.skip : it;

  let receiver: OtlpReceiver | undefined;
  let app: NodeProcess | undefined;
  let prometheus: RunningPrometheus | undefined;
  let exposed: Set<string> = new Set();

  beforeAll(async () => {
    // A real OTLP sink, so the app runs with telemetry fully on (as in the stack) without a collector.
    receiver = createOtlpReceiver();
    await receiver.start();
    app = await startNodeApp({
      main: paths.diceApiMain,
      env: { TRACE_ENDPOINT: receiver.endpoint },
    });
    if (!prometheusSkip) {
      // Same job name as the shipped config gives the dice-api target, so `job="dice-api"` matches.
      prometheus = await startPrometheus({
        targets: [new URL(app.baseUrl).host],
        jobName: diceApiJobName(),
        scrapeIntervalSeconds: 1,
      });
      // Prometheus applies discovered targets a few seconds after start; traffic sent before its
      // first scrape would show up as one sample, which no rate() can use.
      await prometheus.waitForQuery(
        'up',
        (samples) => samples.some((s) => s.value === 1),
        { timeoutMs: 30_000, what: 'the first scrape of dice-api' },
      );
    }
    // Traffic spread over a few scrapes, until a 7 (HTTP 500) came up: rates, the 5xx ratio and the
    // latency quantiles then all have data. Bounded: 200 rolls all missing the 1-in-7 is ~4e-14.
    let errors = 0;
    for (let sent = 0; sent < 200 && (errors === 0 || sent < 30); sent++) {
      const response = await httpGet(`${app.baseUrl}/rolldice`);
      expect([200, 500]).toContain(response.status);
      if (response.status === 500) errors++;
      await sleep(100);
    }
    expect(errors).toBeGreaterThan(0);
    const metrics = await httpGet(`${app.baseUrl}/metrics`);
    expect(metrics.status).toBe(200);
    exposed = sampleNamesIn(metrics.body);
  }, 90_000);

  afterAll(async () => {
    const results = await Promise.allSettled([
      prometheus?.stop(),
      app?.stop(),
      receiver?.stop(),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });

  it('names only metrics dice-api exposes on /metrics or the collector derives from spans', () => {
    const unknown = plainQueries.flatMap((q) =>
      metricNamesIn(q.promql)
        .filter((name) => !exposed.has(name) && !spanMetrics.has(name))
        .map((name) => `${q.where}: ${name}`),
    );
    expect({ unknown, exposed: [...exposed].sort() }).toEqual({
      unknown: [],
      exposed: expect.any(Array),
    });
  });

  it('uses app metrics that a live app really exposes (the check above is not vacuous)', () => {
    for (const name of [
      'request_counter_total',
      'dice_rolls_total',
      'system_cpu_time_total',
      'http_server_request_duration_bucket',
    ]) {
      expect({ name, exposed: exposed.has(name) }).toEqual({
        name,
        exposed: true,
      });
    }
  });

  withPrometheus(
    'gets numbers, not empty panels, for every app-metric query from a Prometheus scraping the app',
    async () => {
      const running = prometheus as RunningPrometheus;
      // Span-metric queries need the collector; the container suite covers those.
      const appQueries = queries.filter((q) =>
        metricNamesIn(substituteGrafanaVariables(q.expr)).every(
          (name) => !spanMetrics.has(name),
        ),
      );
      expect(appQueries.length).toBeGreaterThanOrEqual(10);
      for (const q of appQueries) {
        // A one-minute window covers the whole burst of traffic above at the 1 s scrape interval.
        const promql = substituteGrafanaVariables(q.expr, '1m');
        await running.waitForQuery(
          promql,
          (samples) => samples.some((s) => Number.isFinite(s.value)),
          {
            timeoutMs: 20_000,
            what: `a finite value for ${q.where}: ${promql}`,
          },
        );
      }
    },
    120_000,
  );
});
