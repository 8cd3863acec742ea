import {
  containersOf,
  hardeningViolations,
  imageViolations,
  podTemplates,
  POLICIES,
  probeViolations,
  resourceViolations,
  unpinnedReason,
  type PodTemplate,
} from './support/k8s/policy.js';
import { drainJobFor } from './support/k8s/drain.js';
import {
  CLUSTER_NAMESPACE,
  EXTERNAL_PORTS,
  NAMESPACES,
  portsOf,
  requiredFlows,
  SYNTHETIC,
  workloadEndpoints,
} from './support/k8s/flows.js';
import {
  flowId,
  inCidr,
  NetworkPolicyModel,
  selects,
  type Endpoint,
  type Flow,
  type Namespace,
} from './support/k8s/network-policy.js';
import {
  configMapFile,
  envOf,
  loadedCollectorConfig,
  mainContainer,
  podOf,
  yamlOf,
} from './support/k8s/objects.js';
import {
  findObject,
  objectId,
  OVERLAYS,
  type K8sObject,
  type Overlay,
} from './support/k8s/render.js';
import { kubectlSuite } from './support/k8s/suite.js';
import { mergeConfigs } from './support/upstream-components.js';
import { isMap, type YamlMap } from './support/yaml-file.js';

/**
 * Policies over every pod the rendered overlays would create: hardened security context, probes,
 * requests and limits, pinned images. Each policy is also shown to fail on a pod that breaks it.
 * Then what the issue asks of the two apps in particular: /healthz probes, downward-API resource
 * attributes, graceful termination with time for the telemetry flush, PDBs and dice-api's HPA.
 * Then the NetworkPolicies (evaluated by support/k8s/network-policy.ts against the flows the configs
 * need, support/k8s/flows.ts) and the rollout, priority and memory settings of the collector tiers.
 */

const { describeWithKubectl, objectsOf } = kubectlSuite(
  'Kubernetes policy checks',
);

/** A compliant pod template to break, one rule at a time. */
const COMPLIANT: PodTemplate = {
  owner: 'Deployment/sample',
  kind: 'Deployment',
  spec: {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'app',
        image: 'example/app:1.2.3',
        readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
        resources: {
          requests: { cpu: '100m', memory: '64Mi' },
          limits: { cpu: '1', memory: '128Mi' },
        },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
      },
    ],
  },
};

function breaking(change: (spec: Record<string, any>) => void): PodTemplate {
  const spec = structuredClone(COMPLIANT.spec) as Record<string, any>;
  change(spec);
  return { ...COMPLIANT, spec };
}
const container = (spec: Record<string, any>): Record<string, any> =>
  spec['containers'][0];

describe('the pod policies', () => {
  it('pass a compliant pod', () => {
    for (const [name, policy] of Object.entries(POLICIES))
      expect({ name, violations: policy(COMPLIANT) }).toEqual({
        name,
        violations: [],
      });
  });

  it.each([
    [
      'runAsNonRoot missing',
      (s: Record<string, any>) => delete s['securityContext']['runAsNonRoot'],
      /runAsNonRoot is not true/,
    ],
    [
      'root user',
      (s: Record<string, any>) =>
        (container(s)['securityContext']['runAsUser'] = 0),
      /runAsUser 0/,
    ],
    [
      'no seccomp profile',
      (s: Record<string, any>) => delete s['securityContext']['seccompProfile'],
      /seccompProfile is not RuntimeDefault/,
    ],
    [
      'Unconfined seccomp',
      (s: Record<string, any>) =>
        (container(s)['securityContext']['seccompProfile'] = {
          type: 'Unconfined',
        }),
      /seccompProfile is not RuntimeDefault/,
    ],
    [
      'privilege escalation allowed',
      (s: Record<string, any>) =>
        delete container(s)['securityContext']['allowPrivilegeEscalation'],
      /allowPrivilegeEscalation is not false/,
    ],
    [
      'privileged',
      (s: Record<string, any>) =>
        (container(s)['securityContext']['privileged'] = true),
      /privileged/,
    ],
    [
      'writable root filesystem',
      (s: Record<string, any>) =>
        (container(s)['securityContext']['readOnlyRootFilesystem'] = false),
      /readOnlyRootFilesystem is not true/,
    ],
    [
      'capabilities kept',
      (s: Record<string, any>) =>
        (container(s)['securityContext']['capabilities'] = {
          drop: ['NET_RAW'],
        }),
      /capabilities.drop lacks ALL/,
    ],
    [
      'capability added',
      (s: Record<string, any>) =>
        (container(s)['securityContext']['capabilities']['add'] = [
          'NET_ADMIN',
        ]),
      /capabilities.add NET_ADMIN/,
    ],
    [
      'host network',
      (s: Record<string, any>) => (s['hostNetwork'] = true),
      /hostNetwork/,
    ],
    [
      'hostPath volume',
      (s: Record<string, any>) =>
        (s['volumes'] = [{ name: 'h', hostPath: { path: '/' } }]),
      /hostPath volume h/,
    ],
    [
      'an init container without hardening',
      (s: Record<string, any>) =>
        (s['initContainers'] = [{ name: 'init', image: 'x/y:1.0.0' }]),
      /container init: allowPrivilegeEscalation/,
    ],
  ])('hardening fails on: %s', (_name, change, message) => {
    expect(hardeningViolations(breaking(change)).join('\n')).toMatch(message);
  });

  it('hardening lets a listed pod keep a writable root filesystem, and only that', () => {
    const writable = breaking(
      (s) =>
        (container(s)['securityContext']['readOnlyRootFilesystem'] = false),
    );
    expect(
      hardeningViolations(writable, { 'Deployment/sample': 'test' }),
    ).toEqual([]);
    expect(
      hardeningViolations(writable, { 'Deployment/other': 'test' }),
    ).not.toEqual([]);
  });

  it.each(['readinessProbe', 'livenessProbe'])(
    'probes fail without a %s',
    (probe) => {
      expect(
        probeViolations(breaking((s) => delete container(s)[probe])),
      ).toEqual([`Deployment/sample container app: no ${probe}`]);
    },
  );

  it('probes are not asked of run-to-completion pods', () => {
    const job = breaking((s) => delete container(s)['livenessProbe']);
    expect(probeViolations({ ...job, kind: 'CronJob' })).toEqual([]);
  });

  it.each([
    ['requests', 'cpu'],
    ['requests', 'memory'],
    ['limits', 'cpu'],
    ['limits', 'memory'],
  ])('resources fail without %s.%s', (kind, resource) => {
    expect(
      resourceViolations(
        breaking((s) => delete container(s)['resources'][kind][resource]),
      ),
    ).toEqual([`Deployment/sample container app: no ${kind}.${resource}`]);
  });

  it.each([
    ['example/app', 'no tag (means latest)'],
    ['example/app:latest', 'tag latest'],
    ['node:24', 'tag 24 is not an exact version'],
    ['opensearchproject/opensearch:3.7', 'tag 3.7 is not an exact version'],
    ['registry.local:5000/app', 'no tag (means latest)'],
  ])('images fail on %s', (image, reason) => {
    expect(unpinnedReason(image)).toBe(reason);
    expect(
      imageViolations(breaking((s) => (container(s)['image'] = image)))[0],
    ).toContain(reason);
  });

  it.each([
    'example/app:1.2.3',
    'prom/prometheus:v3.14.0',
    'node:24.21.0-bookworm-slim',
    'registry.local:5000/app:0.0.1',
    `opensearchproject/opensearch:3.7.0@sha256:${'a'.repeat(64)}`,
    `example/app@sha256:${'b'.repeat(64)}`,
  ])('images accept %s', (image) => {
    expect(unpinnedReason(image)).toBeUndefined();
  });
});

describeWithKubectl('every pod of every overlay', () => {
  it.each(
    OVERLAYS.flatMap((o) => Object.keys(POLICIES).map((p) => [o, p] as const)),
  )('%s: %s', (overlay, policy) => {
    const pods = podTemplates(objectsOf(overlay));
    expect(pods.length).toBeGreaterThan(8);
    const violations = pods.flatMap((pod) =>
      POLICIES[policy as keyof typeof POLICIES](pod),
    );
    expect(violations).toEqual([]);
  });
});

function appContainer(objects: readonly K8sObject[], app: string): YamlMap {
  const pod = podTemplates([findObject(objects, 'Deployment', app)])[0];
  const c = containersOf(pod).find((x) => x.name === app);
  if (!c) throw new Error(`Deployment/${app} has no container ${app}`);
  return c.raw;
}

function podSpec(objects: readonly K8sObject[], app: string): YamlMap {
  return podTemplates([findObject(objects, 'Deployment', app)])[0].spec;
}

const APPS = ['dice-api', 'dice-player'] as const;

describeWithKubectl('the apps', () => {
  const cases = OVERLAYS.flatMap((o) => APPS.map((a) => [o, a] as const));

  it.each(cases)(
    '%s %s: readiness and liveness probe /healthz on the app port',
    (overlay, app) => {
      const c = appContainer(objectsOf(overlay), app);
      const ports = (c['ports'] as YamlMap[]).map((p) => p['name']);
      for (const probe of ['readinessProbe', 'livenessProbe']) {
        const get = (c[probe] as YamlMap)['httpGet'] as YamlMap;
        expect({
          probe,
          path: get['path'],
          portIsDeclared: ports.includes(get['port']),
        }).toEqual({
          probe,
          path: '/healthz',
          portIsDeclared: true,
        });
      }
    },
  );

  it.each(cases)(
    '%s %s: pod name, namespace and node reach OTEL_RESOURCE_ATTRIBUTES through the downward API',
    (overlay, app) => {
      const env = (
        appContainer(objectsOf(overlay), app)['env'] as YamlMap[]
      ).filter(isMap);
      const fieldOf = (name: string): unknown => {
        const valueFrom = env.find((e) => e['name'] === name)?.['valueFrom'];
        return isMap(valueFrom) && isMap(valueFrom['fieldRef'])
          ? valueFrom['fieldRef']['fieldPath']
          : undefined;
      };
      const index = (name: string): number =>
        env.findIndex((e) => e['name'] === name);
      const attributes = String(
        env.find((e) => e['name'] === 'OTEL_RESOURCE_ATTRIBUTES')?.['value'],
      );
      const wanted = {
        'k8s.pod.name': 'metadata.name',
        'k8s.namespace.name': 'metadata.namespace',
        'k8s.node.name': 'spec.nodeName',
      };
      for (const [attribute, fieldPath] of Object.entries(wanted)) {
        const reference = new RegExp(
          `(?:^|,)${attribute.replace(/\./g, '\\.')}=\\$\\(([A-Z0-9_]+)\\)`,
        ).exec(attributes);
        const variable = reference?.[1] ?? '';
        // The kubelet expands $(VAR) only for variables defined earlier in the list.
        expect({
          attribute,
          fieldPath: fieldOf(variable),
          definedBefore:
            index(variable) >= 0 &&
            index(variable) < index('OTEL_RESOURCE_ATTRIBUTES'),
        }).toEqual({ attribute, fieldPath, definedBefore: true });
      }
    },
  );

  it.each(cases)(
    '%s %s: the grace period outlasts the preStop pause plus the app shutdown deadline (10 s)',
    (overlay, app) => {
      const spec = podSpec(objectsOf(overlay), app);
      const c = appContainer(objectsOf(overlay), app);
      const preStop =
        isMap(c['lifecycle']) && isMap(c['lifecycle']['preStop'])
          ? c['lifecycle']['preStop']
          : {};
      const pause = isMap(preStop['sleep'])
        ? Number(preStop['sleep']['seconds'])
        : 0;
      expect(pause).toBeGreaterThan(0);
      expect(Number(spec['terminationGracePeriodSeconds'])).toBeGreaterThan(
        pause + 10,
      );
    },
  );

  it.each(cases)('%s %s: exports to the node-local agent', (overlay, app) => {
    const objects = objectsOf(overlay);
    const env = (appContainer(objects, app)['env'] as YamlMap[]).filter(isMap);
    expect(
      env.find((e) => e['name'] === 'OTEL_EXPORTER_OTLP_ENDPOINT')?.['value'],
    ).toBe('http://otel-agent:4317');
    const agent = findObject(objects, 'Service', 'otel-agent');
    expect((agent['spec'] as YamlMap)['internalTrafficPolicy']).toBe('Local');
  });

  it.each(cases)(
    '%s %s: sends its log records over OTLP to the same agent, as the compose apps do',
    (overlay, app) => {
      const env = new Map(
        (appContainer(objectsOf(overlay), app)['env'] as YamlMap[])
          .filter(isMap)
          .map((e) => [String(e['name']), e['value']]),
      );
      // The library's configuration model (libs/telemetry README): a logs exporter list with otlp in
      // it switches on pino's log sending; metrics stay on /metrics for the Prometheus scrape.
      expect(String(env.get('OTEL_LOGS_EXPORTER')).split(',')).toContain(
        'otlp',
      );
      expect(env.get('OTEL_METRICS_EXPORTER')).toBe('prometheus');
      // Nothing sends one signal elsewhere or over another protocol than the agent's gRPC port.
      const overrides = [...env.keys()].filter((name) =>
        /^OTEL_EXPORTER_OTLP_(TRACES_|LOGS_|METRICS_)?(ENDPOINT|PROTOCOL)$/.test(
          name,
        ),
      );
      expect(overrides).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT']);
      expect(env.has('TRACE_ENDPOINT')).toBe(false);
    },
  );

  it.each(cases)(
    '%s %s: a PodDisruptionBudget selects its pods',
    (overlay, app) => {
      const objects = objectsOf(overlay);
      const pdb = findObject(objects, 'PodDisruptionBudget', app);
      const selector = ((pdb['spec'] as YamlMap)['selector'] as YamlMap)[
        'matchLabels'
      ] as YamlMap;
      const labels = (
        (findObject(objects, 'Deployment', app)['spec'] as YamlMap)[
          'template'
        ] as YamlMap
      )['metadata'] as YamlMap;
      for (const [key, value] of Object.entries(selector))
        expect((labels['labels'] as YamlMap)[key]).toBe(value);
    },
  );

  it.each(OVERLAYS)(
    '%s dice-api: the HorizontalPodAutoscaler scales the Deployment on CPU',
    (overlay) => {
      const objects = objectsOf(overlay);
      const spec = findObject(objects, 'HorizontalPodAutoscaler', 'dice-api')[
        'spec'
      ] as YamlMap;
      expect(spec['scaleTargetRef']).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'dice-api',
      });
      expect(Number(spec['maxReplicas'])).toBeGreaterThan(
        Number(spec['minReplicas']),
      );
      expect(JSON.stringify(spec['metrics'])).toContain('"name":"cpu"');
      // Utilization is relative to the request: without one the HPA cannot compute it.
      const requests = (
        appContainer(objects, 'dice-api')['resources'] as YamlMap
      )['requests'] as YamlMap;
      expect(requests['cpu']).toBeDefined();
    },
  );
});

// --- NetworkPolicies -----------------------------------------------------------------------------

const pod = (
  id: string,
  namespace: string,
  labels: Record<string, string>,
  ip: string,
  namedPorts: Record<string, number> = {},
): Endpoint => ({ id, namespace, labels, ip, namedPorts });

const policy = (name: string, namespace: string, spec: YamlMap): K8sObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});

describe('the NetworkPolicy evaluator', () => {
  const namespaces: Namespace[] = [
    { name: 'a', labels: { 'kubernetes.io/metadata.name': 'a' } },
    { name: 'b', labels: { 'kubernetes.io/metadata.name': 'b', team: 'x' } },
  ];
  const web = pod('web', 'a', { app: 'web' }, '10.0.0.1', { http: 8080 });
  const db = pod('db', 'a', { app: 'db' }, '10.0.0.2', { sql: 5432 });
  const other = pod('other', 'b', { app: 'web' }, '10.0.1.1');
  const outside: Endpoint = { id: 'outside', ip: '203.0.113.5' };
  const denyAll = policy('deny', 'a', {
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
  });

  it('allows everything to pods no policy isolates', () => {
    const model = new NetworkPolicyModel([], namespaces);
    expect(model.allows({ from: web, to: db, port: 5432 })).toBe(true);
  });

  it('denies once a policy isolates either end and no rule allows the flow', () => {
    const model = new NetworkPolicyModel([denyAll], namespaces);
    expect(model.allows({ from: web, to: db, port: 5432 })).toBe(false);
    expect(model.allows({ from: other, to: db, port: 5432 })).toBe(false);
    expect(model.allows({ from: web, to: outside, port: 443 })).toBe(false);
  });

  it('needs the egress of the source and the ingress of the destination', () => {
    const ingress = policy('db-in', 'a', {
      podSelector: { matchLabels: { app: 'db' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
    });
    const egress = policy('web-out', 'a', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }],
    });
    const flow = { from: web, to: db, port: 5432 };
    expect(
      new NetworkPolicyModel([denyAll, ingress], namespaces).allows(flow),
    ).toBe(false);
    expect(
      new NetworkPolicyModel([denyAll, egress], namespaces).allows(flow),
    ).toBe(false);
    expect(
      new NetworkPolicyModel([denyAll, ingress, egress], namespaces).allows(
        flow,
      ),
    ).toBe(true);
  });

  it('matches a podSelector peer in the policy namespace only, a namespaceSelector peer across namespaces, both together as AND', () => {
    const rules = (from: unknown[]): K8sObject =>
      policy('db-in', 'a', {
        podSelector: { matchLabels: { app: 'db' } },
        policyTypes: ['Ingress'],
        ingress: [{ from }],
      });
    const cases: [unknown[], Endpoint, boolean][] = [
      [[{ podSelector: { matchLabels: { app: 'web' } } }], web, true],
      [[{ podSelector: { matchLabels: { app: 'web' } } }], other, false],
      [[{ namespaceSelector: { matchLabels: { team: 'x' } } }], other, true],
      [[{ namespaceSelector: { matchLabels: { team: 'x' } } }], web, false],
      [
        [
          {
            namespaceSelector: { matchLabels: { team: 'x' } },
            podSelector: { matchLabels: { app: 'db' } },
          },
        ],
        other,
        false,
      ],
      [[{ namespaceSelector: {} }], other, true],
      [[{ ipBlock: { cidr: '10.0.1.0/24' } }], other, true],
      [
        [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] } }],
        other,
        false,
      ],
    ];
    for (const [from, source, allowed] of cases)
      expect({
        from,
        source: source.id,
        allowed: new NetworkPolicyModel([rules(from)], namespaces).allows({
          from: source,
          to: db,
          port: 5432,
        }),
      }).toEqual({ from, source: source.id, allowed });
  });

  it('matches ports by number, name (on the destination), range and protocol', () => {
    const withPorts = (ports: unknown[]): NetworkPolicyModel =>
      new NetworkPolicyModel(
        [
          policy('db-in', 'a', {
            podSelector: { matchLabels: { app: 'db' } },
            policyTypes: ['Ingress'],
            ingress: [{ ports }],
          }),
        ],
        namespaces,
      );
    expect(
      withPorts([{ port: 5432 }]).allows({ from: web, to: db, port: 5432 }),
    ).toBe(true);
    expect(
      withPorts([{ port: 5433 }]).allows({ from: web, to: db, port: 5432 }),
    ).toBe(false);
    expect(
      withPorts([{ port: 'sql' }]).allows({ from: web, to: db, port: 5432 }),
    ).toBe(true);
    expect(
      withPorts([{ port: 'http' }]).allows({ from: web, to: db, port: 8080 }),
    ).toBe(false);
    expect(
      withPorts([{ port: 5000, endPort: 6000 }]).allows({
        from: web,
        to: db,
        port: 5432,
      }),
    ).toBe(true);
    expect(
      withPorts([{ protocol: 'UDP', port: 5432 }]).allows({
        from: web,
        to: db,
        port: 5432,
      }),
    ).toBe(false);
    expect(withPorts([]).allows({ from: web, to: db, port: 1 })).toBe(true);
  });

  it('selects with matchExpressions', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(
      selects(
        {
          matchExpressions: [
            { key: 'app', operator: 'In', values: ['web', 'api'] },
          ],
        },
        labels,
      ),
    ).toBe(true);
    expect(
      selects(
        {
          matchExpressions: [
            { key: 'app', operator: 'NotIn', values: ['web'] },
          ],
        },
        labels,
      ),
    ).toBe(false);
    expect(
      selects(
        { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
        labels,
      ),
    ).toBe(true);
    expect(
      selects(
        { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] },
        labels,
      ),
    ).toBe(false);
    expect(selects({}, labels)).toBe(true);
    expect(inCidr('10.1.2.3', '10.1.0.0/16')).toBe(true);
    expect(inCidr('10.2.2.3', '10.1.0.0/16')).toBe(false);
    expect(inCidr('1.2.3.4', '0.0.0.0/0')).toBe(true);
  });
});

/** The overlay's objects plus a drain Job (for ordinal 9), whose flows the policies must cover too. */
function withDrainJob(overlay: Overlay): K8sObject[] {
  const objects = objectsOf(overlay);
  return [...objects, drainJobFor(objects, 9)];
}

function flowModel(overlay: Overlay) {
  const objects = withDrainJob(overlay);
  const endpoints = workloadEndpoints(objects);
  const configs = {
    agent: loadedCollectorConfig(
      objects,
      'DaemonSet',
      'otel-agent',
      mergeConfigs,
    ),
    gateway: loadedCollectorConfig(
      objects,
      'StatefulSet',
      'otel-gateway',
      mergeConfigs,
    ),
    jaegerCollector: mergeConfigs(
      yamlOf(configMapFile(objects, 'jaeger-config', 'collector.yaml')),
      yamlOf(configMapFile(objects, 'jaeger-config', 'storage.yaml')),
    ),
    jaegerQuery: mergeConfigs(
      yamlOf(configMapFile(objects, 'jaeger-config', 'query.yaml')),
      yamlOf(configMapFile(objects, 'jaeger-config', 'storage.yaml')),
    ),
  };
  const namespaces = NAMESPACES(
    findObject(objects, 'Namespace', CLUSTER_NAMESPACE),
  );
  return {
    objects,
    endpoints,
    namespaces,
    required: requiredFlows(objects, endpoints, configs),
  };
}

/** Every flow from a source to every port of every destination (pods, DNS, outside peers). */
function allFlows(
  sources: readonly Endpoint[],
  pods: readonly Endpoint[],
): Flow[] {
  const flows: Flow[] = [];
  const externals = [
    SYNTHETIC.apiServer,
    SYNTHETIC.externalOpenSearch,
    SYNTHETIC.externalLoki,
  ];
  for (const from of sources) {
    for (const to of pods)
      if (to !== from)
        for (const port of portsOf(to)) flows.push({ from, to, port });
    for (const protocol of ['UDP', 'TCP'] as const)
      flows.push({ from, to: SYNTHETIC.kubeDns, port: 53, protocol });
    for (const to of externals)
      for (const port of EXTERNAL_PORTS[to.id]) flows.push({ from, to, port });
  }
  return flows;
}

describeWithKubectl('NetworkPolicies', () => {
  describe.each(OVERLAYS)('%s', (overlay) => {
    it('deny by default: every pod of the stack is isolated for ingress and egress', () => {
      const { objects, endpoints, namespaces } = flowModel(overlay);
      const model = new NetworkPolicyModel(objects, namespaces);
      expect(endpoints.length).toBeGreaterThan(8);
      for (const e of endpoints)
        expect({ pod: e.id, ...model.isolated(e) }).toEqual({
          pod: e.id,
          ingress: true,
          egress: true,
        });
    });

    it('allow every flow the configs need (apps -> agent, agents -> gateways, gateways -> Jaeger and Loki, Jaeger -> store, Prometheus -> targets, Grafana -> data sources, DNS, the API)', () => {
      const { objects, namespaces, required } = flowModel(overlay);
      const model = new NetworkPolicyModel(objects, namespaces);
      expect(required.length).toBeGreaterThan(40);
      const denied = required
        .filter((f) => !model.allows(f))
        .map((f) => `${flowId(f)}  (${f.why})`);
      expect(denied).toEqual([]);
    });

    it('allow nothing else between pods, and outside the cluster only the ports a component needs out there', () => {
      const { objects, endpoints, namespaces, required } = flowModel(overlay);
      const model = new NetworkPolicyModel(objects, namespaces);
      const sources = [
        ...endpoints,
        SYNTHETIC.optedInApp,
        SYNTHETIC.otherApp,
        SYNTHETIC.ingressController,
      ];
      const key = (f: Flow): string => flowId(f);
      const needed = new Set(required.map(key));
      // Outside the cluster a policy can name ports, not your store's address: a source may reach any
      // outside address on a port it needs for some outside peer (the overlay's comments say how to
      // narrow them with an ipBlock).
      const outsidePorts = new Map<string, Set<number>>();
      for (const f of required)
        if (f.to.namespace === undefined)
          outsidePorts.set(
            f.from.id,
            new Set([...(outsidePorts.get(f.from.id) ?? []), f.port]),
          );
      const extra = allFlows(sources, endpoints)
        .filter((f) => model.allows(f) && !needed.has(key(f)))
        // Sources outside this namespace have no policies of their own here: only our ingress counts.
        .filter(
          (f) =>
            !(
              f.from.namespace !== CLUSTER_NAMESPACE &&
              f.to.namespace !== CLUSTER_NAMESPACE
            ),
        )
        .filter(
          (f) =>
            !(
              f.to.namespace === undefined &&
              outsidePorts.get(f.from.id)?.has(f.port)
            ),
        )
        .map(key);
      expect(extra).toEqual([]);
    });

    it('the check above fails when the default deny goes (it is not vacuous)', () => {
      const { objects, endpoints, namespaces, required } = flowModel(overlay);
      const model = new NetworkPolicyModel(
        objects.filter(
          (o) =>
            !(o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny'),
        ),
        namespaces,
      );
      const needed = new Set(required.map(flowId));
      const extra = allFlows(endpoints, endpoints).filter(
        (f) => model.allows(f) && !needed.has(flowId(f)),
      );
      expect(extra.length).toBeGreaterThan(0);
    });

    it('opted-in namespaces reach the agents, others do not; an ingress controller reaches only the front doors', () => {
      const { objects, endpoints, namespaces } = flowModel(overlay);
      const model = new NetworkPolicyModel(objects, namespaces);
      const agent = endpoints.find(
        (e) => e.id === 'DaemonSet/otel-agent',
      ) as Endpoint;
      const gateway = endpoints.find(
        (e) => e.id === 'StatefulSet/otel-gateway',
      ) as Endpoint;
      expect(
        model.allows({ from: SYNTHETIC.optedInApp, to: agent, port: 4317 }),
      ).toBe(true);
      expect(
        model.allows({ from: SYNTHETIC.otherApp, to: agent, port: 4317 }),
      ).toBe(false);
      expect(
        model.allows({ from: SYNTHETIC.optedInApp, to: gateway, port: 4317 }),
      ).toBe(false);
      expect(
        model.allows({
          from: SYNTHETIC.ingressController,
          to: gateway,
          port: 4317,
        }),
      ).toBe(false);
    });

    it('every allow policy is needed: without it some required flow is denied', () => {
      const { objects, namespaces, required } = flowModel(overlay);
      const policies = objects.filter(
        (o) => o.kind === 'NetworkPolicy' && o.metadata.name !== 'default-deny',
      );
      expect(policies.length).toBeGreaterThan(8);
      for (const p of policies) {
        const model = new NetworkPolicyModel(
          objects.filter((o) => o !== p),
          namespaces,
        );
        expect({
          policy: p.metadata.name,
          breaks: required.some((f) => !model.allows(f)),
        }).toEqual({
          policy: p.metadata.name,
          breaks: true,
        });
      }
    });
  });
});

// --- rollouts, priorities, memory ------------------------------------------------------------------

const spec = (o: K8sObject): YamlMap => o['spec'] as YamlMap;
const durationSeconds = (d: unknown): number => {
  const m = /^(\d+)(s|m)$/.exec(String(d));
  if (!m) throw new Error(`not a duration in s or m: ${String(d)}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
};
const mebibytes = (q: unknown): number => {
  const m = /^(\d+)(Mi|Gi)$/.exec(String(q));
  if (!m) throw new Error(`not a quantity in Mi or Gi: ${String(q)}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
};

describeWithKubectl('rollouts that keep the ring and the queues', () => {
  describe.each(OVERLAYS)('%s', (overlay) => {
    it('agents: the new agent is Ready on its node before the old one stops (maxSurge 1, maxUnavailable 0, no hostPort)', () => {
      const objects = objectsOf(overlay);
      const ds = findObject(objects, 'DaemonSet', 'otel-agent');
      expect((spec(ds)['updateStrategy'] as YamlMap)['rollingUpdate']).toEqual({
        maxSurge: 1,
        maxUnavailable: 0,
      });
      expect(Number(spec(ds)['minReadySeconds'])).toBeGreaterThanOrEqual(5);
      const ports = containersOf(podTemplates([ds])[0]).flatMap((c) =>
        (Array.isArray(c.raw['ports']) ? c.raw['ports'] : []).filter(isMap),
      );
      expect(ports.filter((p) => p['hostPort'] !== undefined)).toEqual([]);
    });

    it('agents: the preStop pause outlasts the connection hand-over, and the grace period the pause plus shutdown', () => {
      const objects = objectsOf(overlay);
      const config = loadedCollectorConfig(
        objects,
        'DaemonSet',
        'otel-agent',
        mergeConfigs,
      );
      const server = (
        (
          ((config['receivers'] as YamlMap)['otlp'] as YamlMap)[
            'protocols'
          ] as YamlMap
        )['grpc'] as YamlMap
      )['keepalive'] as YamlMap;
      const params = server['server_parameters'] as YamlMap;
      const handOver =
        durationSeconds(params['max_connection_age']) +
        durationSeconds(params['max_connection_age_grace']);
      const c = mainContainer(objects, 'DaemonSet', 'otel-agent');
      const pause = Number(
        (
          ((c['lifecycle'] as YamlMap)['preStop'] as YamlMap)[
            'sleep'
          ] as YamlMap
        )['seconds'],
      );
      expect(pause).toBeGreaterThan(handOver);
      const grace = Number(
        podOf(objects, 'DaemonSet', 'otel-agent').spec[
          'terminationGracePeriodSeconds'
        ],
      );
      expect(grace).toBeGreaterThanOrEqual(pause + 20);
    });

    it('gateways: one at a time, each Ready 30 s before the next; readiness tolerant of CPU pressure', () => {
      const objects = objectsOf(overlay);
      const sts = findObject(objects, 'StatefulSet', 'otel-gateway');
      expect(Number(spec(sts)['minReadySeconds'])).toBeGreaterThanOrEqual(30);
      const readiness = mainContainer(objects, 'StatefulSet', 'otel-gateway')[
        'readinessProbe'
      ] as YamlMap;
      expect(Number(readiness['timeoutSeconds'])).toBeGreaterThanOrEqual(3);
      expect(Number(readiness['failureThreshold'])).toBeGreaterThanOrEqual(3);
      // The PodDisruptionBudget keeps voluntary evictions to one gateway at a time as well.
      expect(
        spec(findObject(objects, 'PodDisruptionBudget', 'otel-gateway'))[
          'maxUnavailable'
        ],
      ).toBe(1);
    });

    it('agents and gateways: a PriorityClass of the stack, above the apps', () => {
      const objects = objectsOf(overlay);
      for (const [kind, name] of [
        ['DaemonSet', 'otel-agent'],
        ['StatefulSet', 'otel-gateway'],
      ]) {
        const className = podOf(objects, kind, name).spec['priorityClassName'];
        const priority = findObject(
          objects,
          'PriorityClass',
          String(className),
        );
        expect({
          who: name,
          value: Number(priority['value']) > 0,
          global: priority['globalDefault'],
        }).toEqual({
          who: name,
          value: true,
          global: false,
        });
      }
      for (const app of ['dice-api', 'dice-player'])
        expect(
          podOf(objects, 'Deployment', app).spec['priorityClassName'],
        ).toBeUndefined();
    });

    it('gateways: memory requested in full (the stateful sampler is not evicted first); production requests its CPU too', () => {
      const resources = mainContainer(
        objectsOf(overlay),
        'StatefulSet',
        'otel-gateway',
      )['resources'] as YamlMap;
      const requests = resources['requests'] as YamlMap;
      const limits = resources['limits'] as YamlMap;
      expect(requests['memory']).toBe(limits['memory']);
      if (overlay === 'production') expect(requests['cpu']).toBe(limits['cpu']);
    });

    it('every collector and Jaeger container: GOMEMLIMIT at 80 % of its memory limit', () => {
      const objects = objectsOf(overlay);
      let checked = 0;
      for (const p of podTemplates(objects))
        for (const c of containersOf(p)) {
          const image = String(c.raw['image']);
          if (!/\/(opentelemetry-collector-contrib|jaeger):/.test(image))
            continue;
          checked++;
          const limit = mebibytes(
            ((c.raw['resources'] as YamlMap)['limits'] as YamlMap)['memory'],
          );
          const env = (c.raw['env'] as YamlMap[]).find(
            (e) => e['name'] === 'GOMEMLIMIT',
          );
          expect({ who: p.owner, GOMEMLIMIT: env?.['value'] }).toEqual({
            who: p.owner,
            GOMEMLIMIT: `${Math.floor(limit * 0.8)}MiB`,
          });
        }
      expect(checked).toBe(4);
    });

    it('no replicas on an object a HorizontalPodAutoscaler scales', () => {
      const objects = objectsOf(overlay);
      const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
      expect(hpas.length).toBeGreaterThan(0);
      for (const hpa of hpas) {
        const ref = spec(hpa)['scaleTargetRef'] as YamlMap;
        const target = findObject(
          objects,
          String(ref['kind']),
          String(ref['name']),
        );
        expect({
          target: objectId(target),
          replicas: spec(target)['replicas'],
        }).toEqual({
          target: objectId(target),
          replicas: undefined,
        });
      }
    });

    it("the agent's ClusterRole: read pods, namespaces and replicasets, get nodes, nothing else", () => {
      const role = findObject(
        objectsOf(overlay),
        'ClusterRole',
        'otel-dice-otel-agent',
      );
      const rules = (role['rules'] as YamlMap[]).map((r) => ({
        apiGroups: r['apiGroups'],
        resources: [...(r['resources'] as string[])].sort(),
        verbs: [...(r['verbs'] as string[])].sort(),
      }));
      expect(rules).toEqual([
        {
          apiGroups: [''],
          resources: ['namespaces', 'pods'],
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: ['apps'],
          resources: ['replicasets'],
          verbs: ['get', 'list', 'watch'],
        },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
      ]);
    });

    it('Grafana: anonymous viewers only outside production', () => {
      const env = envOf(objectsOf(overlay), 'Deployment', 'grafana');
      expect(env.get('GF_AUTH_ANONYMOUS_ENABLED')).toBe(
        overlay === 'production' ? 'false' : 'true',
      );
    });
  });
});
