import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  getFreePort,
  httpGet,
  prometheusSkipReason,
  startNodeApp,
  startPrometheus,
  type NodeProcess,
  type RunningPrometheus,
} from '@otel-dice/test-support';
import { parse, stringify } from 'yaml';
import { COLLECTOR_METRICS } from './support/collector-metrics.js';
import { bindMounts } from './support/compose.js';
import { sampleNamesIn } from './support/exposition.js';
import { configMapNamed, podOf } from './support/k8s/objects.js';
import { findObject, OVERLAYS } from './support/k8s/render.js';
import { kubectlSuite } from './support/k8s/suite.js';
import { paths, repoPath, repoRoot } from './support/paths.js';
import { loadStackCompose, serviceOf } from './support/project.js';
import { metricNamesIn } from './support/promql.js';
import { locatePromtool } from './support/promtool.js';
import { announceSkip, inCi } from './support/skip.js';
import { readDocumentedSpanMetrics } from './support/span-metrics.js';
import { isMap, type YamlMap } from './support/yaml-file.js';

/**
 * The alert rules (deploy/prometheus/rules): valid for promtool, unit-tested with promtool test
 * rules (and those tests shown to fail on a broken rule), loaded by the compose Prometheus and by
 * the Kubernetes one (the same files), naming only metrics that exist, and firing for real on a
 * built dice-api whose collector is gone.
 */

const RULES_DIR = repoPath('deploy/prometheus/rules');
const ruleFiles = readdirSync(RULES_DIR)
  .filter((f) => f.endsWith('.rules.yml'))
  .map((f) => join(RULES_DIR, f));
/** Where the collector's own metrics are named for people: docs, READMEs, deploy configs. */
const DOC_AND_CONFIG_FILES = [
  ...['docs', 'deploy'].flatMap((dir) =>
    readdirSync(repoPath(dir), { recursive: true, encoding: 'utf8' }).map((f) =>
      repoPath(dir, f),
    ),
  ),
  ...['README.md', 'apps', 'libs'].flatMap((entry) =>
    entry.endsWith('.md')
      ? [repoPath(entry)]
      : readdirSync(repoPath(entry)).map((p) =>
          repoPath(entry, p, 'README.md'),
        ),
  ),
].filter(
  (f) =>
    /\.(md|ya?ml|json|mjs)$/.test(f) && existsSync(f) && statSync(f).isFile(),
);
const testFiles = readdirSync(join(RULES_DIR, 'tests'))
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => join(RULES_DIR, 'tests', f));

interface Rule extends YamlMap {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
}
const rulesOf = (file: string): Rule[] =>
  (
    (parse(readFileSync(file, 'utf8')) as YamlMap)['groups'] as YamlMap[]
  ).flatMap((g) => g['rules'] as Rule[]);
const allRules = ruleFiles.flatMap(rulesOf);
const alerts = allRules.filter((r) => r.alert !== undefined);

const promtool = locatePromtool();
if (!promtool.available && !inCi())
  announceSkip('promtool rule checks', promtool.reason);
const withPromtool = promtool.available || inCi() ? it : it.skip;

function promtoolRun(
  args: string[],
  cwd?: string,
): { ok: boolean; output: string } {
  try {
    const output = execFileSync('promtool', args, {
      cwd,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { ok: true, output };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the alert rules', () => {
  it('cover the collector tiers and the apps', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'AppDown',
      'AppLogQueueFilling',
      'AppLogRecordsNotExported',
      'AppSpanQueueFilling',
      'AppSpansNotExported',
      'OtelcolDown',
      'OtelcolExporterEnqueueFailed',
      'OtelcolExporterQueueFilling',
      'OtelcolExporterQueueNearlyFull',
      'OtelcolExporterSendFailed',
      'OtelcolLoadBalancerBackendsMissing',
      'OtelcolLoadBalancerRingsDiffer',
      'OtelcolReceiverRefused',
      'OtelcolTailSamplingDroppedTooEarly',
      'OtelcolTailSamplingPolicyErrors',
      'SpanMetricsCardinalityLimit',
    ]);
  });

  it('give every alert a severity, a summary, a description and a runbook', () => {
    for (const a of alerts)
      expect({
        alert: a.alert,
        severity: ['warning', 'critical'].includes(
          String((a['labels'] as YamlMap)?.['severity']),
        ),
        annotations: Object.keys((a['annotations'] as YamlMap) ?? {}).sort(),
      }).toEqual({
        alert: a.alert,
        severity: true,
        annotations: ['description', 'runbook', 'summary'],
      });
  });

  it('have a unit test that makes each alert fire', () => {
    const fired = new Set<string>();
    for (const file of testFiles)
      for (const test of (parse(readFileSync(file, 'utf8')) as YamlMap)[
        'tests'
      ] as YamlMap[])
        for (const t of ((test['alert_rule_test'] ?? []) as YamlMap[]).filter(
          isMap,
        ))
          if (Array.isArray(t['exp_alerts']) && t['exp_alerts'].length > 0)
            fired.add(String(t['alertname']));
    expect(
      alerts.map((a) => a.alert).filter((a) => !fired.has(String(a))),
    ).toEqual([]);
  });

  it("name only metrics that exist: the collector's (0.159), the span metrics, the apps' or their own recordings", () => {
    const recorded = new Set(
      allRules.flatMap((r) => (r.record ? [r.record] : [])),
    );
    const spanMetrics = new Set(
      readDocumentedSpanMetrics(paths.spanMetricsList).metrics,
    );
    const unknown = allRules.flatMap((r) =>
      metricNamesIn(r.expr)
        .filter(
          (n) =>
            n !== 'up' &&
            !recorded.has(n) &&
            !COLLECTOR_METRICS.has(n) &&
            !spanMetrics.has(n) &&
            !n.startsWith('otel_sdk_') &&
            n !== 'otel_dice:gateway_replicas:desired',
        )
        .map((n) => `${r.alert ?? r.record}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it("are named the same way in the docs and configs: no _total on the collector's own metrics", () => {
    const named = DOC_AND_CONFIG_FILES.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\botelcol_[a-z0-9_]+\*?/g)]
        .map((m) => m[0])
        // `otelcol_processor_tail_sampling_*` names a family, not a metric.
        .filter((name) => !name.endsWith('*'))
        .map((name) => ({ file: relative(repoRoot, file), name })),
    );
    expect(named.length).toBeGreaterThanOrEqual(20);
    expect(named.filter(({ name }) => !COLLECTOR_METRICS.has(name))).toEqual(
      [],
    );
  });

  withPromtool('pass promtool check rules', () => {
    const result = promtoolRun(['check', 'rules', ...ruleFiles]);
    expect({ ok: result.ok, output: result.ok ? '' : result.output }).toEqual({
      ok: true,
      output: '',
    });
  });

  withPromtool('pass their promtool unit tests', () => {
    const result = promtoolRun(['test', 'rules', ...testFiles]);
    expect({ ok: result.ok, output: result.ok ? '' : result.output }).toEqual({
      ok: true,
      output: '',
    });
  });

  withPromtool.each([
    [
      'a threshold moved',
      'collector.rules.yml',
      '(otelcol_exporter_queue_capacity > 0) > 0.5',
      '(otelcol_exporter_queue_capacity > 0) > 0.7',
    ],
    [
      'a `for` lengthened',
      'apps.rules.yml',
      'error_type!=""}[5m])) > 0\n        for: 5m',
      'error_type!=""}[5m])) > 0\n        for: 10m',
    ],
    [
      'a label dropped',
      'collector.rules.yml',
      'instance, receiver)',
      'instance)',
    ],
    [
      // A failure counter has no series until its first failure: plain increase() reads 0 for it.
      'a first failure counted as no increase',
      'collector.rules.yml',
      'count_over_time(otelcol_exporter_enqueue_failed_log_records[5m]) <',
      'count_over_time(otelcol_exporter_enqueue_failed_log_records[5m]) >',
    ],
    [
      // Counting failed scrapes too makes a counter unseen during a scrape outage look new.
      'an old total passed off as new failures',
      'collector.rules.yml',
      'sum_over_time(up[5m])',
      'count_over_time(up[5m])',
    ],
  ])('unit tests fail when the rules break: %s', (_what, file, from, to) => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-e2e-rules-'));
    try {
      cpSync(RULES_DIR, dir, { recursive: true });
      const target = join(dir, file);
      const text = readFileSync(target, 'utf8');
      expect(text).toContain(from);
      writeFileSync(target, text.replace(from, to));
      const result = promtoolRun([
        'test',
        'rules',
        ...testFiles.map((f) => join(dir, 'tests', basename(f))),
      ]);
      expect(result.ok).toBe(false);
      expect(result.output).toContain('FAILED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the compose Prometheus', () => {
  it('mounts the rule files where its config looks for them', () => {
    const prometheus = serviceOf(loadStackCompose(), 'prometheus');
    const mounts = bindMounts(prometheus);
    const config = parse(
      readFileSync(paths.prometheusConfig, 'utf8'),
    ) as YamlMap;
    const configMount = mounts.find((m) => m.source.endsWith('prometheus.yml'));
    expect(configMount).toBeDefined();
    const configDir = posix.dirname(String(configMount?.target));
    const globs = (config['rule_files'] as string[]).map((g) =>
      posix.resolve(configDir, g),
    );
    expect(globs).toEqual(['/etc/prometheus/rules/*.rules.yml']);
    const rulesMount = mounts.find((m) => m.target === '/etc/prometheus/rules');
    expect(rulesMount).toMatchObject({
      source: './deploy/prometheus/rules',
      readOnly: true,
    });
  });
});

const { describeWithKubectl, objectsOf } = kubectlSuite(
  'Kubernetes alert rules',
);

describeWithKubectl('the Kubernetes Prometheus', () => {
  describe.each(OVERLAYS)('%s', (overlay) => {
    it("loads the same rule files as compose, plus the overlay's, from where prometheus.yml looks", () => {
      const objects = objectsOf(overlay);
      const shared = configMapNamed(objects, 'prometheus-rules');
      const data = (shared?.['data'] ?? {}) as Record<string, string>;
      expect(Object.keys(data).sort()).toEqual(
        ruleFiles.map((f) => basename(f)).sort(),
      );
      for (const f of ruleFiles)
        expect(data[basename(f)]).toBe(readFileSync(f, 'utf8'));
      // The projected volume puts both ConfigMaps' files where rule_files points.
      const config = parse(
        String(
          (
            (configMapNamed(objects, 'prometheus-config')?.['data'] ??
              {}) as YamlMap
          )['prometheus.yml'],
        ),
      ) as YamlMap;
      const spec = podOf(objects, 'StatefulSet', 'prometheus').spec;
      const container = (spec['containers'] as YamlMap[])[0];
      const mount = (container['volumeMounts'] as YamlMap[]).find(
        (m) => m['name'] === 'rules',
      );
      const volume = (spec['volumes'] as YamlMap[]).find(
        (v) => v['name'] === 'rules',
      );
      const files = (
        (volume?.['projected'] as YamlMap)['sources'] as YamlMap[]
      ).flatMap((s) =>
        ((s['configMap'] as YamlMap)['items'] as YamlMap[]).map((i) =>
          posix.join(String(mount?.['mountPath']), String(i['path'])),
        ),
      );
      const globs = (config['rule_files'] as string[]).map(
        (g) => new RegExp(`^${g.replace(/\./g, '\\.').replace('*', '[^/]*')}$`),
      );
      for (const file of files)
        expect({ file, loaded: globs.some((g) => g.test(file)) }).toEqual({
          file,
          loaded: true,
        });
      expect(files).toHaveLength(ruleFiles.length + 1);
    });

    it("records the StatefulSet's gateway count, which the backend alert compares with", () => {
      const objects = objectsOf(overlay);
      const data = (configMapNamed(objects, 'prometheus-rules-overlay')?.[
        'data'
      ] ?? {}) as Record<string, string>;
      const rules = (
        (parse(data['gateway-replicas.rules.yml']) as YamlMap)[
          'groups'
        ] as YamlMap[]
      ).flatMap((g) => g['rules'] as YamlMap[]);
      const replicas = Number(
        (findObject(objects, 'StatefulSet', 'otel-gateway')['spec'] as YamlMap)[
          'replicas'
        ],
      );
      expect(rules).toEqual([
        {
          record: 'otel_dice:gateway_replicas:desired',
          expr: `vector(${replicas})`,
        },
      ]);
    });

    withPromtool('promtool accepts the rule files as deployed', () => {
      const objects = objectsOf(overlay);
      const dir = mkdtempSync(join(tmpdir(), 'stack-e2e-k8s-rules-'));
      try {
        const written: string[] = [];
        for (const prefix of ['prometheus-rules', 'prometheus-rules-overlay'])
          for (const [key, text] of Object.entries(
            (configMapNamed(objects, prefix)?.['data'] ?? {}) as Record<
              string,
              string
            >,
          )) {
            const file = join(dir, `${prefix}-${key}`);
            writeFileSync(file, text);
            written.push(file);
          }
        expect(written).toHaveLength(ruleFiles.length + 1);
        const result = promtoolRun(['check', 'rules', ...written]);
        expect({
          ok: result.ok,
          output: result.ok ? '' : result.output,
        }).toEqual({ ok: true, output: '' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('the app alerts on a live dice-api whose collector is gone', () => {
  const skip = prometheusSkipReason();
  if (skip) announceSkip('alert rules on a real Prometheus', skip);
  const withPrometheus = skip ? it.skip : it;

  let app: NodeProcess | undefined;
  let prometheus: RunningPrometheus | undefined;
  afterAll(async () => {
    const results = await Promise.allSettled([prometheus?.stop(), app?.stop()]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });

  withPrometheus(
    'the SDK metrics the app rules use exist, and AppSpansNotExported and AppLogRecordsNotExported fire',
    async () => {
      // A port nobody listens on: every export fails, as when the node agent is gone.
      const deadPort = await getFreePort();
      app = await startNodeApp({
        main: paths.diceApiMain,
        env: {
          TRACE_ENDPOINT: `http://127.0.0.1:${deadPort}`,
          OTEL_LOGS_EXPORTER: 'otlp',
          OTEL_BSP_SCHEDULE_DELAY: '100',
          OTEL_BLRP_SCHEDULE_DELAY: '100',
          LOG_LEVEL: 'info',
        },
      });
      prometheus = await startPrometheus({
        targets: [new URL(app.baseUrl).host],
        jobName: 'dice-api',
        scrapeIntervalSeconds: 1,
      });
      // The shipped app rules, with `for` taken out so the test need not wait minutes; the
      // expressions, labels and annotations are the shipped ones.
      const rules = readFileSync(
        join(RULES_DIR, 'apps.rules.yml'),
        'utf8',
      ).replace(/^(\s+)for: \d+m$/gm, '$1for: 0s');
      writeFileSync(join(prometheus.workDir, 'apps.rules.yml'), rules);
      const configFile = join(prometheus.workDir, 'prometheus.yml');
      const config = parse(readFileSync(configFile, 'utf8')) as YamlMap;
      writeFileSync(
        configFile,
        stringify({ ...config, rule_files: ['apps.rules.yml'] }),
      );
      process.kill(prometheus.process.pid, 'SIGHUP'); // Prometheus reloads its config on SIGHUP
      await prometheus.waitForQuery('count(up == 1)', (s) => s.length === 1, {
        what: 'the first scrape',
      });
      for (let i = 0; i < 60; i++) {
        await httpGet(`${app.baseUrl}/rolldice`);
        await sleep(50);
      }
      const exposed = sampleNamesIn(
        (await httpGet(`${app.baseUrl}/metrics`)).body,
      );
      const used = alerts
        .flatMap((a) => metricNamesIn(a.expr))
        .filter((n) => n.startsWith('otel_sdk_'));
      expect(used.length).toBeGreaterThanOrEqual(6);
      for (const name of used)
        expect({ name, exposed: exposed.has(name) }).toEqual({
          name,
          exposed: true,
        });
      for (const alertname of [
        'AppSpansNotExported',
        'AppLogRecordsNotExported',
      ]) {
        const firing = await prometheus.waitForQuery(
          `ALERTS{alertname="${alertname}", alertstate="firing"}`,
          (s) => s.length > 0,
          { timeoutMs: 60_000, what: `${alertname} firing` },
        );
        expect(firing[0].metric).toMatchObject({
          job: 'dice-api',
          severity: 'warning',
          error_type: expect.any(String),
        });
      }
      const down = await prometheus.query('ALERTS{alertname="AppDown"}');
      expect(down).toEqual([]);
    },
    150_000,
  );
});
