import {
  collectorConfigProblems,
  componentType,
  otlpHttpSignalUrl,
  pipelines,
  type Pipeline,
} from './support/collector-config.js';
import {
  allMounts,
  argsOf,
  configMapFile,
  envOf,
  loadedCollectorConfig,
  mainContainer,
  mountHolding,
  podOf,
  resolveTargetPort,
  secretKeyOf,
  servicePorts,
  serviceSelects,
  writableMounts,
  yamlOf,
} from './support/k8s/objects.js';
import { findObject, OVERLAYS, type Overlay } from './support/k8s/render.js';
import { kubectlSuite } from './support/k8s/suite.js';
import { containersOf, podTemplates } from './support/k8s/policy.js';
import { paths } from './support/paths.js';
import { checkPrometheusConfig, locatePromtool } from './support/promtool.js';
import { inCi } from './support/skip.js';
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

const { describeWithKubectl, objectsOf } = kubectlSuite(
  'Kubernetes collector and Jaeger config checks',
);

/** The agent's config as the collector loads it: every --config file of its container, merged. */
const agentConfig = (o: Overlay): YamlMap =>
  loadedCollectorConfig(objectsOf(o), 'DaemonSet', 'otel-agent', mergeConfigs);
/** The gateway's: its role file, the overlay's Loki connection, (production) its TLS. */
const gatewayConfig = (o: Overlay): YamlMap =>
  loadedCollectorConfig(
    objectsOf(o),
    'StatefulSet',
    'otel-gateway',
    mergeConfigs,
  );
const jaegerConfig = (o: Overlay, role: 'collector' | 'query'): YamlMap =>
  mergeConfigs(
    yamlOf(configMapFile(objectsOf(o), 'jaeger-config', `${role}.yaml`)),
    yamlOf(configMapFile(objectsOf(o), 'jaeger-config', 'storage.yaml')),
  );

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

/** The one pipeline per signal a collector config has (traces/in counts as traces). */
function signalPipelines(config: YamlMap): Record<'traces' | 'logs', Pipeline> {
  const find = (signal: string): Pipeline => {
    const fed = pipelines(config).filter(
      (p) => componentType(p.id) === signal && p.receivers.includes('otlp'),
    );
    if (fed.length !== 1)
      throw new Error(
        `expected one ${signal} pipeline fed by otlp, got ${fed.length}`,
      );
    return fed[0];
  };
  return { traces: find('traces'), logs: find('logs') };
}

/** The port the config's otlp receiver takes gRPC on. */
function otlpGrpcPort(config: YamlMap): number {
  const grpc = mapAt(
    mapAt(
      mapAt(mapAt(config, 'receivers', 'config'), 'otlp', 'receivers'),
      'protocols',
      'otlp',
    ),
    'grpc',
    'protocols',
  );
  return Number(String(grpc['endpoint']).split(':').pop());
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

    it('agent: memory_limiter first, then Kubernetes attributes and resource detection, in every pipeline', () => {
      const all = pipelines(agentConfig(overlay));
      expect(all.map((p) => componentType(p.id)).sort()).toEqual([
        'logs',
        'traces',
      ]);
      for (const pipeline of all)
        expect({
          pipeline: pipeline.id,
          receivers: pipeline.receivers,
          processors: pipeline.processors.map(componentType),
        }).toEqual({
          pipeline: pipeline.id,
          receivers: ['otlp'],
          processors: [
            'memory_limiter',
            'k8s_attributes',
            'resource_detection',
          ],
        });
    });

    it('agent: spans by trace ID to their gateway, log records round robin to any gateway', () => {
      const config = agentConfig(overlay);
      const bySignal = signalPipelines(config);
      expect(bySignal.traces.exporters.map(componentType)).toEqual([
        'load_balancing',
      ]);
      const lb = mapAt(
        mapAt(config, 'exporters', 'agent'),
        'load_balancing',
        'exporters',
      );
      expect(lb['routing_key']).toBe('traceID');
      // Logs need no trace affinity: a plain OTLP/gRPC exporter, not the load balancer.
      expect(bySignal.logs.exporters.map(componentType)).toEqual(['otlp_grpc']);
    });

    it('every signal an app pushes has a pipeline in the agent, and every signal the agent forwards one in the gateway', () => {
      const objects = objectsOf(overlay);
      const pushed = new Set<string>();
      for (const app of ['dice-api', 'dice-player']) {
        const env = envOf(objects, 'Deployment', app);
        // The library's defaults (libs/telemetry README): traces otlp, metrics prometheus, logs none.
        const exporters = (variable: string, fallback: string): string[] =>
          String(env.get(variable) ?? fallback).split(',');
        if (exporters('OTEL_TRACES_EXPORTER', 'otlp').includes('otlp'))
          pushed.add('traces');
        if (exporters('OTEL_METRICS_EXPORTER', 'prometheus').includes('otlp'))
          pushed.add('metrics');
        if (exporters('OTEL_LOGS_EXPORTER', 'none').includes('otlp'))
          pushed.add('logs');
      }
      expect([...pushed].sort()).toEqual(['logs', 'traces']);
      const signalsOf = (config: YamlMap): string[] =>
        pipelines(config)
          .filter((p) => p.receivers.includes('otlp'))
          .map((p) => componentType(p.id));
      const agentSignals = signalsOf(agentConfig(overlay));
      for (const signal of pushed) expect(agentSignals).toContain(signal);
      const gatewaySignals = signalsOf(gatewayConfig(overlay));
      for (const signal of new Set(agentSignals))
        expect(gatewaySignals).toContain(signal);
    });

    it("agent: the log exporter spreads over every gateway behind the headless Service, on the gateway's OTLP port", () => {
      const objects = objectsOf(overlay);
      const config = agentConfig(overlay);
      const [exporterId] = signalPipelines(config).logs.exporters;
      const exporter = mapAt(
        mapAt(config, 'exporters', 'agent'),
        exporterId,
        'exporters',
      );
      // dns:/// makes gRPC resolve every A record of the headless Service; round_robin uses them all.
      const target = /^dns:\/\/\/([a-z0-9-]+):(\d+)$/.exec(
        String(exporter['endpoint']),
      );
      expect(target).not.toBeNull();
      expect(exporter['balancer_name']).toBe('round_robin');
      const [, host, port] = target ?? [];
      const service = findObject(objects, 'Service', host);
      expect((service['spec'] as YamlMap)['clusterIP']).toBe('None');
      const gateway = findObject(objects, 'StatefulSet', 'otel-gateway');
      expect(serviceSelects(service, gateway)).toBe(true);
      const servicePort = servicePorts(service).find(
        (p) => p.port === Number(port),
      );
      expect(
        resolveTargetPort(
          objects,
          'StatefulSet',
          'otel-gateway',
          servicePort?.targetPort,
        ),
      ).toBe(otlpGrpcPort(gatewayConfig(overlay)));
      // Connections are recycled, so agents re-resolve and reach gateways added later.
      const keepalive = mapAt(
        mapAt(
          mapAt(
            mapAt(
              mapAt(gatewayConfig(overlay), 'receivers', 'gateway'),
              'otlp',
              'receivers',
            ),
            'protocols',
            'otlp',
          ),
          'grpc',
          'protocols',
        ),
        'keepalive',
        'grpc',
      );
      expect(
        mapAt(keepalive, 'server_parameters', 'keepalive')[
          'max_connection_age'
        ],
      ).toMatch(/^\d+[sm]$/);
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
          exporters: ['load_balancing', 'otlp_grpc/gateway'],
          volume: 'emptyDir',
        },
        {
          config: gatewayConfig(overlay),
          kind: 'StatefulSet',
          name: 'otel-gateway',
          exporters: ['otlp_grpc/jaeger', 'otlp_http/loki'],
          volume: 'persistentVolumeClaim',
        },
      ];
      for (const c of cases) {
        // Every exporter of the tier queues durably, nothing else is left in memory only.
        const queues = durableQueues(c.config);
        expect(Object.keys(queues).sort()).toEqual(c.exporters);
        expect(Object.keys(mapAt(c.config, 'exporters', c.name))).toEqual(
          expect.arrayContaining(c.exporters),
        );
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

    it('agent and gateway: the durable queues together fit their volume, with room for compaction', () => {
      // ~500 B per queued item, span or log record (docs/scaling.md: measured ~210 B per span and
      // ~190 B per dice-api log record in OTLP protobuf batches, plus the Kubernetes resource the
      // agents add); compaction needs a second copy.
      const BYTES_PER_ITEM = 500;
      const objects = objectsOf(overlay);
      const bytes = (q: string): number => {
        const m = /^(\d+)(Mi|Gi)$/.exec(q);
        if (!m) throw new Error(`unexpected quantity ${q}`);
        return Number(m[1]) * (m[2] === 'Gi' ? 1024 ** 3 : 1024 ** 2);
      };
      const queueItems = (
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
        return Number(
          variable ? envOf(objects, kind, name).get(variable) : size,
        );
      };
      const agentVolume = (
        podOf(objects, 'DaemonSet', 'otel-agent').spec['volumes'] as YamlMap[]
      ).find((v) => v['name'] === 'queue');
      const gateway = findObject(objects, 'StatefulSet', 'otel-gateway');
      const claim = (
        (gateway['spec'] as YamlMap)['volumeClaimTemplates'] as YamlMap[]
      )[0];
      const cases = [
        {
          who: 'otel-agent',
          kind: 'DaemonSet',
          config: agentConfig(overlay),
          volume: bytes(
            String((agentVolume?.['emptyDir'] as YamlMap)['sizeLimit']),
          ),
        },
        {
          who: 'otel-gateway',
          kind: 'StatefulSet',
          config: gatewayConfig(overlay),
          volume: bytes(
            String(
              (
                ((claim['spec'] as YamlMap)['resources'] as YamlMap)[
                  'requests'
                ] as YamlMap
              )['storage'],
            ),
          ),
        },
      ];
      for (const c of cases) {
        const items = Object.keys(durableQueues(c.config)).map((exporter) =>
          queueItems(c.config, exporter, c.kind, c.who),
        );
        expect(items.length).toBeGreaterThan(1);
        for (const n of items) expect(n).toBeGreaterThan(0);
        const total = items.reduce((a, b) => a + b, 0);
        expect({
          who: c.who,
          items: total,
          fits: total * BYTES_PER_ITEM * 2 <= c.volume,
        }).toEqual({ who: c.who, items: total, fits: true });
      }
    });

    it("gateway: loads its role file, then the overlay's Loki connection (and in production its TLS)", () => {
      expect(argsOf(objectsOf(overlay), 'StatefulSet', 'otel-gateway')).toEqual(
        [
          '--config=/etc/otelcol/config.yaml',
          '--config=/etc/otelcol/loki.yaml',
          ...(overlay === 'production'
            ? ['--config=/etc/otelcol/tls.yaml']
            : []),
        ],
      );
      // The overlay file only says where Loki is and how to reach it: no pipelines, no other component.
      const connection = yamlOf(
        configMapFile(objectsOf(overlay), 'otel-gateway-config', 'loki.yaml'),
      );
      expect(Object.keys(connection)).toEqual(['exporters']);
      expect(Object.keys(mapAt(connection, 'exporters', 'loki.yaml'))).toEqual([
        'otlp_http/loki',
      ]);
    });

    it("gateway: log records go, memory_limiter first, to Loki's OTLP endpoint", () => {
      const config = gatewayConfig(overlay);
      const logs = signalPipelines(config).logs;
      expect(logs.processors.map(componentType)).toEqual(['memory_limiter']);
      expect(logs.exporters).toEqual(['otlp_http/loki']);
      const exporter = mapAt(
        mapAt(config, 'exporters', 'gateway'),
        'otlp_http/loki',
        'exporters',
      );
      const url = String(otlpHttpSignalUrl(exporter, 'logs'));
      // Loki 3.x takes OTLP logs on POST /otlp/v1/logs (pkg/loki/modules.go at v3.7.6).
      expect(url).toMatch(/\/otlp\/v1\/logs$/);
      const objects = objectsOf(overlay);
      if (overlay === 'dev') {
        // The in-cluster Loki, through its Service, on the port its config listens on.
        const target = new URL(url);
        expect(target.protocol).toBe('http:');
        const service = findObject(objects, 'Service', target.hostname);
        const loki = findObject(objects, 'StatefulSet', 'loki');
        expect(serviceSelects(service, loki)).toBe(true);
        const port = servicePorts(service).find(
          (p) => p.port === Number(target.port),
        );
        const lokiConfig = yamlOf(
          configMapFile(objects, 'loki-config', 'loki.yaml'),
        );
        expect(
          resolveTargetPort(objects, 'StatefulSet', 'loki', port?.targetPort),
        ).toBe(mapAt(lokiConfig, 'server', 'loki.yaml')['http_listen_port']);
      } else {
        // The external Loki: https URL, Authorization and tenant from the Secret, TLS verified
        // against its CA, which is mounted where the exporter reads it.
        expect(url).toBe('${env:LOKI_URL}/otlp/v1/logs');
        const headers = exporter['headers'] as YamlMap;
        expect(headers).toEqual({
          Authorization: '${env:LOKI_AUTHORIZATION}',
          'X-Scope-OrgID': '${env:LOKI_TENANT}',
        });
        const tls = exporter['tls'] as YamlMap;
        expect(tls['insecure']).toBe(false);
        const env = envOf(objects, 'StatefulSet', 'otel-gateway');
        for (const [variable, key] of [
          ['LOKI_URL', 'url'],
          ['LOKI_AUTHORIZATION', 'authorization'],
          ['LOKI_TENANT', 'tenant'],
        ])
          expect({ variable, from: secretKeyOf(env.get(variable)) }).toEqual({
            variable,
            from: `loki-credentials/${key}`,
          });
        const mount = mountHolding(
          allMounts(objects, 'StatefulSet', 'otel-gateway'),
          String(tls['ca_file']),
        );
        expect(mount?.volume).toBe('secret');
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

/** The value at a path of a config, or undefined (no throwing: absence is what some checks want). */
function at(config: unknown, ...keys: string[]): unknown {
  let value: unknown = config;
  for (const key of keys) value = isMap(value) ? value[key] : undefined;
  return value;
}

describeWithKubectl(
  'scale-out that loses nothing: the collector configs',
  () => {
    describe.each(OVERLAYS)('%s', (overlay) => {
      it('agent: the load balancer re-routes failed batches (per-gateway queue, retry and timeout off; one durable queue)', () => {
        const lb = at(agentConfig(overlay), 'exporters', 'load_balancing');
        const otlp = at(lb, 'protocol', 'otlp');
        // Upstream's resilience guidance: nothing waits inside a per-gateway sub-exporter, where a
        // gateway leaving the ring would take it along.
        expect({
          subQueue: at(otlp, 'sending_queue', 'enabled'),
          subRetry: at(otlp, 'retry_on_failure', 'enabled'),
          subTimeout: at(otlp, 'timeout'),
        }).toEqual({ subQueue: false, subRetry: false, subTimeout: '0s' });
        // A failed attempt goes back to the exporter-level retry, which routes it over the current ring,
        // from a queue that is spelled enabled and durable.
        const queue = at(lb, 'sending_queue') as YamlMap;
        expect({
          enabled: queue['enabled'],
          storage: queue['storage'],
          retry: at(lb, 'retry_on_failure', 'enabled'),
          timeout: at(lb, 'timeout'),
        }).toEqual({
          enabled: true,
          storage: 'file_storage/queue',
          retry: true,
          timeout: expect.stringMatching(/^\d+s$/),
        });
        expect(durableQueues(agentConfig(overlay))['load_balancing']).toBe(
          '/var/lib/otelcol/queue',
        );
      });

      it('agent: gateways join the ring by pod hostname, which the StatefulSet gives them under the headless Service', () => {
        const objects = objectsOf(overlay);
        const k8s = at(
          agentConfig(overlay),
          'exporters',
          'load_balancing',
          'resolver',
          'k8s',
        ) as YamlMap;
        expect(k8s['return_hostnames']).toBe(true);
        // Endpoints carry a hostname only for pods whose subdomain names the Service: a StatefulSet's
        // pods get hostname = pod name and subdomain = serviceName.
        const gateway = findObject(objects, 'StatefulSet', 'otel-gateway');
        expect((gateway['spec'] as YamlMap)['serviceName']).toBe(
          k8s['service'],
        );
      });

      it('agent: hands connections over on a rollout (gRPC connections recycled, no OTLP/HTTP keep-alive)', () => {
        const grpc = at(
          agentConfig(overlay),
          'receivers',
          'otlp',
          'protocols',
          'grpc',
        );
        const http = at(
          agentConfig(overlay),
          'receivers',
          'otlp',
          'protocols',
          'http',
        );
        expect(
          at(grpc, 'keepalive', 'server_parameters', 'max_connection_age'),
        ).toMatch(/^\d+s$/);
        expect(
          at(
            grpc,
            'keepalive',
            'server_parameters',
            'max_connection_age_grace',
          ),
        ).toMatch(/^\d+s$/);
        expect(at(http, 'keep_alives_enabled')).toBe(false);
      });

      it('gateway: span metrics keep their series across gateway restarts, within a cardinality limit', () => {
        const config = gatewayConfig(overlay);
        const connector = at(config, 'connectors', 'span_metrics') as YamlMap;
        // No per-process collector.instance.id dimension (the connector adds it by default since 0.136).
        expect(connector['exclude_dimensions']).toEqual([
          'collector.instance.id',
        ]);
        expect(
          Number(connector['aggregation_cardinality_limit']),
        ).toBeGreaterThan(0);
        // The metrics pipeline trims the resource to the key attributes, the same on every gateway.
        const metrics = pipelines(config).filter((p) =>
          p.receivers.includes('span_metrics'),
        );
        expect(metrics).toHaveLength(1);
        const [transformId] = metrics[0].processors;
        expect(componentType(transformId)).toBe('transform');
        const statements = (
          at(
            config,
            'processors',
            transformId,
            'metric_statements',
          ) as YamlMap[]
        ).filter(isMap);
        expect(statements).toHaveLength(1);
        expect(statements[0]['context']).toBe('resource');
        const kept = /^keep_keys\(attributes, \[(.*)\]\)$/.exec(
          String((statements[0]['statements'] as string[])[0]),
        );
        expect(kept).not.toBeNull();
        expect(JSON.parse(`[${kept?.[1] ?? ''}]`)).toEqual(
          connector['resource_metrics_key_attributes'],
        );
        // Prometheus labels the series with the pod's name, stable in a StatefulSet, not its IP.
        const job = (
          yamlOf(
            configMapFile(
              objectsOf(overlay),
              'prometheus-config',
              'prometheus.yml',
            ),
          )['scrape_configs'] as YamlMap[]
        ).find((j) => j['job_name'] === 'otel-collector-span-metrics');
        const instance = ((job?.['relabel_configs'] ?? []) as YamlMap[]).find(
          (r) => r['target_label'] === 'instance',
        );
        expect(instance?.['source_labels']).toEqual([
          '__meta_kubernetes_pod_name',
          '__meta_kubernetes_pod_container_port_number',
        ]);
      });

      it('agents to gateways: mutual TLS in production, from the Secrets; plaintext in dev', () => {
        const objects = objectsOf(overlay);
        const agent = agentConfig(overlay);
        const gateway = gatewayConfig(overlay);
        const clientTls = [
          at(agent, 'exporters', 'load_balancing', 'protocol', 'otlp', 'tls'),
          at(agent, 'exporters', 'otlp_grpc/gateway', 'tls'),
        ] as YamlMap[];
        const serverTls = at(
          gateway,
          'receivers',
          'otlp',
          'protocols',
          'grpc',
          'tls',
        ) as YamlMap | undefined;
        if (overlay === 'dev') {
          for (const tls of clientTls) expect(tls).toEqual({ insecure: true });
          expect(serverTls).toBeUndefined();
          return;
        }
        const secretOf = (kind: string, name: string, file: string): string => {
          const mount = mountHolding(allMounts(objects, kind, name), file);
          expect({ file, volume: mount?.volume }).toEqual({
            file,
            volume: 'secret',
          });
          const volumeName = (
            mainContainer(objects, kind, name)['volumeMounts'] as YamlMap[]
          ).find((m) => m['mountPath'] === mount?.mountPath)?.['name'];
          const volume = (
            podOf(objects, kind, name).spec['volumes'] as YamlMap[]
          ).find((v) => v['name'] === volumeName);
          return String((volume?.['secret'] as YamlMap)['secretName']);
        };
        const gatewayService = 'otel-gateway-headless';
        for (const tls of clientTls) {
          expect(tls['insecure']).toBe(false);
          // Both exporters check the gateways' one certificate for the headless Service's name.
          expect(tls['server_name_override']).toBe(
            `${gatewayService}.otel-dice.svc`,
          );
          for (const key of ['ca_file', 'cert_file', 'key_file'])
            expect(secretOf('DaemonSet', 'otel-agent', String(tls[key]))).toBe(
              'otel-agent-tls',
            );
          expect(tls['reload_interval']).toMatch(/^\d+m$/);
        }
        expect(serverTls).toBeDefined();
        for (const key of ['cert_file', 'key_file', 'client_ca_file'])
          expect(
            secretOf('StatefulSet', 'otel-gateway', String(serverTls?.[key])),
          ).toBe('otel-gateway-tls');
        expect(serverTls?.['client_ca_file_reload']).toBe(true);
        expect(serverTls?.['reload_interval']).toMatch(/^\d+m$/);
        expect(findObject(objects, 'Service', gatewayService)).toBeDefined();
      });
    });
  },
);
