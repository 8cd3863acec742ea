import { isMap, type YamlMap } from '../yaml-file.js';
import { objectId, type K8sObject } from './render.js';

/**
 * Admission-style policies for every pod the manifests would create. Each returns the violations it
 * finds (empty = compliant), one line each, naming the object and container.
 */

export interface PodTemplate {
  /** e.g. Deployment/dice-api */
  readonly owner: string;
  readonly kind: string;
  readonly spec: YamlMap;
}

const WORKLOAD_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Pod',
]);

/** Kinds whose pods run until stopped (and so need probes); Jobs and CronJobs run to completion. */
const LONG_RUNNING = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Pod',
]);

function mapPath(root: unknown, ...keys: string[]): YamlMap | undefined {
  let at: unknown = root;
  for (const key of keys) at = isMap(at) ? at[key] : undefined;
  return isMap(at) ? at : undefined;
}

export function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  return objects.flatMap((o) => {
    if (!WORKLOAD_KINDS.has(o.kind)) return [];
    const spec =
      o.kind === 'Pod'
        ? mapPath(o, 'spec')
        : o.kind === 'CronJob'
          ? mapPath(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec')
          : mapPath(o, 'spec', 'template', 'spec');
    if (!spec) throw new Error(`${objectId(o)} has no pod spec`);
    return [{ owner: objectId(o), kind: o.kind, spec }];
  });
}

export interface Container {
  readonly name: string;
  readonly init: boolean;
  readonly raw: YamlMap;
}

export function containersOf(pod: PodTemplate): Container[] {
  const list = (key: string, init: boolean): Container[] => {
    const value = pod.spec[key];
    return (Array.isArray(value) ? value : []).filter(isMap).map((raw) => ({
      name: String(raw['name']),
      init,
      raw,
    }));
  };
  return [...list('initContainers', true), ...list('containers', false)];
}

const where = (pod: PodTemplate, c: Container): string =>
  `${pod.owner} container ${c.name}`;

/** A securityContext field: the container's own value, else the pod's (Kubernetes' precedence). */
function effective(pod: PodTemplate, c: Container, key: string): unknown {
  const own = mapPath(c.raw, 'securityContext')?.[key];
  return own !== undefined ? own : mapPath(pod.spec, 'securityContext')?.[key];
}

/** Which pods may keep a writable root filesystem, and why. Nothing else may. */
export const WRITABLE_ROOT_EXCEPTIONS: Readonly<Record<string, string>> = {
  'StatefulSet/opensearch':
    'dev-only single-node OpenSearch: the upstream image writes its keystore and config at start',
};

export function hardeningViolations(
  pod: PodTemplate,
  writableRootExceptions: Readonly<
    Record<string, string>
  > = WRITABLE_ROOT_EXCEPTIONS,
): string[] {
  const problems: string[] = [];
  if (pod.spec['hostNetwork'] === true)
    problems.push(`${pod.owner}: hostNetwork`);
  if (pod.spec['hostPID'] === true) problems.push(`${pod.owner}: hostPID`);
  if (pod.spec['hostIPC'] === true) problems.push(`${pod.owner}: hostIPC`);
  const volumes = Array.isArray(pod.spec['volumes']) ? pod.spec['volumes'] : [];
  for (const volume of volumes.filter(isMap))
    if (volume['hostPath'] !== undefined)
      problems.push(`${pod.owner}: hostPath volume ${String(volume['name'])}`);
  for (const c of containersOf(pod)) {
    const at = where(pod, c);
    const sc = mapPath(c.raw, 'securityContext');
    if (effective(pod, c, 'runAsNonRoot') !== true)
      problems.push(`${at}: runAsNonRoot is not true`);
    if (effective(pod, c, 'runAsUser') === 0)
      problems.push(`${at}: runAsUser 0`);
    const seccomp = effective(pod, c, 'seccompProfile');
    if (!isMap(seccomp) || seccomp['type'] !== 'RuntimeDefault')
      problems.push(`${at}: seccompProfile is not RuntimeDefault`);
    if (sc?.['allowPrivilegeEscalation'] !== false)
      problems.push(`${at}: allowPrivilegeEscalation is not false`);
    if (sc?.['privileged'] === true) problems.push(`${at}: privileged`);
    if (
      sc?.['readOnlyRootFilesystem'] !== true &&
      writableRootExceptions[pod.owner] === undefined
    )
      problems.push(`${at}: readOnlyRootFilesystem is not true`);
    const caps = mapPath(sc, 'capabilities');
    const drop = Array.isArray(caps?.['drop']) ? caps['drop'] : [];
    if (!drop.includes('ALL'))
      problems.push(`${at}: capabilities.drop lacks ALL`);
    const add = Array.isArray(caps?.['add']) ? caps['add'] : [];
    if (add.length > 0)
      problems.push(`${at}: capabilities.add ${add.join(',')}`);
  }
  return problems;
}

export function probeViolations(pod: PodTemplate): string[] {
  if (!LONG_RUNNING.has(pod.kind)) return [];
  return containersOf(pod)
    .filter((c) => !c.init)
    .flatMap((c) =>
      ['readinessProbe', 'livenessProbe']
        .filter((probe) => !isMap(c.raw[probe]))
        .map((probe) => `${where(pod, c)}: no ${probe}`),
    );
}

export function resourceViolations(pod: PodTemplate): string[] {
  return containersOf(pod).flatMap((c) => {
    const resources = mapPath(c.raw, 'resources');
    return ['requests', 'limits'].flatMap((kind) =>
      ['cpu', 'memory']
        .filter((r) => mapPath(resources, kind)?.[r] === undefined)
        .map((r) => `${where(pod, c)}: no ${kind}.${r}`),
    );
  });
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;
/** An exact release: 1.2.3, v3.14.0, 2.20.0, 0.159.0, 24.21.0-bookworm-slim. Not 24, 3.7, latest. */
const EXACT_TAG = /^v?\d+\.\d+\.\d+([-.+][0-9A-Za-z.-]+)?$/;

/** Why an image reference is not pinned, or undefined when it is (exact version tag or digest). */
export function unpinnedReason(image: string): string | undefined {
  if (DIGEST.test(image)) return undefined;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'no tag (means latest)';
  const tag = image.slice(colon + 1);
  if (tag === 'latest') return 'tag latest';
  if (!EXACT_TAG.test(tag)) return `tag ${tag} is not an exact version`;
  return undefined;
}

export function imageViolations(pod: PodTemplate): string[] {
  return containersOf(pod).flatMap((c) => {
    const image = typeof c.raw['image'] === 'string' ? c.raw['image'] : '';
    if (image === '') return [`${where(pod, c)}: no image`];
    const reason = unpinnedReason(image);
    return reason
      ? [`${where(pod, c)}: image ${image} is unpinned (${reason})`]
      : [];
  });
}

export const POLICIES = {
  hardening: (pod: PodTemplate) => hardeningViolations(pod),
  probes: probeViolations,
  resources: resourceViolations,
  images: imageViolations,
} as const;
