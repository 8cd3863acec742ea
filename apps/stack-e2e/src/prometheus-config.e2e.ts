import { componentType } from './support/collector-config.js';
import { portBindings } from './support/compose.js';
import { paths } from './support/paths.js';
import { loadStackCompose } from './support/project.js';
import { checkPrometheusConfig, locatePromtool } from './support/promtool.js';
import { announceSkip, inCi } from './support/skip.js';
import { isMap, mapAt, readYaml } from './support/yaml-file.js';

const promtool = locatePromtool();
if (!promtool.available && !inCi())
  announceSkip(
    'promtool checks',
    `${promtool.reason}; install Debian's prometheus package to run them`,
  );
const withPromtool = promtool.available || inCi() ? it : it.skip;

/** host:port of every static scrape target, by job. */
function scrapeTargets(): Record<string, string[]> {
  const config = readYaml(paths.prometheusConfig);
  const jobs =
    isMap(config) && Array.isArray(config['scrape_configs'])
      ? config['scrape_configs'].filter(isMap)
      : [];
  return Object.fromEntries(
    jobs.map((job) => {
      const statics = Array.isArray(job['static_configs'])
        ? job['static_configs'].filter(isMap)
        : [];
      const targets = statics.flatMap((s) =>
        Array.isArray(s['targets']) ? s['targets'].map(String) : [],
      );
      return [String(job['job_name']), targets];
    }),
  );
}

/** The collector's Prometheus endpoints: every prometheus exporter and its own telemetry reader. */
function collectorMetricsPorts(): number[] {
  const config = readYaml(paths.collectorConfig);
  if (!isMap(config)) throw new Error('collector config is not a map');
  const exporterPorts = Object.entries(mapAt(config, 'exporters', 'collector'))
    .filter(([id]) => componentType(id) === 'prometheus')
    .map(([, body]) =>
      Number(
        String(isMap(body) ? body['endpoint'] : '')
          .split(':')
          .at(-1),
      ),
    );
  if (exporterPorts.length === 0)
    throw new Error('the collector config has no prometheus exporter');
  const telemetry = mapAt(
    mapAt(config, 'service', 'collector'),
    'telemetry',
    'service',
  );
  const readers = mapAt(telemetry, 'metrics', 'telemetry')['readers'];
  const pullPorts = (Array.isArray(readers) ? readers : []).flatMap(
    (reader: unknown) => {
      const pull =
        isMap(reader) && isMap(reader['pull']) ? reader['pull'] : undefined;
      const prometheus =
        pull && isMap(pull['exporter'])
          ? pull['exporter']['prometheus']
          : undefined;
      return isMap(prometheus) ? [Number(prometheus['port'])] : [];
    },
  );
  return [...exporterPorts, ...pullPorts];
}

describe('deploy/prometheus/prometheus.yml', () => {
  withPromtool('passes promtool check config', () => {
    if (!promtool.available)
      throw new Error(
        `CI needs promtool (Debian package "prometheus"): ${promtool.reason}`,
      );
    const result = checkPrometheusConfig(paths.prometheusConfig);
    expect({ ok: result.ok, output: result.output }).toEqual({
      ok: true,
      output: expect.stringContaining('SUCCESS'),
    });
  });

  it("scrapes dice-api's own /metrics, the collector's span metrics, pushed OTLP metrics and self metrics, and Loki", () => {
    const targets = scrapeTargets();
    expect(Object.values(targets).flat()).toEqual(
      expect.arrayContaining([
        'dice-api:5000',
        'otel-collector:8889',
        'otel-collector:8890',
        'otel-collector:8888',
        'loki:3100',
      ]),
    );
  });

  it('scrapes every prometheus endpoint of the collector, each in a job of its own', () => {
    const jobsByTarget = new Map<string, string[]>();
    for (const [job, targets] of Object.entries(scrapeTargets()))
      for (const target of targets)
        jobsByTarget.set(target, [...(jobsByTarget.get(target) ?? []), job]);
    for (const port of collectorMetricsPorts())
      expect({
        port,
        jobs: jobsByTarget.get(`otel-collector:${port}`)?.length,
      }).toEqual({ port, jobs: 1 });
    // Span-derived and pushed metrics in different jobs, so `job` tells them apart.
    expect(jobsByTarget.get('otel-collector:8889')).not.toEqual(
      jobsByTarget.get('otel-collector:8890'),
    );
  });

  it("keeps the exporter's job/instance labels out of `job`, so pushed series never join a scraped job", () => {
    const config = readYaml(paths.prometheusConfig);
    const jobs =
      isMap(config) && Array.isArray(config['scrape_configs'])
        ? config['scrape_configs'].filter(isMap)
        : [];
    for (const job of jobs)
      expect({
        job: job['job_name'],
        honor_labels: job['honor_labels'] ?? false,
      }).toEqual({
        job: job['job_name'],
        honor_labels: false,
      });
  });

  it('names only compose services (or itself) as targets, on ports they listen on', () => {
    const project = loadStackCompose();
    // Ports each service listens on inside the network: the published ones, plus the collector's
    // unpublished metrics endpoints as its config declares them.
    const listening: Record<string, number[]> = Object.fromEntries(
      Object.values(project.services).map((s) => [
        s.name,
        portBindings(s).map((b) => b.containerPort),
      ]),
    );
    listening['otel-collector'] = [
      ...(listening['otel-collector'] ?? []),
      ...collectorMetricsPorts(),
    ];
    listening['localhost'] = [9090];
    for (const target of Object.values(scrapeTargets()).flat()) {
      const [host, port] = target.split(':');
      expect({
        target,
        known: (listening[host] ?? []).includes(Number(port)),
      }).toEqual({ target, known: true });
    }
  });
});
