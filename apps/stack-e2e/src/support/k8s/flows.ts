import { parse } from 'yaml';
import { isMap, type YamlMap } from '../yaml-file.js';
import type { Endpoint, Flow, Namespace } from './network-policy.js';
import { containersOf, podTemplates } from './policy.js';
import { objectId, type K8sObject } from './render.js';

/**
 * The connections the stack needs, derived from what its parts are configured to talk to — the
 * apps' OTLP endpoint and target URL, the agents' load balancer and log exporter, the gateways'
 * exporters, Jaeger's storage and metrics backend, the index cleaner's URL, Prometheus' scrape
 * annotations, Grafana's data sources — so a NetworkPolicy check built on them fails when a config
 * gains a destination that no policy allows, and a policy that allows more than these is caught.
 */

/** The collector and Jaeger configs as the pods load them, supplied by the caller. */
export interface StackConfigs {
  readonly agent: YamlMap;
  readonly gateway: YamlMap;
  readonly jaegerCollector: YamlMap;
  readonly jaegerQuery: YamlMap;
}

export interface RequiredFlow extends Flow {
  readonly why: string;
}

export const CLUSTER_NAMESPACE = 'otel-dice';

/** Peers outside the stack's namespace, and outside the cluster. */
export const SYNTHETIC = {
  kubeDns: {
    id: 'kube-system/kube-dns',
    namespace: 'kube-system',
    labels: { 'k8s-app': 'kube-dns' },
    ip: '10.244.250.10',
  },
  /** An app in a namespace labelled otel-dice.io/otlp-to-agent=true. */
  optedInApp: {
    id: 'shop/checkout',
    namespace: 'shop',
    labels: { 'app.kubernetes.io/name': 'checkout' },
    ip: '10.244.251.1',
  },
  /** An app in a namespace without the label. */
  otherApp: {
    id: 'other/batch',
    namespace: 'other',
    labels: { 'app.kubernetes.io/name': 'batch' },
    ip: '10.244.252.1',
  },
  ingressController: {
    id: 'ingress-nginx/controller',
    namespace: 'ingress-nginx',
    labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
    ip: '10.244.253.1',
  },
  apiServer: { id: 'kubernetes API server', ip: '172.18.0.2' },
  externalOpenSearch: { id: 'external OpenSearch', ip: '203.0.113.10' },
  externalLoki: { id: 'external Loki', ip: '203.0.113.20' },
} satisfies Record<string, Endpoint>;

export const NAMESPACES = (namespaceObject: K8sObject): Namespace[] => [
  {
    name: CLUSTER_NAMESPACE,
    labels: {
      ...((namespaceObject.metadata['labels'] as Record<string, string>) ?? {}),
      // Set by the API server on every namespace.
      'kubernetes.io/metadata.name': CLUSTER_NAMESPACE,
    },
  },
  {
    name: 'kube-system',
    labels: { 'kubernetes.io/metadata.name': 'kube-system' },
  },
  {
    name: 'shop',
    labels: {
      'kubernetes.io/metadata.name': 'shop',
      'otel-dice.io/otlp-to-agent': 'true',
    },
  },
  { name: 'other', labels: { 'kubernetes.io/metadata.name': 'other' } },
  {
    name: 'ingress-nginx',
    labels: {
      'kubernetes.io/metadata.name': 'ingress-nginx',
      'otel-dice.io/ingress-controller': 'true',
    },
  },
];

/** The external ports each synthetic external peer listens on, for the flow matrix. */
export const EXTERNAL_PORTS: Readonly<Record<string, readonly number[]>> = {
  [SYNTHETIC.apiServer.id]: [443, 6443],
  [SYNTHETIC.externalOpenSearch.id]: [9200, 443],
  [SYNTHETIC.externalLoki.id]: [443],
};

/** Which external peer a `${env:X}` / `$X` / `$(X)` URL of the production overlay stands for. */
const EXTERNAL_URL_VARIABLES: Readonly<Record<string, Endpoint>> = {
  LOKI_URL: SYNTHETIC.externalLoki,
  OPENSEARCH_URL: SYNTHETIC.externalOpenSearch,
};

function podLabels(o: K8sObject): Record<string, string> {
  const spec = o['spec'] as YamlMap;
  const template =
    o.kind === 'CronJob'
      ? (((spec['jobTemplate'] as YamlMap)['spec'] as YamlMap)[
          'template'
        ] as YamlMap)
      : (spec['template'] as YamlMap);
  return ((template['metadata'] as YamlMap)['labels'] ?? {}) as Record<
    string,
    string
  >;
}

/** One endpoint per workload (all its pods alike), with a synthetic pod IP. */
export function workloadEndpoints(objects: readonly K8sObject[]): Endpoint[] {
  const workloads = objects.filter((o) =>
    ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].includes(
      o.kind,
    ),
  );
  return workloads.map((o, i) => {
    const pod = podTemplates([o])[0];
    const namedPorts: Record<string, number> = {};
    for (const c of containersOf(pod))
      for (const p of (Array.isArray(c.raw['ports'])
        ? c.raw['ports']
        : []
      ).filter(isMap))
        if (typeof p['name'] === 'string')
          namedPorts[p['name']] = Number(p['containerPort']);
    return {
      id: objectId(o),
      namespace: String(o.metadata['namespace']),
      labels: podLabels(o),
      ip: `10.244.1.${i + 1}`,
      namedPorts,
    };
  });
}

/** The TCP container ports of a workload endpoint. */
export const portsOf = (e: Endpoint): number[] =>
  [...new Set(Object.values(e.namedPorts ?? {}))].sort((a, b) => a - b);

function serviceNamed(objects: readonly K8sObject[], host: string): K8sObject {
  // svc, svc.ns, svc.ns.svc, svc.ns.svc.cluster.local
  const name = host.split('.')[0];
  const service = objects.find(
    (o) => o.kind === 'Service' && o.metadata.name === name,
  );
  if (!service) throw new Error(`no Service ${name} (from ${host})`);
  return service;
}

/** The workload endpoints a Service selects. */
export function podsOfService(
  objects: readonly K8sObject[],
  endpoints: readonly Endpoint[],
  host: string,
): Endpoint[] {
  const service = serviceNamed(objects, host);
  const selector = ((service['spec'] as YamlMap)['selector'] ?? {}) as Record<
    string,
    string
  >;
  const pods = endpoints.filter(
    (e) =>
      e.namespace === String(service.metadata['namespace']) &&
      Object.keys(selector).length > 0 &&
      Object.entries(selector).every(([k, v]) => e.labels?.[k] === v),
  );
  if (pods.length === 0) throw new Error(`Service ${host} selects no pod`);
  return pods;
}

/** The pods (endpoint and container port) behind `host:port` of a Service. */
export function behindService(
  objects: readonly K8sObject[],
  endpoints: readonly Endpoint[],
  host: string,
  port: number,
): { endpoint: Endpoint; port: number }[] {
  const spec = serviceNamed(objects, host)['spec'] as YamlMap;
  const entry = (Array.isArray(spec['ports']) ? spec['ports'] : [])
    .filter(isMap)
    .find((p) => Number(p['port']) === port);
  if (!entry) throw new Error(`Service ${host} has no port ${port}`);
  const pods = podsOfService(objects, endpoints, host);
  const target = entry['targetPort'] ?? entry['port'];
  return pods.map((endpoint) => ({
    endpoint,
    port:
      typeof target === 'number'
        ? target
        : (endpoint.namedPorts?.[String(target)] ??
          (() => {
            throw new Error(
              `${endpoint.id} has no port named ${String(target)}`,
            );
          })()),
  }));
}

/** Every port of a Service, resolved to its pods. */
function allServicePorts(
  objects: readonly K8sObject[],
  endpoints: readonly Endpoint[],
  host: string,
): { endpoint: Endpoint; port: number }[] {
  const spec = serviceNamed(objects, host)['spec'] as YamlMap;
  return (Array.isArray(spec['ports']) ? spec['ports'] : [])
    .filter(isMap)
    .flatMap((p) => behindService(objects, endpoints, host, Number(p['port'])));
}

/**
 * Where a URL or endpoint setting points: pods behind a Service, or an external peer (a URL taken
 * from a Secret variable in production). Accepts http(s)://host:port/path, dns:///host:port,
 * host:port, ${env:VAR}/path, $VAR, $(VAR).
 */
export function destinationsOf(
  objects: readonly K8sObject[],
  endpoints: readonly Endpoint[],
  target: string,
): { endpoint: Endpoint; port: number }[] {
  const variable = /^\$(?:\{env:|\(|)([A-Z0-9_]+)[})]?/.exec(target)?.[1];
  if (variable !== undefined) {
    const external = EXTERNAL_URL_VARIABLES[variable];
    if (!external) throw new Error(`no external peer for ${target}`);
    return (EXTERNAL_PORTS[external.id] ?? []).map((port) => ({
      endpoint: external,
      port,
    }));
  }
  const withScheme = target.startsWith('dns:///')
    ? `grpc://${target.slice('dns:///'.length)}`
    : /^[a-z]+:\/\//.test(target)
      ? target
      : `grpc://${target}`;
  const url = new URL(withScheme);
  const port = Number(
    url.port ||
      (url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : NaN),
  );
  return behindService(objects, endpoints, url.hostname, port);
}

function at(map: unknown, ...keys: string[]): unknown {
  let value: unknown = map;
  for (const key of keys) value = isMap(value) ? value[key] : undefined;
  return value;
}

function envValue(o: K8sObject, name: string): string | undefined {
  const pod = podTemplates([o])[0];
  for (const c of containersOf(pod)) {
    const env = (Array.isArray(c.raw['env']) ? c.raw['env'] : []).filter(isMap);
    const found = env.find((e) => e['name'] === name);
    if (found && typeof found['value'] === 'string') return found['value'];
  }
  return undefined;
}

/** The flows the configs need, each with the setting it comes from. */
export function requiredFlows(
  objects: readonly K8sObject[],
  endpoints: readonly Endpoint[],
  configs: StackConfigs,
): RequiredFlow[] {
  const flows: RequiredFlow[] = [];
  const byId = (id: string): Endpoint => {
    const e = endpoints.find((x) => x.id === id);
    if (!e) throw new Error(`no endpoint ${id}`);
    return e;
  };
  const add = (
    from: Endpoint,
    to: { endpoint: Endpoint; port: number }[],
    why: string,
  ): void => {
    for (const t of to) flows.push({ from, to: t.endpoint, port: t.port, why });
  };
  const workloads = objects.filter((o) =>
    ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].includes(
      o.kind,
    ),
  );

  // Every pod resolves names.
  for (const e of endpoints.filter((x) => x.namespace === CLUSTER_NAMESPACE))
    for (const protocol of ['UDP', 'TCP'] as const)
      flows.push({
        from: e,
        to: SYNTHETIC.kubeDns,
        port: 53,
        protocol,
        why: 'DNS',
      });

  // Apps: OTLP to the agent's Service (either protocol it offers), the player to the API.
  for (const o of workloads) {
    const otlp = envValue(o, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    if (otlp !== undefined) {
      const host = new URL(otlp).hostname;
      add(
        byId(objectId(o)),
        allServicePorts(objects, endpoints, host),
        `${objectId(o)} OTEL_EXPORTER_OTLP_ENDPOINT=${otlp} (gRPC or HTTP)`,
      );
    }
    const target = envValue(o, 'PLAYER_TARGET_URL');
    if (target !== undefined)
      add(
        byId(objectId(o)),
        destinationsOf(objects, endpoints, target),
        `PLAYER_TARGET_URL=${target}`,
      );
  }
  // Apps of opted-in namespaces use the same agents.
  const agentService = 'otel-agent';
  add(
    SYNTHETIC.optedInApp,
    allServicePorts(objects, endpoints, agentService),
    'an app of a namespace labelled otel-dice.io/otlp-to-agent',
  );

  // Agents: the load balancer's ring (pod ports of the resolved Service) and the log exporter.
  const agent = byId('DaemonSet/otel-agent');
  const k8s = at(
    configs.agent,
    'exporters',
    'load_balancing',
    'resolver',
    'k8s',
  );
  const service = String(at(k8s, 'service'));
  const ringPorts = (at(k8s, 'ports') as number[]) ?? [];
  // The resolver watches the Service's endpoints and dials the pods on these ports directly.
  const gatewayPods = podsOfService(objects, endpoints, service);
  for (const port of ringPorts)
    add(
      agent,
      gatewayPods.map((endpoint) => ({ endpoint, port })),
      `agent load_balancing resolver ${service}:${port}`,
    );
  for (const [id, exporter] of Object.entries(
    (at(configs.agent, 'exporters') ?? {}) as YamlMap,
  )) {
    const endpoint = at(exporter, 'endpoint');
    if (typeof endpoint === 'string')
      add(
        agent,
        destinationsOf(objects, endpoints, endpoint),
        `agent ${id} ${endpoint}`,
      );
  }
  for (const port of EXTERNAL_PORTS[SYNTHETIC.apiServer.id])
    flows.push({
      from: agent,
      to: SYNTHETIC.apiServer,
      port,
      why: 'agent: k8s_attributes, k8s_api detector, load balancer resolver',
    });

  // Gateways, and any drain Job running their collector: their exporters.
  const gatewayLike = endpoints.filter(
    (e) =>
      e.labels?.['app.kubernetes.io/name'] === 'otel-collector' &&
      ['gateway', 'gateway-drain'].includes(
        e.labels?.['app.kubernetes.io/component'] ?? '',
      ),
  );
  for (const g of gatewayLike)
    for (const [id, exporter] of Object.entries(
      (at(configs.gateway, 'exporters') ?? {}) as YamlMap,
    )) {
      const endpoint = at(exporter, 'endpoint');
      if (typeof endpoint === 'string' && !id.startsWith('prometheus'))
        add(
          g,
          destinationsOf(objects, endpoints, endpoint),
          `${g.id} ${id} ${endpoint}`,
        );
    }

  // Jaeger: the trace store of both roles, the query role's metrics backend, the index cleaner.
  const jaegerStore = (config: YamlMap): string[] =>
    Object.values(
      (at(config, 'extensions', 'jaeger_storage', 'backends') ?? {}) as YamlMap,
    ).flatMap((b) => (at(b, 'opensearch', 'server_urls') as string[]) ?? []);
  for (const [id, config] of [
    ['Deployment/jaeger-collector', configs.jaegerCollector],
    ['Deployment/jaeger-query', configs.jaegerQuery],
  ] as const)
    for (const url of jaegerStore(config))
      add(
        byId(id),
        destinationsOf(objects, endpoints, url),
        `${id} trace store ${url}`,
      );
  for (const b of Object.values(
    (at(
      configs.jaegerQuery,
      'extensions',
      'jaeger_storage',
      'metric_backends',
    ) ?? {}) as YamlMap,
  )) {
    const url = at(b, 'prometheus', 'endpoint');
    if (typeof url === 'string')
      add(
        byId('Deployment/jaeger-query'),
        destinationsOf(objects, endpoints, url),
        `jaeger-query metrics backend ${url}`,
      );
  }
  const cleaner = workloads.find((o) => o.kind === 'CronJob');
  if (cleaner) {
    const args = containersOf(podTemplates([cleaner])[0])[0].raw['args'];
    const url = (Array.isArray(args) ? args : [])
      .map(String)
      .find((a) => /^(https?:|\$)/.test(a));
    if (url)
      add(
        byId(objectId(cleaner)),
        destinationsOf(objects, endpoints, url),
        `index cleaner ${url}`,
      );
  }

  // Prometheus: every annotated pod on its annotated port, the gateways' span-metrics port, the API.
  const prometheus = byId('StatefulSet/prometheus');
  for (const o of workloads) {
    const template =
      o.kind === 'CronJob'
        ? at(o, 'spec', 'jobTemplate', 'spec', 'template')
        : at(o, 'spec', 'template');
    const annotations = (at(template, 'metadata', 'annotations') ??
      {}) as Record<string, string>;
    const e = byId(objectId(o));
    if (annotations['prometheus.io/scrape'] === 'true')
      flows.push({
        from: prometheus,
        to: e,
        port: Number(annotations['prometheus.io/port']),
        why: `scrape ${objectId(o)} (annotations)`,
      });
    const spanMetrics = e.namedPorts?.['span-metrics'];
    if (spanMetrics !== undefined)
      flows.push({
        from: prometheus,
        to: e,
        port: spanMetrics,
        why: `scrape ${objectId(o)} span-metrics (job otel-collector-span-metrics)`,
      });
  }
  for (const port of EXTERNAL_PORTS[SYNTHETIC.apiServer.id])
    flows.push({
      from: prometheus,
      to: SYNTHETIC.apiServer,
      port,
      why: 'Prometheus Kubernetes service discovery',
    });

  // Grafana: its data sources, as provisioned.
  const grafana = byId('Deployment/grafana');
  const datasources = objects.find(
    (o) =>
      o.kind === 'ConfigMap' &&
      o.metadata.name.startsWith('grafana-datasources-'),
  );
  for (const text of Object.values((datasources?.['data'] ?? {}) as YamlMap)) {
    const parsed: unknown = parse(String(text));
    for (const ds of ((at(parsed, 'datasources') as unknown[]) ?? []).filter(
      isMap,
    ))
      if (typeof ds['url'] === 'string')
        add(
          grafana,
          destinationsOf(objects, endpoints, ds['url']),
          `Grafana data source ${String(ds['name'])} ${ds['url']}`,
        );
  }

  // An ingress controller's namespace reaches the HTTP front doors.
  for (const [host, port] of [
    ['dice-api', 5000],
    ['grafana', 3000],
    ['jaeger', 16686],
  ] as const)
    add(
      SYNTHETIC.ingressController,
      behindService(objects, endpoints, host, port),
      `ingress controller -> Service ${host}:${port}`,
    );

  return flows;
}
