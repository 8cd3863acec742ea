import { parse } from 'yaml';
import { isMap, type YamlMap } from '../yaml-file.js';
import { containersOf, podTemplates, type PodTemplate } from './policy.js';
import { findObject, type K8sObject } from './render.js';

/**
 * Reading rendered objects the way the kubelet and the pods see them: the files of a generated
 * ConfigMap, a workload's pod and first container, its arguments, environment and writable mounts.
 */

/** A file of a generated ConfigMap (name-<hash>), as the pod mounting it sees it. */
export function configMapFile(
  objects: readonly K8sObject[],
  prefix: string,
  key: string,
): string {
  const cm = configMapNamed(objects, prefix);
  const data = cm && isMap(cm['data']) ? cm['data'] : undefined;
  const text = data?.[key];
  if (typeof text !== 'string')
    throw new Error(`no ConfigMap ${prefix}-* with ${key}`);
  return text;
}

/** The generated ConfigMap `<prefix>-<hash>`, if the overlay has one. */
export function configMapNamed(
  objects: readonly K8sObject[],
  prefix: string,
): K8sObject | undefined {
  return objects.find(
    (o) =>
      o.kind === 'ConfigMap' &&
      o.metadata.name.startsWith(`${prefix}-`) &&
      /^[a-z0-9]{10}$/.test(o.metadata.name.slice(prefix.length + 1)),
  );
}

export function yamlOf(text: string): YamlMap {
  const value: unknown = parse(text, { uniqueKeys: true });
  if (!isMap(value)) throw new Error('expected a YAML map');
  return value;
}

export function podOf(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): PodTemplate {
  return podTemplates([findObject(objects, kind, name)])[0];
}

/** The workload's first (main) container. */
export function mainContainer(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): YamlMap {
  return containersOf(podOf(objects, kind, name))[0].raw;
}

/** The container's args, e.g. ['--config=/etc/jaeger/collector.yaml', …]. */
export function argsOf(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): string[] {
  const args = mainContainer(objects, kind, name)['args'];
  return (Array.isArray(args) ? args : []).map(String);
}

/** The main container's environment: name -> the literal value, or its valueFrom. */
export function envOf(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): Map<string, unknown> {
  const env = mainContainer(objects, kind, name)['env'];
  return new Map(
    (Array.isArray(env) ? env : [])
      .filter(isMap)
      .map((e) => [String(e['name']), e['value'] ?? e['valueFrom']]),
  );
}

/** `{secretKeyRef: {name, key}}` -> "name/key", or undefined for anything else. */
export function secretKeyOf(valueFrom: unknown): string | undefined {
  const ref = isMap(valueFrom) ? valueFrom['secretKeyRef'] : undefined;
  return isMap(ref)
    ? `${String(ref['name'])}/${String(ref['key'])}`
    : undefined;
}

/** Each volume of the pod (volumeClaimTemplates included): name -> its kind (emptyDir, configMap, …). */
export function volumeKinds(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): Map<string, string> {
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
  return volumes;
}

/** Mount paths of the main container -> the kind of volume behind each; `readOnly` ones left out. */
export function writableMounts(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): Record<string, string> {
  return mountsOf(objects, kind, name, false);
}

/** Mount paths of the main container -> the kind of volume behind each, read-only ones included. */
export function allMounts(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): Record<string, string> {
  return mountsOf(objects, kind, name, true);
}

function mountsOf(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
  withReadOnly: boolean,
): Record<string, string> {
  const volumes = volumeKinds(objects, kind, name);
  const mounts = mainContainer(objects, kind, name)['volumeMounts'];
  return Object.fromEntries(
    (Array.isArray(mounts) ? mounts : [])
      .filter(isMap)
      .filter((m) => withReadOnly || m['readOnly'] !== true)
      .map((m) => [
        String(m['mountPath']),
        volumes.get(String(m['name'])) ?? 'missing',
      ]),
  );
}

/** The mount whose path is `path` or contains it (the longest such mount path), if any. */
export function mountHolding(
  mounts: Readonly<Record<string, string>>,
  path: string,
): { readonly mountPath: string; readonly volume: string } | undefined {
  const holding = Object.keys(mounts)
    .filter((m) => path === m || path.startsWith(`${m.replace(/\/$/, '')}/`))
    .sort((a, b) => b.length - a.length)[0];
  return holding === undefined
    ? undefined
    : { mountPath: holding, volume: mounts[holding] };
}

/** Port numbers a Service exposes, by port name and number -> targetPort. */
export function servicePorts(
  service: K8sObject,
): { readonly port: number; readonly targetPort: unknown }[] {
  const spec = service['spec'];
  const ports =
    isMap(spec) && Array.isArray(spec['ports']) ? spec['ports'] : [];
  return ports
    .filter(isMap)
    .map((p) => ({ port: Number(p['port']), targetPort: p['targetPort'] }));
}

/** Does the Service's selector pick the workload's pods? */
export function serviceSelects(
  service: K8sObject,
  workload: K8sObject,
): boolean {
  const selector = isMap(service['spec'])
    ? service['spec']['selector']
    : undefined;
  const template =
    isMap(workload['spec']) && isMap(workload['spec']['template'])
      ? workload['spec']['template']
      : undefined;
  const labels =
    template && isMap(template['metadata'])
      ? template['metadata']['labels']
      : undefined;
  if (!isMap(selector) || !isMap(labels)) return false;
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** The containerPort a Service's targetPort (a number or a port name) resolves to on the workload. */
export function resolveTargetPort(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
  targetPort: unknown,
): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  const ports = mainContainer(objects, kind, name)['ports'];
  const found = (Array.isArray(ports) ? ports : [])
    .filter(isMap)
    .find((p) => p['name'] === targetPort);
  return found ? Number(found['containerPort']) : undefined;
}

/**
 * A collector's configuration as it loads it: every `--config=<file>` of the main container, in
 * order, read from the ConfigMap mounted where the file is, merged the way the collector merges
 * (maps key by key, later files win). Throws when a file is not in a mounted ConfigMap.
 */
export function loadedCollectorConfig(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
  merge: (...configs: YamlMap[]) => YamlMap,
): YamlMap {
  return merge(
    ...configFilesOf(objects, kind, name).map((f) => yamlOf(f.text)),
  );
}

/** The `--config=` files of a workload's main container, with the ConfigMap key each comes from. */
export function configFilesOf(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): {
  readonly path: string;
  readonly configMap: string;
  readonly key: string;
  readonly text: string;
}[] {
  const pod = podOf(objects, kind, name);
  const container = mainContainer(objects, kind, name);
  const volumes = (
    Array.isArray(pod.spec['volumes']) ? pod.spec['volumes'] : []
  ).filter(isMap);
  const mounts = (
    Array.isArray(container['volumeMounts']) ? container['volumeMounts'] : []
  ).filter(isMap);
  const files = argsOf(objects, kind, name)
    .filter((a) => a.startsWith('--config='))
    .map((a) => a.slice('--config='.length));
  if (files.length === 0)
    throw new Error(`${kind}/${name} has no --config= argument`);
  return files.map((path) => {
    const mount = mounts
      .filter((m) =>
        path.startsWith(`${String(m['mountPath']).replace(/\/$/, '')}/`),
      )
      .sort(
        (a, b) => String(b['mountPath']).length - String(a['mountPath']).length,
      )[0];
    const volume = volumes.find((v) => v['name'] === mount?.['name']);
    const cm = isMap(volume?.['configMap']) ? volume['configMap'] : undefined;
    if (!mount || !cm)
      throw new Error(`${kind}/${name}: ${path} is not in a mounted ConfigMap`);
    const relative = path.slice(
      String(mount['mountPath']).replace(/\/$/, '').length + 1,
    );
    const items = Array.isArray(cm['items'])
      ? cm['items'].filter(isMap)
      : undefined;
    const key = items
      ? String(items.find((i) => i['path'] === relative)?.['key'])
      : relative;
    const configMap = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === cm['name'],
    );
    const data =
      configMap && isMap(configMap['data']) ? configMap['data'] : undefined;
    const text = data?.[key];
    if (typeof text !== 'string')
      throw new Error(
        `${kind}/${name}: ${path}: no key ${key} in ConfigMap ${String(cm['name'])}`,
      );
    return { path, configMap: String(cm['name']), key, text };
  });
}
