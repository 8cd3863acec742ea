import { parse } from 'yaml';
import {
  collectorConfigProblems,
  componentType,
  pipelines,
} from './support/collector-config.js';
import {
  findObject,
  locateKubectl,
  OVERLAYS,
  renderOverlay,
  type K8sObject,
  type Overlay,
} from './support/k8s/render.js';
import { containersOf, podTemplates } from './support/k8s/policy.js';
import { paths } from './support/paths.js';
import { checkPrometheusConfig, locatePromtool } from './support/promtool.js';
import { announceSkip, inCi } from './support/skip.js';
import {
  deriveSpanMetricNames,
  readDocumentedSpanMetrics,
} from './support/span-metrics.js';
import {
  JAEGER_2_20,
  mergeConfigs,
  OTELCOL_CONTRIB_0_159,
  upstreamProblems,
} from './support/upstream-components.js';
import { isMap, mapAt, readYaml, type YamlMap } from './support/yaml-file.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDashboards, promqlQueries } from './support/grafana.js';

/**
 * The collector (agent, gateway) and Jaeger (collector role, query role) configurations as the
 * overlays deploy them — read from the rendered ConfigMaps, not from the source files — pass the
 * same wiring checks as the compose configs plus the component-and-key check against the pinned
 * releases (otelcol-contrib 0.159.0, Jaeger 2.20.0), which the compose configs now pass too. Then
 * the properties the design depends on: trace-ID routing to the gateways' headless Service, span
 * metrics on every span before tail sampling, durable queues on writable volumes, the sampling
 * policies, the trace store per overlay and retention.
 */

describe('the component-and-key check', () => {
  it('passes the compose collector and Jaeger configs', () => {
    expect(
      upstreamProblems(
        readYaml(paths.collectorConfig) as YamlMap,
        OTELCOL_CONTRIB_0_159,
      ),
    ).toEqual([]);
    expect(
      upstreamProblems(readYaml(paths.jaegerConfig) as YamlMap, JAEGER_2_20),
    ).toEqual([]);
  });

  it('reports missing components, deprecated names and unknown keys at any depth', () => {
    const broken = {
      receivers: {
        otlp: { protocols: { grpc: { endpont: '0.0.0.0:4317' } } },
        zipkin: {},
      },
      processors: {
        k8sattributes: {},
        tail_sampling: {
          policies: [{ name: 'x', type: 'latency', latency: { threshold: 5 } }],
        },
      },
      exporters: {
        load_balancing: {
          resolver: { k8s: { service: 'gw', namespace: 'x' } },
        },
      },
      extensions: {
        file_storage: { compaction: { on_start: true, directory_: '/q' } },
      },
    };
    expect(upstreamProblems(broken, OTELCOL_CONTRIB_0_159)).toEqual([
      'receivers.otlp.protocols.grpc.endpont: not a key of this component at the pinned version',
      'receivers.zipkin: no receiver "zipkin" in otelcol-contrib 0.159.0',
      'processors.k8sattributes: "k8sattributes" is a deprecated alias in otelcol-contrib 0.159.0, use "k8s_attributes"',
      'processors.tail_sampling.policies[0].latency.threshold: not a key of this component at the pinned version',
      'exporters.load_balancing.resolver.k8s.namespace: not a key of this component at the pinned version',
      'extensions.file_storage.compaction.directory_: not a key of this component at the pinned version',
    ]);
  });

  it('merges layered configs the way the collector does (maps key by key, lists replaced)', () => {
    expect(
      mergeConfigs({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3], e: 2 } }),
    ).toEqual({ a: { b: 1, c: [3], e: 2 }, d: 1 });
  });
});

const kubectl = locateKubectl();
if (!kubectl.available && !inCi())
  announceSkip('Kubernetes collector and Jaeger config checks', kubectl.reason);
const describeWithKubectl =
  kubectl.available || inCi() ? describe : describe.skip;

const rendered = new Map<Overlay, K8sObject[]>();
function objectsOf(overlay: Overlay): K8sObject[] {
  const cached = rendered.get(overlay);
  if (cached) return cached;
  if (!kubectl.available) throw new Error(kubectl.reason);
  const objects = renderOverlay(kubectl.path, overlay);
  rendered.set(overlay, objects);
  return objects;
}

/** A file of a generated ConfigMap (name-<hash>), as the pod mounting it sees it. */
function configMapFile(
  objects: readonly K8sObject[],
  prefix: string,
  key: string,
): string {
  const cm = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(`${prefix}-`),
  );
  const data = cm && isMap(cm['data']) ? cm['data'] : undefined;
  const text = data?.[key];
  if (typeof text !== 'string')
    throw new Error(`no ConfigMap ${prefix}-* with ${key}`);
  return text;
}

function yamlOf(text: string): YamlMap {
  const value: unknown = parse(text, { uniqueKeys: true });
  if (!isMap(value)) throw new Error('expected a YAML map');
  return value;
}

const agentConfig = (o: Overlay): YamlMap =>
  yamlOf(configMapFile(objectsOf(o), 'otel-agent-config', 'config.yaml'));
const gatewayConfig = (o: Overlay): YamlMap =>
  yamlOf(configMapFile(objectsOf(o), 'otel-gateway-config', 'config.yaml'));
const jaegerConfig = (o: Overlay, role: 'collector' | 'query'): YamlMap =>
  mergeConfigs(
    yamlOf(configMapFile(objectsOf(o), 'jaeger-config', `${role}.yaml`)),
    yamlOf(configMapFile(objectsOf(o), 'jaeger-config', 'storage.yaml')),
  );

function podOf(objects: readonly K8sObject[], kind: string, name: string) {
  return podTemplates([findObject(objects, kind, name)])[0];
}

/** The container's args, e.g. ['--config=/etc/jaeger/collector.yaml', …]. */
function argsOf(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): string[] {
  const c = containersOf(podOf(objects, kind, name))[0];
  return (c.raw['args'] as unknown[]).map(String);
}

/** Writable mount paths of the first container, with the kind of volume behind each. */
function writableMounts(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): Record<string, string> {
  const object = findObject(objects, kind, name);
  const pod = podOf(objects, kind, name);
  const volumes = new Map<string, string>();
  for (const v of (Array.isArray(pod.spec['volumes'])
    ? pod.spec['volumes']
    : []
  ).filter(isMap))
    volumes.set(
      String(v['name']),
      Object.keys(v).find((k) => k !== 'name') ?? '?',
    );
  const templates =
    isMap(object['spec']) &&
    Array.isArray(object['spec']['volumeClaimTemplates'])
      ? object['spec']['volumeClaimTemplates'].filter(isMap)
      : [];
  for (const t of templates)
    volumes.set(
      String((t['metadata'] as YamlMap)['name']),
      'persistentVolumeClaim',
    );
  const mounts = containersOf(pod)[0].raw['volumeMounts'];
  return Object.fromEntries(
    (Array.isArray(mounts) ? mounts : [])
      .filter(isMap)
      .filter((m) => m['readOnly'] !== true)
      .map((m) => [
        String(m['mountPath']),
        volumes.get(String(m['name'])) ?? 'missing',
      ]),
  );
}

/** Where each exporter's durable queue lives: exporter id -> file_storage directory. */
function durableQueues(config: YamlMap): Record<string, string> {
  const extensions = mapAt(config, 'extensions', 'config');
  const enabled =
    (mapAt(config, 'service', 'config')['extensions'] as string[]) ?? [];
  return Object.fromEntries(
    Object.entries(mapAt(config, 'exporters', 'config')).flatMap(
      ([id, body]) => {
        const queue =
          isMap(body) && isMap(body['sending_queue'])
            ? body['sending_queue']
            : undefined;
        const storage = queue?.['storage'];
        if (typeof storage !== 'string') return [];
        const ext = extensions[storage];
        if (
          componentType(storage) !== 'file_storage' ||
          !isMap(ext) ||
          !enabled.includes(storage)
        )
          return [[id, `not an enabled file_storage extension: ${storage}`]];
        return [[id, String(ext['directory'])]];
      },
    ),
  );
}

describeWithKubectl('collector and Jaeger configs as deployed', () => {
  describe.each(OVERLAYS)('%s', (overlay) => {
    it('agent and gateway: sound wiring, and every component and key exists in otelcol-contrib 0.159.0', () => {
      for (const config of [agentConfig(overlay), gatewayConfig(overlay)]) {
        expect(collectorConfigProblems(config)).toEqual([]);
        expect(upstreamProblems(config, OTELCOL_CONTRIB_0_159)).toEqual([]);
      }
    });

    it('Jaeger collector and query roles: sound wiring, and every component and key exists in Jaeger 2.20.0', () => {
      for (const role of ['collector', 'query'] as const) {
        const config = jaegerConfig(overlay, role);
        expect(collectorConfigProblems(config)).toEqual([]);
        expect(upstreamProblems(config, JAEGER_2_20)).toEqual([]);
      }
    });

    it('both Jaeger roles load their role file and then the storage file', () => {
      for (const role of ['collector', 'query'])
        expect(
          argsOf(objectsOf(overlay), 'Deployment', `jaeger-${role}`),
        ).toEqual([
          `--config=/etc/jaeger/${role}.yaml`,
          '--config=/etc/jaeger/storage.yaml',
        ]);
    });

    it('agent: memory_limiter first, Kubernetes attributes and resource detection, then trace-ID load balancing', () => {
      const config = agentConfig(overlay);
      for (const pipeline of pipelines(config)) {
        expect(pipeline.processors.map(componentType)).toEqual([
          'memory_limiter',
          'k8s_attributes',
          'resource_detection',
        ]);
        expect(pipeline.exporters.map(componentType)).toEqual([
          'load_balancing',
        ]);
      }
      const lb = mapAt(
        mapAt(config, 'exporters', 'agent'),
        'load_balancing',
        'exporters',
      );
      expect(lb['routing_key']).toBe('traceID');
    });

    it("agent: the load balancer resolves the gateway StatefulSet's headless governing Service, on the gateway's OTLP port", () => {
      const objects = objectsOf(overlay);
      const lb = mapAt(
        mapAt(agentConfig(overlay), 'exporters', 'agent'),
        'load_balancing',
        'exporters',
      );
      const k8s = mapAt(
        mapAt(lb, 'resolver', 'load_balancing'),
        'k8s',
        'resolver',
      );
      const service = findObject(objects, 'Service', String(k8s['service']));
      const serviceSpec = service['spec'] as YamlMap;
      expect(serviceSpec['clusterIP']).toBe('None');
      const gateway = findObject(objects, 'StatefulSet', 'otel-gateway');
      expect((gateway['spec'] as YamlMap)['serviceName']).toBe(
        service.metadata.name,
      );
      const podLabels = (
        ((gateway['spec'] as YamlMap)['template'] as YamlMap)[
          'metadata'
        ] as YamlMap
      )['labels'] as YamlMap;
      for (const [key, value] of Object.entries(
        serviceSpec['selector'] as YamlMap,
      ))
        expect(podLabels[key]).toBe(value);
      const grpc = mapAt(
        mapAt(
          mapAt(gatewayConfig(overlay), 'receivers', 'gateway'),
          'otlp',
          'receivers',
        ),
        'protocols',
        'otlp',
      );
      const gatewayPort = Number(
        String(mapAt(grpc, 'grpc', 'protocols')['endpoint'])
          .split(':')
          .pop(),
      );
      expect(k8s['ports']).toEqual([gatewayPort]);
      // The resolver watches Endpoints/EndpointSlices: the agent's ServiceAccount may read them.
      const role = JSON.stringify(
        findObject(objects, 'Role', 'otel-agent-resolver'),
      );
      expect(role).toContain('endpointslices');
    });

    it('gateway: span metrics see every span, before tail sampling can drop any', () => {
      const config = gatewayConfig(overlay);
      const all = pipelines(config);
      const connectors = Object.keys(mapAt(config, 'connectors', 'gateway'));
      const intoSpanMetrics = all.filter((p) =>
        p.exporters.some((e) => componentType(e) === 'span_metrics'),
      );
      const sampling = all.filter((p) =>
        p.processors.some((x) => componentType(x) === 'tail_sampling'),
      );
      expect(intoSpanMetrics).toHaveLength(1);
      expect(sampling).toHaveLength(1);
      const [feed] = intoSpanMetrics;
      // The span-metrics feed takes the gateway's own receiver, samples nothing...
      expect(feed.receivers.map(componentType)).toEqual(['otlp']);
      expect(feed.processors.map(componentType)).toEqual(['memory_limiter']);
      // ...and is the only way into the sampling pipeline (through a connector it exports to).
      for (const receiver of sampling[0].receivers) {
        expect(connectors).toContain(receiver);
        expect(feed.exporters).toContain(receiver);
      }
    });

    it('gateway: keeps every error trace, every slow trace and a percentage of the rest', () => {
      const ts = mapAt(
        mapAt(gatewayConfig(overlay), 'processors', 'gateway'),
        'tail_sampling',
        'processors',
      );
      const policies = (ts['policies'] as YamlMap[]).filter(isMap);
      const ofType = (type: string): YamlMap | undefined =>
        policies.find((p) => p['type'] === type);
      expect(
        (ofType('status_code')?.['status_code'] as YamlMap)['status_codes'],
      ).toEqual(['ERROR']);
      expect(
        Number((ofType('latency')?.['latency'] as YamlMap)['threshold_ms']),
      ).toBeGreaterThan(0);
      const percentage = Number(
        (ofType('probabilistic')?.['probabilistic'] as YamlMap)[
          'sampling_percentage'
        ],
      );
      expect(percentage).toBeGreaterThan(0);
      expect(percentage).toBeLessThan(100);
      // No policy of type "and"/"drop" etc. that could veto the three: they are OR-ed.
      expect(policies.map((p) => p['type']).sort()).toEqual([
        'latency',
        'probabilistic',
        'status_code',
      ]);
    });

    it('gateway: the span metrics keep the compose names (same dashboard, same Monitor tab)', () => {
      expect(deriveSpanMetricNames(gatewayConfig(overlay))).toEqual(
        readDocumentedSpanMetrics(paths.spanMetricsList).metrics,
      );
    });

    it('agent and gateway: exporters queue durably in file_storage on a writable volume', () => {
      const objects = objectsOf(overlay);
      const cases = [
        {
          config: agentConfig(overlay),
          kind: 'DaemonSet',
          name: 'otel-agent',
          exporters: ['load_balancing'],
          volume: 'emptyDir',
        },
        {
          config: gatewayConfig(overlay),
          kind: 'StatefulSet',
          name: 'otel-gateway',
          exporters: ['otlp_grpc/jaeger'],
          volume: 'persistentVolumeClaim',
        },
      ];
      for (const c of cases) {
        const queues = durableQueues(c.config);
        expect(Object.keys(queues)).toEqual(c.exporters);
        const mounts = writableMounts(objects, c.kind, c.name);
        for (const directory of Object.values(queues))
          expect({ who: c.name, directory, volume: mounts[directory] }).toEqual(
            {
              who: c.name,
              directory,
              volume: c.volume,
            },
          );
        // Compaction writes its temporary copy next to the queue, not on the read-only root.
        const storage = mapAt(
          mapAt(c.config, 'extensions', c.name),
          'file_storage/queue',
          'extensions',
        );
        expect(
          mounts[String((storage['compaction'] as YamlMap)['directory'])],
        ).toBe(c.volume);
      }
    });

    it('agent and gateway: the durable queue fits its volume, with room for compaction', () => {
      // ~500 B per encoded span (an OTLP span with a dozen attributes); compaction needs a second copy.
      const BYTES_PER_SPAN = 500;
      const objects = objectsOf(overlay);
      const gi = (q: string): number => {
        const m = /^(\d+)(Mi|Gi)$/.exec(q);
        if (!m) throw new Error(`unexpected quantity ${q}`);
        return Number(m[1]) * (m[2] === 'Gi' ? 1024 ** 3 : 1024 ** 2);
      };
      const envValue = (
        kind: string,
        name: string,
        variable: string,
      ): string => {
        const env = containersOf(podOf(objects, kind, name))[0].raw[
          'env'
        ] as YamlMap[];
        return String(env.find((e) => e['name'] === variable)?.['value']);
      };
      const queueSpans = (
        config: YamlMap,
        exporter: string,
        kind: string,
        name: string,
      ): number => {
        const size = String(
          (
            mapAt(mapAt(config, 'exporters', name), exporter, 'exporters')[
              'sending_queue'
            ] as YamlMap
          )['queue_size'],
        );
        const variable = /^\$\{env:([A-Z0-9_]+)\}$/.exec(size)?.[1];
        return Number(variable ? envValue(kind, name, variable) : size);
      };
      const agentVolume = (
        podOf(objects, 'DaemonSet', 'otel-agent').spec['volumes'] as YamlMap[]
      ).find((v) => v['name'] === 'queue');
      const agentBytes = gi(
        String((agentVolume?.['emptyDir'] as YamlMap)['sizeLimit']),
      );
      const gateway = findObject(objects, 'StatefulSet', 'otel-gateway');
      const claim = (
        (gateway['spec'] as YamlMap)['volumeClaimTemplates'] as YamlMap[]
      )[0];
      const gatewayBytes = gi(
        String(
          (
            ((claim['spec'] as YamlMap)['resources'] as YamlMap)[
              'requests'
            ] as YamlMap
          )['storage'],
        ),
      );
      const cases = [
        {
          who: 'agent',
          spans: queueSpans(
            agentConfig(overlay),
            'load_balancing',
            'DaemonSet',
            'otel-agent',
          ),
          volume: agentBytes,
        },
        {
          who: 'gateway',
          spans: queueSpans(
            gatewayConfig(overlay),
            'otlp_grpc/jaeger',
            'StatefulSet',
            'otel-gateway',
          ),
          volume: gatewayBytes,
        },
      ];
      for (const c of cases) {
        expect(c.spans).toBeGreaterThan(0);
        expect({
          who: c.who,
          fits: c.spans * BYTES_PER_SPAN * 2 <= c.volume,
        }).toEqual({ who: c.who, fits: true });
      }
    });

    it('every ${env:VAR} a collector or Jaeger config reads is set in its container', () => {
      const objects = objectsOf(overlay);
      const cases: [string, string, YamlMap][] = [
        ['DaemonSet', 'otel-agent', agentConfig(overlay)],
        ['StatefulSet', 'otel-gateway', gatewayConfig(overlay)],
        ['Deployment', 'jaeger-collector', jaegerConfig(overlay, 'collector')],
        ['Deployment', 'jaeger-query', jaegerConfig(overlay, 'query')],
      ];
      for (const [kind, name, config] of cases) {
        const used = [
          ...JSON.stringify(config).matchAll(/\$\{env:([A-Z0-9_]+)\}/g),
        ].map((m) => m[1]);
        const env = containersOf(podOf(objects, kind, name))[0].raw['env'];
        const defined = (Array.isArray(env) ? env : [])
          .filter(isMap)
          .map((e) => e['name']);
        for (const variable of new Set(used))
          expect({
            who: name,
            variable,
            defined: defined.includes(variable),
          }).toEqual({ who: name, variable, defined: true });
      }
    });

    it('Jaeger: both roles use the same OpenSearch trace store; retention and look-back agree', () => {
      const objects = objectsOf(overlay);
      const store = (role: 'collector' | 'query'): YamlMap => {
        const config = jaegerConfig(overlay, role);
        const ext = mapAt(config, 'extensions', role);
        const backends = mapAt(
          mapAt(ext, 'jaeger_storage', 'extensions'),
          'backends',
          'jaeger_storage',
        );
        const name =
          role === 'collector'
            ? mapAt(
                mapAt(config, 'exporters', role),
                'jaeger_storage_exporter',
                'exporters',
              )['trace_storage']
            : mapAt(
                mapAt(ext, 'jaeger_query', 'extensions'),
                'storage',
                'jaeger_query',
              )['traces'];
        return mapAt(
          mapAt(backends, String(name), 'backends'),
          'opensearch',
          String(name),
        );
      };
      expect(store('collector')).toEqual(store('query'));
      const opensearch = store('query');
      const maxSpanAgeHours = Number(
        /^(\d+)h$/.exec(String(opensearch['max_span_age']))?.[1],
      );
      const cleaner = containersOf(
        podOf(objects, 'CronJob', 'jaeger-index-cleaner'),
      )[0].raw;
      const [days, url] = (cleaner['args'] as unknown[]).map(String);
      expect(Number(days) * 24).toBe(maxSpanAgeHours);
      const prefix = (cleaner['env'] as YamlMap[]).find(
        (e) => e['name'] === 'INDEX_PREFIX',
      )?.['value'];
      expect(prefix).toBe((opensearch['indices'] as YamlMap)['index_prefix']);
      if (overlay === 'dev') {
        // The in-cluster single node, plain HTTP.
        expect(opensearch['server_urls']).toEqual(['http://opensearch:9200']);
        expect(url).toBe('http://opensearch:9200');
        expect(
          JSON.stringify(findObject(objects, 'Service', 'opensearch')),
        ).toContain('"port":9200');
      } else {
        // An external cluster over TLS with credentials, all from the Secret.
        expect(opensearch['server_urls']).toEqual(['${env:OPENSEARCH_URL}']);
        expect((opensearch['tls'] as YamlMap)['insecure']).toBe(false);
        const basic = (opensearch['auth'] as YamlMap)['basic'] as YamlMap;
        expect(basic['username']).toBe('${env:OPENSEARCH_USERNAME}');
        for (const role of ['collector', 'query']) {
          const mounts = containersOf(
            podOf(objects, 'Deployment', `jaeger-${role}`),
          )[0].raw['volumeMounts'] as YamlMap[];
          for (const file of [
            String(basic['password_file']),
            String((opensearch['tls'] as YamlMap)['ca_file']),
          ])
            expect(
              mounts.some((m) => file.startsWith(`${String(m['mountPath'])}/`)),
            ).toBe(true);
        }
        expect(url).toBe('$(OPENSEARCH_URL)');
      }
    });
  });
});

const promtool = locatePromtool();
describeWithKubectl('Prometheus on Kubernetes', () => {
  const withPromtool = promtool.available || inCi() ? it : it.skip;

  // Debian's prometheus build (the promtool CI installs) leaves out Kubernetes service discovery, so
  // it rejects kubernetes_sd_configs outright. promtool checks everything else — relabel rules,
  // regexes, field names — with each SD block swapped for a static target; the SD blocks themselves
  // are checked against the keys of Prometheus' kubernetes_sd_config.
  withPromtool(
    'promtool accepts the config as deployed, service discovery aside',
    () => {
      const config = yamlOf(
        configMapFile(
          objectsOf('production'),
          'prometheus-config',
          'prometheus.yml',
        ),
      );
      const jobs = (config['scrape_configs'] as YamlMap[]).filter(isMap);
      const SD_KEYS = new Set([
        'role',
        'namespaces',
        'selectors',
        'attach_metadata',
        'api_server',
        'kubeconfig_file',
      ]);
      let sdBlocks = 0;
      for (const job of jobs) {
        const sd = job['kubernetes_sd_configs'];
        if (sd === undefined) continue;
        for (const block of (sd as YamlMap[]).filter(isMap)) {
          sdBlocks++;
          expect(Object.keys(block).filter((k) => !SD_KEYS.has(k))).toEqual([]);
          expect(block['role']).toBe('pod');
          expect(block['namespaces']).toEqual({ own_namespace: true });
        }
        delete job['kubernetes_sd_configs'];
        job['static_configs'] = [{ targets: ['sd-placeholder:9090'] }];
      }
      expect(sdBlocks).toBe(2);
      const dir = mkdtempSync(join(tmpdir(), 'stack-e2e-k8s-prom-'));
      try {
        writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
        const result = checkPrometheusConfig(join(dir, 'prometheus.yml'));
        expect({
          ok: result.ok,
          output: result.ok ? '' : result.output,
        }).toEqual({ ok: true, output: '' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it.each(OVERLAYS)(
    "%s: every job the dashboard selects is a scraped pod's app name, on a declared port",
    (overlay) => {
      const objects = objectsOf(overlay);
      const jobs = new Set<string>([
        'prometheus',
        'otel-collector-span-metrics',
      ]);
      for (const o of objects) {
        const spec = isMap(o['spec']) ? o['spec'] : undefined;
        const template =
          spec && isMap(spec['template']) ? spec['template'] : undefined;
        const meta =
          template && isMap(template['metadata'])
            ? template['metadata']
            : undefined;
        const annotations =
          meta && isMap(meta['annotations']) ? meta['annotations'] : {};
        if (annotations['prometheus.io/scrape'] !== 'true') continue;
        const pod = podTemplates([o])[0];
        const ports = containersOf(pod).flatMap((c) =>
          (Array.isArray(c.raw['ports']) ? c.raw['ports'] : [])
            .filter(isMap)
            .map((p) => String(p['containerPort'])),
        );
        expect({
          who: o.metadata.name,
          port: ports.includes(String(annotations['prometheus.io/port'])),
        }).toEqual({
          who: o.metadata.name,
          port: true,
        });
        jobs.add(
          String((meta?.['labels'] as YamlMap)['app.kubernetes.io/name']),
        );
      }
      const selected = new Set<string>();
      for (const dashboard of readDashboards(paths.grafanaDashboards))
        for (const q of promqlQueries(dashboard))
          for (const m of q.expr.matchAll(/\bjob="([^"]+)"/g))
            selected.add(m[1]);
      expect(selected.size).toBeGreaterThan(0);
      for (const job of selected) expect([...jobs]).toContain(job);
      // The span-metrics job: the gateways' container port of that name.
      expect(
        JSON.stringify(findObject(objects, 'StatefulSet', 'otel-gateway')),
      ).toContain('"name":"span-metrics"');
    },
  );
});
