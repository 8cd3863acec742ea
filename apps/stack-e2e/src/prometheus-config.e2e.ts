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

/** The collector's Prometheus endpoints: the prometheus exporter and its own telemetry reader. */
function collectorMetricsPorts(): number[] {
  const config = readYaml(paths.collectorConfig);
  if (!isMap(config)) throw new Error('collector config is not a map');
  const exporter = mapAt(
    mapAt(config, 'exporters', 'collector'),
    'prometheus',
    'exporters',
  );
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
  return [Number(String(exporter['endpoint']).split(':').at(-1)), ...pullPorts];
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

  it("scrapes dice-api's own /metrics, the collector's span metrics and its self metrics", () => {
    const targets = scrapeTargets();
    expect(Object.values(targets).flat()).toEqual(
      expect.arrayContaining([
        'dice-api:5000',
        'otel-collector:8889',
        'otel-collector:8888',
      ]),
    );
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
