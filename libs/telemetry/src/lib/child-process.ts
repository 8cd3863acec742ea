/**
 * A process started with `--require`/`--import …/register` passes those flags on to the
 * processes it forks: `child_process.fork()` and `cluster.fork()` children inherit `execArgv`,
 * and `NODE_OPTIONS` reaches every Node process spawned with the parent's environment. A queue
 * worker forked by the app so starts telemetry too — as if it were the app: the same start-up
 * banner, the same `service.instance.id` if one was given in OTEL_RESOURCE_ATTRIBUTES (two
 * processes writing one cumulative series), and the same Prometheus port (EADDRINUSE, or under
 * cluster a shared port whose scrapes land on a different worker each time).
 *
 * Pure rules, over the resolved configuration, for telling such a child and what it does
 * differently: its own instance id, one short line instead of the banner, and no Prometheus
 * server of its own — its metrics are pushed over OTLP where its traces go, or, with no OTLP
 * endpoint, not exported (the line says so). What the environment says about the parent is read
 * by the environment mapping into the extension's `parent` (config/from-env.ts).
 */
import type { MeterProviderConfigModel } from '@opentelemetry/configuration';
import {
  DEFAULT_METRIC_EXPORT_INTERVAL_MS,
  DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
  EXTENSION,
  settingsOf,
  type ExporterModel,
  type OtelDiceSettings,
  type OtlpSettings,
  type ProcessorModel,
  type TelemetryConfig,
} from './config/model.js';
import { redactUrl } from './config/redact.js';

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
  /** What the environment said about a parent (the extension's `parent`). */
  readonly parent: OtelDiceSettings['parent'];
  readonly pid: number;
  /** Whether the process has an IPC channel to its parent (`process.channel`). */
  readonly hasIpc: boolean;
}

/**
 * A cluster worker, or a process whose environment says a parent with telemetry started it;
 * otherwise the app. A process forked by something without this library (a test runner, a
 * process manager) is an app. Pure.
 */
export function processRole(facts: ProcessFacts): ProcessRole {
  const parentPid = facts.parent?.pid ?? undefined;
  if (facts.parent?.cluster_worker)
    return { kind: 'child', how: 'cluster', parentPid };
  if (parentPid === undefined || parentPid === facts.pid)
    return { kind: 'app' };
  return { kind: 'child', how: facts.hasIpc ? 'fork' : 'spawn', parentPid };
}

type Attribute = NonNullable<
  NonNullable<TelemetryConfig['resource']>['attributes']
>[number];
type Reader = MeterProviderConfigModel['readers'][number];

/** The configuration of a child, and the one line it prints instead of the banner. */
export interface ChildConfig {
  readonly config: TelemetryConfig;
  /** Where its metrics go instead of the parent's Prometheus port (for the one line). */
  readonly metrics: string;
}

/**
 * What a child changes in the configuration it resolved like its parent. Pure.
 *
 * - Its own `service.instance.id` when one was inherited (`<inherited>-<pid>`, so the two still
 *   read as related; without one the service detector draws a random id per process anyway),
 *   and `process.parent_pid`.
 * - It never serves Prometheus on a port of its own (the parent has it). Its metrics go where
 *   its traces go when that is an OTLP endpoint (the specification's default for every signal),
 *   pushed on the usual interval, unless they are pushed already; otherwise they are not
 *   exported. Readers that open no port stay.
 */
export function childConfig(
  config: TelemetryConfig,
  role: Extract<ProcessRole, { kind: 'child' }>,
  pid: number,
): ChildConfig {
  const settings = settingsOf(config);
  const attributes: Attribute[] = (config.resource?.attributes ?? []).map(
    (a) =>
      a.name === 'service.instance.id'
        ? { ...a, value: `${String(a.value)}-${pid}`, type: 'string' }
        : a,
  );
  if (role.parentPid !== undefined)
    attributes.push({
      name: 'process.parent_pid',
      value: role.parentPid,
      type: 'int',
    });
  const readers = config.meter_provider?.readers ?? [];
  // A pull reader opens a port of its own when it names one, or when nothing mounts it on the
  // app's port (always so for the register entry).
  const opensPort = (r: Reader) => {
    const own = r.pull?.exporter['prometheus/development'];
    return (
      own != null &&
      (own.host != null || own.port != null || !settings.prometheus_on_app_port)
    );
  };
  const kept = readers.filter((r) => !opensPort(r));
  const dropped = readers.length - kept.length;
  let metrics: string;
  let newReaders = kept;
  if (dropped === 0 || kept.some((r) => r.periodic !== undefined))
    metrics = describeKept(kept);
  else {
    const pushed = pushBesideTraces(config);
    if (pushed === undefined)
      metrics = `metrics not exported (the parent serves Prometheus; set OTEL_METRICS_EXPORTER=otlp with an OTLP endpoint to push them)`;
    else {
      newReaders = [...kept, pushed.reader];
      metrics = `metrics pushed over OTLP to ${redactUrl(pushed.endpoint)} (the parent serves Prometheus)`;
    }
  }
  return {
    config: {
      ...config,
      resource: { ...config.resource, attributes },
      meter_provider: { ...config.meter_provider, readers: newReaders },
      distribution: {
        ...config.distribution,
        [EXTENSION]: settings,
      },
    },
    metrics,
  };
}

/** A periodic OTLP reader to the metrics endpoint beside the first OTLP traces exporter. */
function pushBesideTraces(
  config: TelemetryConfig,
): { reader: Reader; endpoint: string } | undefined {
  const processors = (config.tracer_provider?.processors ??
    []) as ProcessorModel[];
  for (const p of processors) {
    const exporter: ExporterModel | undefined = (p.batch ?? p.simple)?.exporter;
    const kind = exporter?.otlp_grpc
      ? 'otlp_grpc'
      : exporter?.otlp_http
        ? 'otlp_http'
        : undefined;
    if (exporter === undefined || kind === undefined) continue;
    const traces = exporter[kind] as OtlpSettings;
    const endpoint = metricsEndpoint(
      kind === 'otlp_grpc' ? 'grpc' : 'http',
      traces.endpoint,
    );
    if (endpoint === undefined) return undefined;
    const settings: OtlpSettings = {
      ...traces,
      endpoint,
      temporality_preference: 'cumulative',
      default_histogram_aggregation: 'explicit_bucket_histogram',
    };
    return {
      endpoint,
      reader: {
        periodic: {
          interval: DEFAULT_METRIC_EXPORT_INTERVAL_MS,
          timeout: DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
          exporter: { [kind]: settings } as NonNullable<
            Reader['periodic']
          >['exporter'],
        },
      },
    };
  }
  return undefined;
}

/**
 * The metrics endpoint beside a traces endpoint: the same for gRPC; for HTTP, `/v1/metrics` in
 * place of `/v1/traces`, undefined when the traces endpoint was a custom per-signal URL. Pure.
 */
export function metricsEndpoint(
  protocol: 'grpc' | 'http',
  tracesEndpoint: string,
): string | undefined {
  if (protocol === 'grpc') return tracesEndpoint;
  return /\/v1\/traces$/.test(tracesEndpoint)
    ? tracesEndpoint.replace(/\/v1\/traces$/, '/v1/metrics')
    : undefined;
}

function describeKept(readers: readonly Reader[]): string {
  return readers.length === 0
    ? 'metrics not exported'
    : `metrics ${readers.map((r) => (r.pull ? 'prometheus on the app' : 'pushed over OTLP')).join(' + ')}`;
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
