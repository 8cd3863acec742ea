import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDatasources } from './support/grafana.js';
import {
  argsOf,
  configMapFile,
  configMapNamed,
  mainContainer,
  mountHolding,
  resolveTargetPort,
  servicePorts,
  serviceSelects,
  writableMounts,
  yamlOf,
} from './support/k8s/objects.js';
import {
  findObject,
  locateKubectl,
  renderOverlay,
  type K8sObject,
  type Overlay,
} from './support/k8s/render.js';
import {
  lokiConfigProblems,
  lokiWritableDirectories,
} from './support/loki-config.js';
import { paths, repoPath } from './support/paths.js';
import { announceSkip, inCi } from './support/skip.js';
import { isMap, mapAt, type YamlMap } from './support/yaml-file.js';

/**
 * Loki on Kubernetes. dev runs the compose stack's single-binary Loki in the cluster, from the very
 * file compose mounts (deploy/loki/loki.yaml, through deploy/loki/kustomization.yaml), so the compose
 * checks of that file (loki-config.e2e.ts) hold for what the overlay deploys, and these add what the
 * pod needs: the file loaded, every directory Loki writes on a volume (the root filesystem is
 * read-only), the port Grafana's data source uses.
 */

const kubectl = locateKubectl();
if (!kubectl.available && !inCi())
  announceSkip('Kubernetes Loki checks', kubectl.reason);
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
