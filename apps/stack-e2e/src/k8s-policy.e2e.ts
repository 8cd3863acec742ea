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
import { findObject, OVERLAYS, type K8sObject } from './support/k8s/render.js';
import { kubectlSuite } from './support/k8s/suite.js';
import { isMap, type YamlMap } from './support/yaml-file.js';

/**
 * Policies over every pod the rendered overlays would create: hardened security context, probes,
 * requests and limits, pinned images. Each policy is also shown to fail on a pod that breaks it.
 * Then what the issue asks of the two apps in particular: /healthz probes, downward-API resource
 * attributes, graceful termination with time for the telemetry flush, PDBs and dice-api's HPA.
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
