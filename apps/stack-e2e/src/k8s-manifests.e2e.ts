import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readDotEnv } from './support/compose.js';
import {
  findObject,
  objectId,
  OVERLAYS,
  parseManifests,
  renderKustomization,
  type K8sObject,
} from './support/k8s/render.js';
import { kubectlSuite } from './support/k8s/suite.js';
import { validateObjects } from './support/k8s/validate.js';
import { paths, repoPath } from './support/paths.js';
import { isMap } from './support/yaml-file.js';

/**
 * deploy/k8s: every overlay renders with kubectl's kustomize (what `kubectl apply -k` runs), and
 * every object it renders is valid against the Kubernetes 1.36 OpenAPI schema, unknown fields
 * included. No cluster is needed (and none can run here: there is no image registry).
 */

const { kubectl, describeWithKubectl, objectsOf } = kubectlSuite(
  'Kubernetes manifest checks',
);

const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'probe' },
  spec: {
    selector: { matchLabels: { app: 'probe' } },
    template: {
      metadata: { labels: { app: 'probe' } },
      spec: { containers: [{ name: 'probe', image: 'example/probe:1.0.0' }] },
    },
  },
};

describe('the schema validator (kubernetes-models, Kubernetes 1.36)', () => {
  it('accepts a valid object and reports each kind of mistake', () => {
    const typo = structuredClone(DEPLOYMENT) as Record<string, any>;
    typo['metadata']['name'] = 'typo';
    typo['spec']['template']['spec']['containers'][0]['readinesProbe'] = {};
    const wrongType = structuredClone(DEPLOYMENT) as Record<string, any>;
    wrongType['metadata']['name'] = 'wrong-type';
    wrongType['spec']['replicas'] = 'two';
    const missing = structuredClone(DEPLOYMENT) as Record<string, any>;
    missing['metadata']['name'] = 'missing';
    delete missing['spec']['selector'];
    const unknownKind = {
      apiVersion: 'apps/v1',
      kind: 'Deploymnet',
      metadata: { name: 'k' },
    };
    const [ok, a, b, c, d] = validateObjects([
      DEPLOYMENT,
      typo,
      wrongType,
      missing,
      unknownKind,
    ]);
    expect(ok.problems).toEqual([]);
    expect(a.problems.join('\n')).toMatch(
      /readinesProbe.*does not exist in type 'IContainer'/,
    );
    expect(b.problems.join('\n')).toMatch(
      /schema: \/spec\/replicas must be integer/,
    );
    expect(c.problems.join('\n')).toMatch(
      /schema: \/spec must have required property selector/,
    );
    expect(d.problems.join('\n')).toMatch(/no schema for apps\/v1 Deploymnet/);
  });
});

describeWithKubectl('deploy/k8s overlays', () => {
  it.each(OVERLAYS)(
    '%s renders and every object is valid against the Kubernetes schema',
    (overlay) => {
      const objects = objectsOf(overlay);
      expect(objects.length).toBeGreaterThan(30);
      const invalid = validateObjects(objects).filter(
        (r) => r.problems.length > 0,
      );
      expect(invalid).toEqual([]);
    },
  );

  it('a broken kustomization fails the render (the renderer is real, not a file concatenation)', () => {
    if (!kubectl.available) throw new Error(kubectl.reason);
    expect(() => renderKustomization(kubectl.path, 'apps/stack-e2e')).toThrow(
      /kubectl kustomize apps\/stack-e2e failed/,
    );
  });

  it.each(OVERLAYS)(
    '%s puts every namespaced object in namespace otel-dice',
    (overlay) => {
      const clusterScoped = new Set([
        'Namespace',
        'ClusterRole',
        'ClusterRoleBinding',
        'PriorityClass',
      ]);
      for (const o of objectsOf(overlay).filter(
        (o) => !clusterScoped.has(o.kind),
      ))
        expect({ id: objectId(o), namespace: o.metadata['namespace'] }).toEqual(
          {
            id: objectId(o),
            namespace: 'otel-dice',
          },
        );
    },
  );

  it.each(OVERLAYS)('%s has every part of the stack', (overlay) => {
    const ids = objectsOf(overlay).map(objectId);
    for (const id of [
      'Namespace/otel-dice',
      'Deployment/dice-api',
      'HorizontalPodAutoscaler/dice-api',
      'PodDisruptionBudget/dice-api',
      'Deployment/dice-player',
      'PodDisruptionBudget/dice-player',
      'DaemonSet/otel-agent',
      'Service/otel-agent',
      'StatefulSet/otel-gateway',
      'Service/otel-gateway-headless',
      'Deployment/jaeger-collector',
      'Deployment/jaeger-query',
      'Service/jaeger',
      'CronJob/jaeger-index-cleaner',
      'StatefulSet/prometheus',
      'Service/prometheus',
      'Deployment/grafana',
      'Service/grafana',
      'PriorityClass/otel-dice-agent',
      'PriorityClass/otel-dice-gateway',
      'NetworkPolicy/default-deny',
    ])
      expect(ids).toContain(id);
    // The trace store and the log store: in the cluster for dev, external (Secrets the operator
    // creates) in production.
    for (const id of [
      'StatefulSet/opensearch',
      'StatefulSet/loki',
      'Service/loki',
    ])
      expect({ id, present: ids.includes(id) }).toEqual({
        id,
        present: overlay === 'dev',
      });
  });

  it.each(OVERLAYS)(
    '%s pins the third-party images to the versions compose runs (.env)',
    (overlay) => {
      const env = readDotEnv(paths.dotEnv);
      const images = objectsOf(overlay).flatMap(
        (o) => JSON.stringify(o).match(/"image":"[^"]+"/g) ?? [],
      );
      const used = new Set(images.map((m) => m.slice('"image":"'.length, -1)));
      for (const variable of [
        'OTELCOL_IMAGE',
        'JAEGER_IMAGE',
        'PROMETHEUS_IMAGE',
        'GRAFANA_IMAGE',
        // Loki runs in the cluster in dev only.
        ...(overlay === 'dev' ? ['LOKI_IMAGE'] : []),
      ])
        expect({ variable, inManifests: used.has(env[variable]) }).toEqual({
          variable,
          inManifests: true,
        });
      // Jaeger's index cleaner ships with Jaeger: same release.
      const jaegerVersion = env['JAEGER_IMAGE'].split(':')[1];
      expect(used).toContain(
        `jaegertracing/jaeger-es-index-cleaner:${jaegerVersion}`,
      );
    },
  );

  it.each(OVERLAYS)(
    '%s serves the compose dashboards and Grafana provisioning byte for byte (generated from the same files)',
    (overlay) => {
      const objects = objectsOf(overlay);
      const dashboards = findObject(
        objects,
        'ConfigMap',
        nameStartingWith(objects, 'grafana-dashboards-'),
      );
      const dir = paths.grafanaDashboards;
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort();
      expect(Object.keys(dashboards['data'] as object).sort()).toEqual(files);
      for (const file of files)
        expect((dashboards['data'] as Record<string, string>)[file]).toBe(
          readFileSync(join(dir, file), 'utf8'),
        );
      // Every provisioning file, as compose mounts it; production swaps loki.yaml for its own
      // (the external Loki's connection; k8s-loki.e2e.ts checks nothing else differs).
      const datasources = findObject(
        objects,
        'ConfigMap',
        nameStartingWith(objects, 'grafana-datasources-'),
      )['data'] as Record<string, string>;
      const provisioning = readdirSync(paths.grafanaDatasources)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
      expect(provisioning).toEqual(['datasources.yaml', 'loki.yaml']);
      expect(Object.keys(datasources).sort()).toEqual(provisioning);
      for (const file of provisioning)
        expect({ file, text: datasources[file] }).toEqual({
          file,
          text: readFileSync(
            overlay === 'production' && file === 'loki.yaml'
              ? repoPath(
                  'deploy/k8s/overlays/production/grafana-loki-datasource.yaml',
                )
              : join(paths.grafanaDatasources, file),
            'utf8',
          ),
        });
    },
  );

  it('keeps no copy of a dashboard under deploy/k8s', () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
      );
    expect(
      walk(repoPath('deploy/k8s')).filter((f) => f.endsWith('.json')),
    ).toEqual([]);
  });

  it.each(OVERLAYS)(
    "%s names the Services the deployed Grafana data sources and Jaeger's Monitor tab use",
    (overlay) => {
      const objects = objectsOf(overlay);
      const deployed = findObject(
        objects,
        'ConfigMap',
        nameStartingWith(objects, 'grafana-datasources-'),
      )['data'] as Record<string, string>;
      const urls = Object.values(deployed).flatMap((text) => {
        const document = parse(text) as { datasources?: { url?: string }[] };
        return (document.datasources ?? []).map((d) => String(d.url));
      });
      // A literal URL names a Service of this overlay on that port; an interpolated one ($LOKI_URL in
      // production) comes from a Secret (k8s-loki.e2e.ts).
      const literal = urls.filter((u) => !u.includes('$'));
      expect(literal.length).toBe(overlay === 'dev' ? 3 : 2);
      for (const raw of literal) {
        const url = new URL(raw);
        const service = objects.find(
          (o) => o.kind === 'Service' && o.metadata.name === url.hostname,
        );
        expect({
          url: raw,
          port: service ? servicePort(service) : 'no such Service',
        }).toEqual({
          url: raw,
          port: expect.arrayContaining([Number(url.port)]),
        });
      }
      expect(servicePort(findObject(objects, 'Service', 'jaeger'))).toContain(
        16686,
      );
    },
  );

  it('production reads the trace and log store credentials from Secrets and commits none', () => {
    const objects = objectsOf('production');
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const name of ['jaeger-collector', 'jaeger-query']) {
      const text = JSON.stringify(findObject(objects, 'Deployment', name));
      expect(text).toContain('"secretName":"jaeger-opensearch"');
      expect(text).toContain(
        '"secretKeyRef":{"key":"url","name":"jaeger-opensearch"}',
      );
    }
    for (const [kind, name] of [
      ['StatefulSet', 'otel-gateway'],
      ['Deployment', 'grafana'],
    ]) {
      const text = JSON.stringify(findObject(objects, kind, name));
      expect(text).toContain('"secretName":"loki-credentials"');
      expect(text).toContain(
        '"secretKeyRef":{"key":"url","name":"loki-credentials"}',
      );
    }
  });
});

describe('parseManifests', () => {
  it('rejects a document that is not a Kubernetes object', () => {
    expect(() => parseManifests('kind: Service\n---\n- a\n', 'x')).toThrow(
      /x document 0 is not a Kubernetes object/,
    );
  });
});

function nameStartingWith(
  objects: readonly K8sObject[],
  prefix: string,
): string {
  const found = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(prefix),
  );
  if (!found) throw new Error(`no ConfigMap named ${prefix}*`);
  return found.metadata.name;
}

function servicePort(service: K8sObject): number[] {
  const spec = service['spec'];
  const ports =
    isMap(spec) && Array.isArray(spec['ports']) ? spec['ports'] : [];
  return ports.filter(isMap).map((p) => Number(p['port']));
}
