import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { repoPath, repoRoot } from '../paths.js';
import { isMap, type YamlMap } from '../yaml-file.js';

/**
 * Renders a deploy/k8s overlay with `kubectl kustomize`, the same code path as
 * `kubectl apply -k`. The kubectl binary is the one the stack-e2e `kubectl` target put in
 * node_modules/.cache (scripts/kubectl.mjs), or $KUBECTL.
 */

export const KUBECTL_VERSION = '1.35.2';

export const OVERLAYS = ['dev', 'production'] as const;
export type Overlay = (typeof OVERLAYS)[number];

export type KubectlAvailability =
  | { available: true; path: string }
  | { available: false; reason: string };

export function locateKubectl(): KubectlAvailability {
  const path =
    process.env['KUBECTL'] ??
    repoPath(
      'node_modules/.cache/otel-dice',
      `kubectl-${KUBECTL_VERSION}`,
      'kubectl',
    );
  if (!existsSync(path))
    return {
      available: false,
      reason: `no kubectl at ${path} (run: npx nx run stack-e2e:kubectl, or set KUBECTL)`,
    };
  const version = spawnSync(path, ['version', '--client'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (version.status !== 0)
    return {
      available: false,
      reason: `${path} version --client failed: ${version.error?.message ?? version.stderr.trim()}`,
    };
  return { available: true, path };
}

/** A Kubernetes object as rendered: apiVersion, kind and metadata.name are always present. */
export interface K8sObject extends YamlMap {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: YamlMap & { readonly name: string };
}

export function isK8sObject(value: unknown): value is K8sObject {
  return (
    isMap(value) &&
    typeof value['apiVersion'] === 'string' &&
    typeof value['kind'] === 'string' &&
    isMap(value['metadata']) &&
    typeof value['metadata']['name'] === 'string'
  );
}

/** Parses a multi-document YAML stream into objects; anything that is not an object is an error. */
export function parseManifests(text: string, where: string): K8sObject[] {
  return parseAllDocuments(text, { uniqueKeys: true }).flatMap((doc, i) => {
    if (doc.errors.length > 0)
      throw new Error(`${where} document ${i}: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return [];
    if (!isK8sObject(value))
      throw new Error(
        `${where} document ${i} is not a Kubernetes object (apiVersion, kind, metadata.name)`,
      );
    return [value];
  });
}

export function renderKustomization(kubectl: string, dir: string): K8sObject[] {
  const result = spawnSync(kubectl, ['kustomize', dir], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return parseManifests(result.stdout, dir);
}

export function renderOverlay(kubectl: string, overlay: Overlay): K8sObject[] {
  return renderKustomization(kubectl, `deploy/k8s/overlays/${overlay}`);
}

export const objectId = (o: K8sObject): string =>
  `${o.kind}/${o.metadata.name}`;

export function findObject(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): K8sObject {
  const found = objects.find(
    (o) => o.kind === kind && o.metadata.name === name,
  );
  if (!found)
    throw new Error(
      `no ${kind}/${name} among ${objects.map(objectId).join(', ')}`,
    );
  return found;
}
