import { isMap, type YamlMap } from '../yaml-file.js';
import type { K8sObject } from './render.js';

/**
 * Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), evaluated without a cluster: whether a
 * connection from one endpoint to another on a port is allowed by the policies of both ends.
 *
 * - A pod is isolated for ingress (egress) when some policy in its namespace selects it and lists
 *   Ingress (Egress) in policyTypes; an isolated pod takes (sends) only what some rule of such a
 *   policy allows. Policies are additive; there is no deny rule.
 * - A connection needs both: the source's egress and the destination's ingress.
 * - A rule with no peers (from/to) matches every peer; with no ports, every port. A peer is a
 *   podSelector (the policy's own namespace), a namespaceSelector (any pod of the matching
 *   namespaces), both (pods matching in matching namespaces), or an ipBlock (CIDR minus except).
 * - A named port in a rule is resolved on the destination pod's container ports.
 * Endpoints outside the cluster's pods (the API server, an external store) have an IP only: they are
 * never isolated, and only ipBlock peers or peer-less rules match them.
 */

export interface Endpoint {
  /** e.g. Deployment/dice-api, or a made-up name for a synthetic peer. */
  readonly id: string;
  /** Pods only: namespace and labels. */
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Every endpoint has an IP (pods: a synthetic one from the pod range). */
  readonly ip: string;
  /** Pods only: container ports by name, for named ports in rules. */
  readonly namedPorts?: Readonly<Record<string, number>>;
}

export interface Namespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Flow {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP';
}

export type Selector = YamlMap | undefined;

/** Does a LabelSelector (matchLabels + matchExpressions) select these labels? {} selects all. */
export function selects(
  selector: Selector,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!isMap(selector)) return false;
  const matchLabels = isMap(selector['matchLabels'])
    ? selector['matchLabels']
    : {};
  for (const [key, value] of Object.entries(matchLabels))
    if (labels[key] !== String(value)) return false;
  const expressions = Array.isArray(selector['matchExpressions'])
    ? selector['matchExpressions'].filter(isMap)
    : [];
  for (const e of expressions) {
    const key = String(e['key']);
    const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (e['operator']) {
      case 'In':
        if (!has || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${String(e['operator'])}`);
    }
  }
  return true;
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (
    parts.length !== 4 ||
    parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)
  )
    throw new Error(`not an IPv4 address: ${ip}`);
  return (
    ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3]
  );
}

/** Is the IPv4 address inside the CIDR? */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32)
    throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return (ipToInt(ip) & mask) >>> 0 === (ipToInt(base) & mask) >>> 0;
}

function peerMatches(
  peer: YamlMap,
  policyNamespace: string,
  other: Endpoint,
  namespaces: ReadonlyMap<string, Namespace>,
): boolean {
  if (isMap(peer['ipBlock'])) {
    const block = peer['ipBlock'];
    if (!inCidr(other.ip, String(block['cidr']))) return false;
    const except = Array.isArray(block['except']) ? block['except'] : [];
    return !except.some((c) => inCidr(other.ip, String(c)));
  }
  // Pod-selecting peers match pods only.
  if (other.namespace === undefined || other.labels === undefined) return false;
  const hasNs = peer['namespaceSelector'] !== undefined;
  const hasPod = peer['podSelector'] !== undefined;
  if (hasNs) {
    const ns = namespaces.get(other.namespace);
    if (!ns || !selects(peer['namespaceSelector'] as YamlMap, ns.labels))
      return false;
  } else if (other.namespace !== policyNamespace) return false;
  return hasPod ? selects(peer['podSelector'] as YamlMap, other.labels) : hasNs;
}

function portMatches(
  rulePort: YamlMap,
  port: number,
  protocol: string,
  destination: Endpoint,
): boolean {
  if (String(rulePort['protocol'] ?? 'TCP') !== protocol) return false;
  const p = rulePort['port'];
  if (p === undefined) return true;
  const start =
    typeof p === 'number' ? p : (destination.namedPorts?.[String(p)] ?? NaN);
  const end =
    typeof rulePort['endPort'] === 'number' ? rulePort['endPort'] : start;
  return port >= start && port <= end;
}

function ruleAllows(
  rule: YamlMap,
  peersKey: 'from' | 'to',
  policyNamespace: string,
  other: Endpoint,
  flow: Flow,
  namespaces: ReadonlyMap<string, Namespace>,
): boolean {
  const peers = Array.isArray(rule[peersKey])
    ? rule[peersKey].filter(isMap)
    : undefined;
  const ports = Array.isArray(rule['ports'])
    ? rule['ports'].filter(isMap)
    : undefined;
  const peerOk =
    peers === undefined ||
    peers.length === 0 ||
    peers.some((p) => peerMatches(p, policyNamespace, other, namespaces));
  const protocol = flow.protocol ?? 'TCP';
  const portOk =
    ports === undefined ||
    ports.length === 0 ||
    ports.some((p) => portMatches(p, flow.port, protocol, flow.to));
  return peerOk && portOk;
}

function policyTypes(policy: K8sObject): string[] {
  const spec = policy['spec'] as YamlMap;
  if (Array.isArray(spec['policyTypes']))
    return spec['policyTypes'].map(String);
  // Defaulted by the API server: Ingress always, Egress when there are egress rules.
  return spec['egress'] !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
}

export class NetworkPolicyModel {
  private readonly policies: readonly K8sObject[];
  private readonly namespaces: ReadonlyMap<string, Namespace>;

  constructor(objects: readonly K8sObject[], namespaces: readonly Namespace[]) {
    this.policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    this.namespaces = new Map(namespaces.map((n) => [n.name, n]));
  }

  /** The policies of the endpoint's namespace that select it for a direction. */
  private selecting(
    endpoint: Endpoint,
    type: 'Ingress' | 'Egress',
  ): K8sObject[] {
    if (endpoint.namespace === undefined || endpoint.labels === undefined)
      return [];
    return this.policies.filter(
      (p) =>
        String(p.metadata['namespace']) === endpoint.namespace &&
        policyTypes(p).includes(type) &&
        selects(
          (p['spec'] as YamlMap)['podSelector'] as YamlMap,
          endpoint.labels ?? {},
        ),
    );
  }

  /** Which policies let the source send the flow (undefined: the source is not isolated). */
  egressAllowedBy(flow: Flow): string[] | undefined {
    const selecting = this.selecting(flow.from, 'Egress');
    if (selecting.length === 0) return undefined;
    return selecting
      .filter((p) =>
        (Array.isArray((p['spec'] as YamlMap)['egress'])
          ? ((p['spec'] as YamlMap)['egress'] as unknown[]).filter(isMap)
          : []
        ).some((rule) =>
          ruleAllows(
            rule,
            'to',
            String(p.metadata['namespace']),
            flow.to,
            flow,
            this.namespaces,
          ),
        ),
      )
      .map((p) => p.metadata.name);
  }

  /** Which policies let the destination take the flow (undefined: not isolated). */
  ingressAllowedBy(flow: Flow): string[] | undefined {
    const selecting = this.selecting(flow.to, 'Ingress');
    if (selecting.length === 0) return undefined;
    return selecting
      .filter((p) =>
        (Array.isArray((p['spec'] as YamlMap)['ingress'])
          ? ((p['spec'] as YamlMap)['ingress'] as unknown[]).filter(isMap)
          : []
        ).some((rule) =>
          ruleAllows(
            rule,
            'from',
            String(p.metadata['namespace']),
            flow.from,
            flow,
            this.namespaces,
          ),
        ),
      )
      .map((p) => p.metadata.name);
  }

  allows(flow: Flow): boolean {
    const egress = this.egressAllowedBy(flow);
    const ingress = this.ingressAllowedBy(flow);
    return (
      (egress === undefined || egress.length > 0) &&
      (ingress === undefined || ingress.length > 0)
    );
  }

  /** Is every pod-endpoint isolated in both directions (a default deny in place)? */
  isolated(endpoint: Endpoint): { ingress: boolean; egress: boolean } {
    return {
      ingress: this.selecting(endpoint, 'Ingress').length > 0,
      egress: this.selecting(endpoint, 'Egress').length > 0,
    };
  }
}

/** "TCP/5000 Deployment/dice-player -> Deployment/dice-api", for readable test output. */
export const flowId = (f: Flow): string =>
  `${f.protocol ?? 'TCP'}/${f.port} ${f.from.id} -> ${f.to.id}`;
