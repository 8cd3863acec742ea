import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  grafanaEnvReferences,
  grafanaExpanders,
  readDatasources,
} from './support/grafana.js';
import {
  allMounts,
  argsOf,
  configMapFile,
  configMapNamed,
  envOf,
  mainContainer,
  mountHolding,
  resolveTargetPort,
  secretKeyOf,
  servicePorts,
  serviceSelects,
  volumeKinds,
  writableMounts,
  yamlOf,
} from './support/k8s/objects.js';
import { findObject, type K8sObject } from './support/k8s/render.js';
import { kubectlSuite } from './support/k8s/suite.js';
import {
  lokiConfigProblems,
  lokiWritableDirectories,
} from './support/loki-config.js';
import { paths, repoPath } from './support/paths.js';
import { isMap, mapAt, type YamlMap } from './support/yaml-file.js';

/**
 * Loki on Kubernetes. dev runs the compose stack's single-binary Loki in the cluster, from the very
 * file compose mounts (deploy/loki/loki.yaml, through deploy/loki/kustomization.yaml), so the compose
 * checks of that file (loki-config.e2e.ts) hold for what the overlay deploys, and these add what the
 * pod needs: the file loaded, every directory Loki writes on a volume (the root filesystem is
 * read-only), the port Grafana and the gateways use. production runs no Loki: the gateways and
 * Grafana reach an external one with the Secret loki-credentials, and Grafana's Loki data source
 * there differs from the shared one in its connection only.
 */

const { describeWithKubectl, objectsOf } = kubectlSuite(
  'Kubernetes Loki checks',
);

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );

describeWithKubectl('Loki in the dev overlay', () => {
  const objects = (): K8sObject[] => objectsOf('dev');
  const deployedConfig = (): YamlMap =>
    yamlOf(configMapFile(objects(), 'loki-config', 'loki.yaml'));

  it('runs the compose Loki configuration, byte for byte, which passes the Loki 3.7 checks', () => {
    expect(configMapFile(objects(), 'loki-config', 'loki.yaml')).toBe(
      readFileSync(paths.lokiConfig, 'utf8'),
    );
    expect(lokiConfigProblems(deployedConfig())).toEqual([]);
    // Generated from deploy/loki, not kept as a second copy under deploy/k8s.
    const copies = walk(repoPath('deploy/k8s')).filter((f) =>
      /schema_config:/.test(readFileSync(f, 'utf8')),
    );
    expect(copies).toEqual([]);
  });

  it('loads that file: -config.file is the mounted ConfigMap key', () => {
    const pod = findObject(objects(), 'StatefulSet', 'loki');
    const volumes = (
      ((pod['spec'] as YamlMap)['template'] as YamlMap)['spec'] as YamlMap
    )['volumes'] as YamlMap[];
    const configVolume = volumes.find(
      (v) =>
        isMap(v['configMap']) &&
        v['configMap']['name'] ===
          configMapNamed(objects(), 'loki-config')?.metadata.name,
    );
    expect(configVolume).toBeDefined();
    const mount = (
      mainContainer(objects(), 'StatefulSet', 'loki')[
        'volumeMounts'
      ] as YamlMap[]
    ).find((m) => m['name'] === configVolume?.['name']);
    expect(argsOf(objects(), 'StatefulSet', 'loki')).toEqual([
      `-config.file=${String(mount?.['mountPath'])}/loki.yaml`,
    ]);
  });

  it('writes every directory the configuration implies to its PersistentVolume; the root filesystem stays read-only', () => {
    const directories = lokiWritableDirectories(deployedConfig());
    // path_prefix's defaults (WAL, TSDB index, compactor) and the object store's chunks and rules.
    expect(directories).toEqual(
      expect.arrayContaining([
        '/loki/chunks',
        '/loki/rules',
        '/loki/compactor',
        '/loki/wal',
        '/loki/tsdb-shipper-active',
      ]),
    );
    const mounts = writableMounts(objects(), 'StatefulSet', 'loki');
    for (const directory of directories)
      expect({
        directory,
        volume: mountHolding(mounts, directory)?.volume,
      }).toEqual({ directory, volume: 'persistentVolumeClaim' });
    // Anything a library writes to /tmp goes to a bounded emptyDir, not the image.
    expect(mounts['/tmp']).toBe('emptyDir');
    const security = mainContainer(objects(), 'StatefulSet', 'loki')[
      'securityContext'
    ] as YamlMap;
    expect(security['readOnlyRootFilesystem']).toBe(true);
  });

  it("listens where its config says, behind the Service loki that Grafana's shared data source names", () => {
    const port = Number(
      mapAt(deployedConfig(), 'server', 'loki.yaml')['http_listen_port'],
    );
    const service = findObject(objects(), 'Service', 'loki');
    const loki = findObject(objects(), 'StatefulSet', 'loki');
    expect(serviceSelects(service, loki)).toBe(true);
    const [exposed] = servicePorts(service);
    expect(
      resolveTargetPort(objects(), 'StatefulSet', 'loki', exposed.targetPort),
    ).toBe(port);
    // Grafana's Loki data source is the compose file's (http://loki:3100): the Service answers it.
    const [grafanaLoki] = readDatasources(paths.grafanaDatasources).filter(
      (d) => d.type === 'loki',
    );
    const url = new URL(grafanaLoki.url);
    expect({ host: url.hostname, port: Number(url.port) }).toEqual({
      host: service.metadata.name,
      port: exposed.port,
    });
  });

  it('is ready on /ready, alive while its HTTP server answers, and scraped as job "loki" as in compose', () => {
    const container = mainContainer(objects(), 'StatefulSet', 'loki');
    const path = (probe: string): unknown =>
      ((container[probe] as YamlMap)['httpGet'] as YamlMap)['path'];
    expect(path('readinessProbe')).toBe('/ready');
    expect(path('startupProbe')).toBe('/ready');
    expect(path('livenessProbe')).toBe('/loki/api/v1/status/buildinfo');
    const template = (
      findObject(objects(), 'StatefulSet', 'loki')['spec'] as YamlMap
    )['template'] as YamlMap;
    const meta = template['metadata'] as YamlMap;
    expect((meta['labels'] as YamlMap)['app.kubernetes.io/name']).toBe('loki');
    expect((meta['annotations'] as YamlMap)['prometheus.io/port']).toBe(
      String(
        mapAt(deployedConfig(), 'server', 'loki.yaml')['http_listen_port'],
      ),
    );
    expect(readFileSync(paths.prometheusConfig, 'utf8')).toMatch(
      /job_name: loki\b/,
    );
  });
});

/** The connection settings the production Loki data source may add or change; nothing else. */
const CONNECTION_KEYS = {
  top: ['url', 'secureJsonData', 'basicAuth', 'basicAuthUser'],
  jsonData: [
    'tlsAuth',
    'tlsAuthWithCACert',
    'tlsSkipVerify',
    'serverName',
    'timeout',
    ...[1, 2, 3].flatMap((i) => [`httpHeaderName${i}`]),
  ],
};

function withoutConnection(entry: YamlMap): YamlMap {
  const rest = Object.fromEntries(
    Object.entries(entry).filter(([k]) => !CONNECTION_KEYS.top.includes(k)),
  );
  const jsonData = isMap(entry['jsonData']) ? entry['jsonData'] : {};
  return {
    ...rest,
    jsonData: Object.fromEntries(
      Object.entries(jsonData).filter(
        ([k]) => !CONNECTION_KEYS.jsonData.includes(k),
      ),
    ),
  };
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (isMap(value)) return Object.values(value).flatMap(stringsIn);
  return [];
}

describeWithKubectl('Loki in the production overlay', () => {
  const objects = (): K8sObject[] => objectsOf('production');
  const lokiEntry = (text: string): YamlMap => {
    const list = yamlOf(text)['datasources'];
    const entries = (Array.isArray(list) ? list : []).filter(isMap);
    expect(entries).toHaveLength(1);
    return entries[0];
  };
  const shared = (): YamlMap =>
    lokiEntry(
      readFileSync(join(paths.grafanaDatasources, 'loki.yaml'), 'utf8'),
    );
  const deployed = (): YamlMap =>
    lokiEntry(configMapFile(objects(), 'grafana-datasources', 'loki.yaml'));

  it('runs no Loki of its own', () => {
    expect(
      objects().filter(
        (o) =>
          o.metadata.name === 'loki' || /^loki-config-/.test(o.metadata.name),
      ),
    ).toEqual([]);
  });

  it("Grafana's Loki data source is the shared one but for the connection: same uid, same log -> trace link", () => {
    expect(withoutConnection(deployed())).toEqual(withoutConnection(shared()));
    // The connection: the Secret's URL over https, TLS verified against its CA, the gateways' headers.
    expect(deployed()['url']).toBe('$LOKI_URL');
    const jsonData = deployed()['jsonData'] as YamlMap;
    expect(jsonData['tlsAuthWithCACert']).toBe(true);
    expect(jsonData['tlsSkipVerify']).toBeUndefined();
    expect([jsonData['httpHeaderName1'], jsonData['httpHeaderName2']]).toEqual([
      'Authorization',
      'X-Scope-OrgID',
    ]);
  });

  it('every environment variable and file that data source reads is set in the Grafana container from the Secret loki-credentials', () => {
    const strings = stringsIn(deployed());
    const variables = new Set(
      strings
        .flatMap(grafanaEnvReferences)
        .map((ref) => ref.replace(/^\$\{?|\}$/g, '')),
    );
    expect([...variables].sort()).toEqual([
      'LOKI_AUTHORIZATION',
      'LOKI_TENANT',
      'LOKI_URL',
    ]);
    const env = envOf(objects(), 'Deployment', 'grafana');
    for (const variable of variables)
      expect({
        variable,
        from: secretKeyOf(env.get(variable))?.split('/')[0],
      }).toEqual({ variable, from: 'loki-credentials' });
    const files = strings.flatMap(grafanaExpanders);
    expect(files.map((f) => f.provider)).toEqual(['file']);
    const mounts = allMounts(objects(), 'Deployment', 'grafana');
    for (const file of files)
      expect({
        file: file.argument,
        volume: mountHolding(mounts, file.argument)?.volume,
      }).toEqual({ file: file.argument, volume: 'secret' });
    expect([
      ...volumeKinds(objects(), 'Deployment', 'grafana').keys(),
    ]).toContain('loki-credentials');
  });

  it('the gateways and Grafana read the same Secret keys for the same Loki', () => {
    const gateway = envOf(objects(), 'StatefulSet', 'otel-gateway');
    const grafana = envOf(objects(), 'Deployment', 'grafana');
    for (const variable of ['LOKI_URL', 'LOKI_AUTHORIZATION', 'LOKI_TENANT'])
      expect({ variable, gateway: secretKeyOf(gateway.get(variable)) }).toEqual(
        {
          variable,
          gateway: secretKeyOf(grafana.get(variable)),
        },
      );
  });
});

describe('the production data source check', () => {
  it('ignores the connection and nothing else', () => {
    const base: YamlMap = {
      name: 'Loki',
      uid: 'loki',
      url: 'http://loki:3100',
      jsonData: { maxLines: '1000', derivedFields: [{ name: 'TraceID' }] },
    };
    expect(
      withoutConnection({
        ...base,
        url: '$LOKI_URL',
        secureJsonData: { httpHeaderValue1: '$X' },
        jsonData: { ...(base['jsonData'] as YamlMap), httpHeaderName1: 'A' },
      }),
    ).toEqual(withoutConnection(base));
    expect(withoutConnection({ ...base, uid: 'logs' })).not.toEqual(
      withoutConnection(base),
    );
    expect(
      withoutConnection({ ...base, jsonData: { maxLines: '1000' } }),
    ).not.toEqual(withoutConnection(base));
  });
});
