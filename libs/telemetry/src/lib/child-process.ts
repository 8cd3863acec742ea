/**
 * A process started with `--require`/`--import …/register` passes those flags on to the
 * processes it forks: `child_process.fork()` and `cluster.fork()` children inherit `execArgv`,
 * and `NODE_OPTIONS` reaches every Node process spawned with the parent's environment. A queue
 * worker forked by the app so starts telemetry too — as if it were the app: the same start-up
 * banner, the same `service.instance.id` if one was given in OTEL_RESOURCE_ATTRIBUTES (two
 * processes writing one cumulative series), and the same Prometheus port (EADDRINUSE, or under
 * cluster a shared port whose scrapes land on a different worker each time).
 *
 * Pure rules for telling such a child and what it does differently: its own instance id, one
 * short line instead of the banner, and no Prometheus server of its own — its metrics are pushed
 * over OTLP where its traces go, or, with no OTLP endpoint, not exported (the line says so).
 */
import {
  DEFAULT_METRIC_EXPORT_INTERVAL_MS,
  DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
  type AttributeValue,
  type MetricReaderConfig,
  type TracesConfig,
} from './config/model.js';
import type { Env } from './config/values.js';

/**
 * Set in the environment of a process whose telemetry started from the register entry, to its
 * pid, so the processes it starts can tell they are children. Not an OTEL_* name: the
 * unknown-variable check would name it.
 */
export const PARENT_PID_VARIABLE = '_OTEL_DICE_TELEMETRY_PID';

/** How this process came to be, as far as telemetry is concerned. */
export type ProcessRole =
  | { readonly kind: 'app' }
  | {
      readonly kind: 'child';
      /** fork: child_process.fork (IPC channel); cluster: a cluster worker; spawn: anything else. */
      readonly how: 'fork' | 'cluster' | 'spawn';
      /** The pid of the process whose telemetry this one inherited, when known. */
      readonly parentPid?: number;
    };

export interface ProcessFacts {
  readonly env: Env;
  readonly pid: number;
  /** Whether the process has an IPC channel to its parent (`process.channel`). */
  readonly hasIpc: boolean;
}

/**
 * A cluster worker (Node sets NODE_UNIQUE_ID in them), or a process whose environment says a
 * parent with telemetry started it; otherwise the app. A process forked by something without
 * this library (a test runner, a process manager) is an app. Pure.
 */
export function processRole(facts: ProcessFacts): ProcessRole {
  const marker = facts.env[PARENT_PID_VARIABLE];
  const parentPid =
    marker !== undefined && /^\d+$/.test(marker) ? Number(marker) : undefined;
  if (facts.env['NODE_UNIQUE_ID'] !== undefined)
    return { kind: 'child', how: 'cluster', parentPid };
  if (parentPid === undefined || parentPid === facts.pid)
    return { kind: 'app' };
  return { kind: 'child', how: facts.hasIpc ? 'fork' : 'spawn', parentPid };
}

/**
 * The resource attributes of a child: its own `service.instance.id` when one was inherited
 * (`<inherited>-<pid>`, so the two still read as related; without one the service detector draws
 * a random id per process anyway) and `process.parent_pid`. Pure.
 */
export function childResourceAttributes(
  attributes: Readonly<Record<string, AttributeValue>>,
  role: ProcessRole,
  pid: number,
): Record<string, AttributeValue> {
  if (role.kind === 'app') return { ...attributes };
  const out: Record<string, AttributeValue> = { ...attributes };
  const inherited = attributes['service.instance.id'];
  if (inherited !== undefined)
    out['service.instance.id'] = `${String(inherited)}-${pid}`;
  if (role.parentPid !== undefined) out['process.parent_pid'] = role.parentPid;
  return out;
}

/** What a child does with the metric readers it inherited, and the words for it. */
export interface ChildReaders {
  readonly readers: MetricReaderConfig[];
  /** Where its metrics go instead of the parent's Prometheus port (for the one line). */
  readonly metrics: string;
}

/**
 * A child never serves Prometheus on a port of its own (the parent has it). Its metrics go where
 * its traces go when that is an OTLP endpoint (the specification's default for every signal),
 * pushed on the usual interval; otherwise they are not exported. Readers that were there already
 * (an OTLP push, Prometheus on the app's own server) stay. Pure.
 */
export function childMetricReaders(
  readers: readonly MetricReaderConfig[],
  traces: TracesConfig,
): ChildReaders {
  const kept = readers.filter(
    (r) => !(r.kind === 'prometheus' && r.port !== undefined),
  );
  const dropped = readers.filter(
    (r) => r.kind === 'prometheus' && r.port !== undefined,
  );
  if (dropped.length === 0)
    return { readers: kept, metrics: describeKept(kept) };
  if (kept.some((r) => r.kind === 'periodic'))
    return { readers: kept, metrics: describeKept(kept) };
  const otlp = traces.pipelines.find(
    (p) => p.exporter.kind === 'otlp',
  )?.exporter;
  const endpoint =
    otlp?.kind === 'otlp'
      ? metricsEndpoint(otlp.otlp.protocol, otlp.otlp.endpoint)
      : undefined;
  if (otlp?.kind !== 'otlp' || endpoint === undefined)
    return {
      readers: kept,
      metrics: `metrics not exported (the parent serves Prometheus; set OTEL_METRICS_EXPORTER=otlp with an OTLP endpoint to push them)`,
    };
  const pushed: MetricReaderConfig = {
    kind: 'periodic',
    exporter: { kind: 'otlp', otlp: { ...otlp.otlp, endpoint } },
    exportIntervalMillis: DEFAULT_METRIC_EXPORT_INTERVAL_MS,
    exportTimeoutMillis: DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
    temporality: 'cumulative',
    histogramAggregation: 'explicit_bucket_histogram',
  };
  return {
    readers: [...kept, pushed],
    metrics: `metrics pushed over OTLP to ${endpoint} (the parent serves Prometheus)`,
  };
}

/**
 * The metrics endpoint beside a traces endpoint: the same for gRPC; for HTTP, `/v1/metrics` in
 * place of `/v1/traces`, undefined when the traces endpoint was a custom per-signal URL. Pure.
 */
export function metricsEndpoint(
  protocol: string,
  tracesEndpoint: string,
): string | undefined {
  if (protocol === 'grpc') return tracesEndpoint;
  return /\/v1\/traces$/.test(tracesEndpoint)
    ? tracesEndpoint.replace(/\/v1\/traces$/, '/v1/metrics')
    : undefined;
}

function describeKept(readers: readonly MetricReaderConfig[]): string {
  return readers.length === 0
    ? 'metrics not exported'
    : `metrics ${readers.map((r) => (r.kind === 'prometheus' ? 'prometheus on the app' : 'pushed over OTLP')).join(' + ')}`;
}

/** The one line a child prints instead of the start-up banner. Pure. */
export function childStartLine(
  role: Extract<ProcessRole, { kind: 'child' }>,
  serviceName: string,
  pid: number,
  metrics: string,
): string {
  const what =
    role.how === 'cluster'
      ? 'cluster worker'
      : role.how === 'fork'
        ? 'forked child'
        : 'child process';
  const parent =
    role.parentPid !== undefined ? `, parent ${role.parentPid}` : '';
  return `telemetry: ${what} of service ${serviceName} (pid ${pid}${parent}) with its own service.instance.id; ${metrics}`;
}
