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
  dashboardPanels,
  datasourceLinks,
  datasourceLogqlQueries,
  datasourcePromqlQueries,
  datasourceRefs,
  grafanaEnvReferences,
  grafanaExpanders,
  grafanaProvisionedValue,
  logqlQueries,
  promqlQueries,
  readDashboardProviders,
  readDashboards,
  readDatasources,
  type PromqlQuery,
} from './support/grafana.js';
import {
  grafanaFormattedTags,
  grafanaSpanTags,
  interpolateSpanLinkQuery,
  jaegerProcess,
  SAMPLE_RESOURCE,
  SAMPLE_SPAN,
  traceToMetricsProblems,
} from './support/grafana-trace-links.js';
import {
  analyseLogql,
  logqlProblems,
  substituteGrafanaLogqlVariables,
} from './support/logql.js';
import {
  lokiLabelName,
  OTLP_RECORD_FIELDS,
  otlpStreamLabels,
} from './support/loki-config.js';
import { paths, repoPath } from './support/paths.js';
import { loadStackCompose, serviceOf } from './support/project.js';
import { metricNamesIn, substituteGrafanaVariables } from './support/promql.js';
import { checkPromqlExpressions, locatePromtool } from './support/promtool.js';
import { announceSkip, inCi } from './support/skip.js';
import { readDocumentedSpanMetrics } from './support/span-metrics.js';
import { isMap, readYaml, type YamlMap } from './support/yaml-file.js';

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
const logQueries: PromqlQuery[] = [
  ...dashboards.flatMap(logqlQueries),
  ...datasourceLogqlQueries(datasources),
];
const lokiConfig = readYaml(paths.lokiConfig) as YamlMap;
/** What the logs in Loki can be selected and filtered by (deploy/loki/loki.yaml's OTLP mapping). */
const knownLogLabels = {
  stream: new Set(otlpStreamLabels(lokiConfig)),
  fields: new Set(OTLP_RECORD_FIELDS),
};
const datasourceByUid = new Map(datasources.map((d) => [d.uid, d]));

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
  it('provisions Prometheus, Jaeger and Loki data sources that point at the compose services', () => {
    expect(datasources.map((d) => [d.type, d.uid]).sort()).toEqual([
      ['jaeger', 'jaeger'],
      ['loki', 'loki'],
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

  it('links data sources only to provisioned ones of the kind each link needs', () => {
    const links = datasourceLinks(datasources);
    expect(links.map((l) => `${l.from}.${l.setting}`).sort()).toEqual([
      'jaeger.tracesToLogsV2',
      'jaeger.tracesToMetrics',
      'loki.derivedFields[0]',
    ]);
    const needs: Record<string, string[]> = {
      tracesToMetrics: ['prometheus'],
      tracesToLogsV2: ['loki'],
      tracesToLogs: ['loki'],
      tracesToProfiles: ['grafana-pyroscope-datasource'],
      derivedFields: ['jaeger', 'tempo', 'zipkin'],
    };
    for (const link of links) {
      const toType = datasourceByUid.get(String(link.toUid))?.type;
      const wanted = needs[link.setting.replace(/\[\d+\]$/, '')];
      expect({
        ...link,
        toType,
        fits: wanted.includes(String(toType)),
      }).toEqual({
        ...link,
        toType,
        fits: true,
      });
    }
  });

  it('escapes every $ in provisioning values, which Grafana env-interpolates', () => {
    for (const file of readdirSync(paths.grafanaDatasources).map((f) =>
      join(paths.grafanaDatasources, f),
    )) {
      // "$__tags" or "${__value.raw}" would become an (empty) environment variable; "$$" survives.
      const expanded = stringsIn(readYaml(file)).flatMap((value) =>
        [
          ...grafanaEnvReferences(value),
          ...grafanaExpanders(value).map(
            (e) => `$__${e.provider}{${e.argument}}`,
          ),
        ].map((ref) => `${ref} in ${value}`),
      );
      expect({ file: basename(file), expanded }).toEqual({
        file: basename(file),
        expanded: [],
      });
    }
  });

  it('reads provisioning values as Grafana does', () => {
    expect(grafanaEnvReferences('$${__value.raw} $$__tags')).toEqual([]);
    expect(grafanaEnvReferences('${__value.raw} {$__tags} $HOME')).toEqual([
      '${__value.raw}',
      '$__tags',
      '$HOME',
    ]);
    expect(
      grafanaProvisionedValue('{$${__tags}} | x="$${__span.traceId}"'),
    ).toBe('{${__tags}} | x="${__span.traceId}"');
    expect(() => grafanaProvisionedValue('${__value.raw}')).toThrow(/\$\$/);
    // Grafana's expanders are not environment variables, and are reported on their own.
    expect(grafanaEnvReferences('$__file{/run/ca.crt} $URL')).toEqual(['$URL']);
    expect(grafanaExpanders('$__file{/run/ca.crt} $$__file{x}')).toEqual([
      { provider: 'file', argument: '/run/ca.crt' },
    ]);
    expect(() => grafanaProvisionedValue('$__file{/run/ca.crt}')).toThrow(
      /\$__file\{\/run\/ca.crt\}/,
    );
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

  it('has a row for the Node.js runtime: event-loop delay and utilization, GC, heap (issue 19)', () => {
    const all = plainQueries.map((q) => q.promql).join('\n');
    for (const name of [
      'nodejs_eventloop_delay_p99',
      'nodejs_eventloop_utilization',
      'v8js_gc_duration_sum',
      'v8js_memory_heap_used',
    ])
      expect(all).toContain(`${name}{job="dice-api"}`);
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

describe('logs in Grafana', () => {
  const dashboard = dashboards.find((d) => d.json['uid'] === 'dice-api');
  const jaeger = datasources.find((d) => d.type === 'jaeger');
  const loki = datasources.find((d) => d.type === 'loki');

  it("has LogQL to check: the dashboard's and the trace-to-logs query", () => {
    expect(logQueries.map((q) => q.where)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^panel "dice-api logs"/),
        expect.stringMatching(/tracesToLogsV2/),
      ]),
    );
  });

  it('runs every LogQL query against the Loki data source', () => {
    for (const q of logQueries)
      expect({ where: q.where, uid: q.datasourceUid }).toEqual({
        where: q.where,
        uid: loki?.uid,
      });
  });

  it('parses every LogQL query and selects only labels the logs in Loki have', () => {
    for (const q of logQueries)
      expect({
        where: q.where,
        problems: logqlProblems(
          substituteGrafanaLogqlVariables(q.expr),
          knownLogLabels,
        ),
      }).toEqual({ where: q.where, problems: [] });
  });

  it("shows the service's log lines in a logs panel, and their volume by severity", () => {
    const panels = dashboard ? dashboardPanels(dashboard) : [];
    const logsPanel = panels.find((p) => p['type'] === 'logs');
    expect(logsPanel?.['datasource']).toEqual({ type: 'loki', uid: loki?.uid });
    const logsQueries = (dashboard ? logqlQueries(dashboard) : []).filter((q) =>
      q.where.startsWith(`panel "${String(logsPanel?.['title'])}"`),
    );
    expect(logsQueries).toHaveLength(1);
    expect(analyseLogql(logsQueries[0].expr).selectors).toEqual([
      [{ label: 'service_name', op: '=', value: 'dice-api' }],
    ]);
    const all = (dashboard ? logqlQueries(dashboard) : []).map((q) =>
      analyseLogql(substituteGrafanaLogqlVariables(q.expr)),
    );
    expect(all.some((a) => a.groupingLabels.includes('severity_text'))).toBe(
      true,
    );
  });

  it('links a span to its logs: same resource, same trace id', () => {
    const link = jaeger?.jsonData['tracesToLogsV2'];
    if (!isMap(link))
      throw new Error('the Jaeger data source has no tracesToLogsV2');
    expect(link['datasourceUid']).toBe(loki?.uid);
    // Each span attribute maps to the label Loki derives from the same OTLP resource attribute, so
    // the selector picks the stream the span's process wrote.
    const tags = (Array.isArray(link['tags']) ? link['tags'] : []).filter(
      isMap,
    );
    expect(tags.map((t) => t['key'])).toContain('service.instance.id');
    for (const tag of tags)
      expect({ key: tag['key'], label: tag['value'] }).toEqual({
        key: tag['key'],
        label: lokiLabelName(String(tag['key'])),
      });
    for (const tag of tags)
      expect(knownLogLabels.stream.has(String(tag['value']))).toBe(true);
    // The trace id is structured metadata: a label filter, not a line filter on the message.
    const [query] = datasourceLogqlQueries(datasources);
    const analysis = analyseLogql(query.expr);
    expect(analysis.filteredLabels).toEqual(['trace_id']);
    expect(query.expr).toContain(`trace_id="${SAMPLE_SPAN.traceId}"`);
    // The selector is what Grafana can fill for a span read through /api/traces: the mapped keys the
    // span has (service.name is not among them there), and never nothing.
    const spanKeys = new Set(grafanaSpanTags(SAMPLE_SPAN).map((t) => t.key));
    const filled = tags
      .filter((t) => spanKeys.has(String(t['key'])))
      .map((t) => String(t['value']));
    expect(filled).toContain('service_instance_id');
    expect(analysis.selectors[0].map((m) => m.label).sort()).toEqual(
      filled.sort(),
    );
    expect(analysis.selectors[0]).toContainEqual({
      label: 'service_instance_id',
      op: '=',
      value: SAMPLE_RESOURCE['service.instance.id'],
    });
  });

  it('links a log line to its trace: the trace_id label, as a trace-id query on Jaeger', () => {
    const fields = loki?.jsonData['derivedFields'];
    const derived = (Array.isArray(fields) ? fields : []).filter(isMap);
    expect(derived).toHaveLength(1);
    const [field] = derived;
    // Structured metadata arrives among the line's labels, not in the line: match the label.
    expect(field['matcherType']).toBe('label');
    // Grafana tests matcherRegex against each label name and takes the first that matches.
    const matcher = new RegExp(String(field['matcherRegex']));
    expect(OTLP_RECORD_FIELDS.filter((name) => matcher.test(name))).toEqual([
      'trace_id',
    ]);
    expect(['parent_trace_id', 'trace_ids'].some((n) => matcher.test(n))).toBe(
      false,
    );
    expect(datasourceByUid.get(String(field['datasourceUid']))?.type).toBe(
      'jaeger',
    );
    // For an internal link the url is the query: the field's raw value, i.e. the trace id.
    expect(grafanaProvisionedValue(String(field['url']))).toBe(
      '${__value.raw}',
    );
  });
});

describe('span -> span metrics link (Jaeger data source)', () => {
  const jaeger = datasources.find((d) => d.type === 'jaeger');
  const spanMetricLabels = readDocumentedSpanMetrics(
    paths.spanMetricsList,
  ).labels;
  const linkQueries = datasourcePromqlQueries(datasources);

  it("models the span as Grafana gets it from Jaeger's /api/traces: service.name is the process name, not a tag", () => {
    expect(jaegerProcess({ 'service.name': 'a', 'host.name': 'h' })).toEqual({
      serviceName: 'a',
      tags: { 'host.name': 'h' },
    });
    expect(SAMPLE_SPAN.serviceName).toBe('dice-api');
    expect(grafanaSpanTags(SAMPLE_SPAN).map((t) => t.key)).not.toContain(
      'service.name',
    );
    // Grafana adds the operation name under "name", after the span's own tags.
    expect(
      grafanaFormattedTags(SAMPLE_SPAN, [
        { key: 'name', value: 'span_name' },
        { key: 'service.name', value: 'service_name' },
      ]),
    ).toBe('span_name="do_roll"');
    // No tags configured: Grafana's defaults, none of which a Jaeger process has here.
    expect(grafanaFormattedTags(SAMPLE_SPAN, [])).toBe('');
  });

  it("narrows every query to the span's own operation, with labels the span metrics have", () => {
    expect(linkQueries.length).toBeGreaterThanOrEqual(2);
    expect(
      traceToMetricsProblems(linkQueries, SAMPLE_SPAN, spanMetricLabels),
    ).toEqual([]);
  });

  it('never sums services: each query keeps service_name apart', () => {
    for (const q of linkQueries)
      expect({ where: q.where, expr: q.expr }).toEqual({
        where: q.where,
        expr: expect.stringMatching(/by \([^)]*\bservice_name\b[^)]*\)/),
      });
  });

  it('would have caught a mapping of service.name alone (empty $__tags: every service)', () => {
    const link = jaeger?.jsonData['tracesToMetrics'];
    if (!isMap(link) || !Array.isArray(link['queries']))
      throw new Error('the Jaeger data source has no tracesToMetrics queries');
    const serviceNameOnly = [{ key: 'service.name', value: 'service_name' }];
    const broken = link['queries'].filter(isMap).map((q) => ({
      where: String(q['name']),
      expr: interpolateSpanLinkQuery(
        grafanaProvisionedValue(String(q['query'])),
        SAMPLE_SPAN,
        serviceNameOnly,
      ),
    }));
    expect(
      traceToMetricsProblems(broken, SAMPLE_SPAN, spanMetricLabels).join('\n'),
    ).toMatch(/\$__tags is empty .* every service/);
    // And a label the span metrics lack (a typo) shows nothing: reported too.
    expect(
      traceToMetricsProblems(
        [
          {
            where: 'typo',
            expr: 'sum(rate(traces_span_metrics_calls_total{span_name="do_roll", servce_name="dice-api"}[5m]))',
          },
        ],
        SAMPLE_SPAN,
        spanMetricLabels,
      ),
    ).toEqual([
      'typo: selects servce_name, which the span metrics do not have',
    ]);
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
