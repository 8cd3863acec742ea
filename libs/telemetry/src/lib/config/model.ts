/**
 * The library's whole configuration: ONE object in the shape of the OpenTelemetry declarative
 * configuration (`ConfigurationModel` of @opentelemetry/configuration, schema 1.1), whichever the
 * source — the environment is mapped onto it (from-env.ts), a file is parsed into it
 * (from-file.ts), code options override fields of it (overrides.ts) — and every SDK part is built
 * from it alone.
 *
 * Why upstream's shape: a reader who knows the specification's configuration file knows this
 * object; `telemetry.config` prints as a valid configuration file would read; and there is no
 * second model to translate into and keep in step.
 *
 * What the schema has no place for — the edge rules of HTTP server spans, which instrumentations
 * run, serving Prometheus on the app's own port, how `/metrics` is served and protected, and
 * where each setting came from — lives in ONE extension, `distribution['otel-dice']`: the
 * schema's own place for "distribution-specific settings that are not part of the OpenTelemetry
 * configuration model". A configuration file may set its `http`, `instrumentations` and
 * `prometheus` there too.
 *
 * The resolved object is normalized: lists merged (`attributes_list` into `attributes`,
 * `headers_list` into `headers`, `composite_list` into `composite`), every OTLP endpoint explicit,
 * and the library's defaults written in, so what it says is what runs. Plain data only.
 */
import type {
  ConfigurationModel,
  SamplerConfigModel,
} from '@opentelemetry/configuration';
import { DEFAULT_CONNECTION_GUARD } from '../connection-guard.js';
import { DEFAULT_INSTRUMENTATION_NAMES } from '../instrumentation-selection.js';

export type Signal = 'traces' | 'metrics' | 'logs';

/** The key of the library's extension under `distribution`. */
export const EXTENSION = 'otel-dice';

/** The library-only settings (`distribution['otel-dice']`). */
export interface OtelDiceSettings {
  /** HTTP server spans: which code makes them, and what they believe about a request from outside. */
  readonly http: {
    /**
     * `lean` (default): the library's server spans (http-server.ts, the Express route from
     * express-route.ts), which build attributes only for spans that record; `upstream`:
     * `@opentelemetry/instrumentation-http` and `-express`. The same spans either way (the
     * conformance suite checks it); the switch is TELEMETRY_HTTP_INSTRUMENTATION.
     */
    readonly instrumentation: 'lean' | 'upstream';
    /**
     * Continue the caller's trace (traceparent, b3…). false, for a service facing the public:
     * every request starts a new trace and links to the caller's context instead.
     */
    readonly trust_incoming_context: boolean;
    /** Peers (IPs or CIDRs) whose X-Forwarded-For is believed for `client.address`. */
    readonly trusted_proxies: readonly string[];
  };
  /**
   * Which code makes the spans: `compact` (default), the library's tracer that encodes each span
   * once when it ends, where the configuration is one it covers; `sdk`, the SDK's tracer always.
   * The switch is TELEMETRY_TRACER (tracer-env.ts); the choice and its reason are in the
   * start-up line (tracer-path.ts).
   */
  readonly tracer: 'compact' | 'sdk';
  /** Instrumentations switched on, by package suffix (`http`, `express`, `pino`, `pg`, …). */
  readonly instrumentations: readonly string[];
  /**
   * The Prometheus reader that names no host and port is served by the app on its own port
   * (the seed's `/metrics`, mounted through `metricsHandler`) instead of on a server of its own.
   */
  readonly prometheus_on_app_port: boolean;
  /**
   * How `/metrics` is served, on the app's port and on the Prometheus port alike: set by the
   * TELEMETRY_PROMETHEUS_* variables (config/prometheus-env.ts), a file's
   * `distribution['otel-dice'].prometheus` or code. Durations in milliseconds, as the schema's.
   */
  readonly prometheus: {
    /**
     * What the `target_info` series shows of the resource: `service` (the default), who the
     * service is (resource.ts, TARGET_INFO_ATTRIBUTES); `all`, every resource attribute, as
     * the OpenTelemetry Prometheus exporters do; `none`, no `target_info`. A pull reader's
     * `target_info_enabled/development: false` is `none` for that reader.
     */
    readonly target_info: 'service' | 'all' | 'none';
    /** How long a rendered page is served again (prometheus-scrape.ts); 0 renders every scrape. */
    readonly cache: number;
    /**
     * The Prometheus port's own server (a pull reader with a host or port; prometheus-server.ts).
     * The app's port is the app's server, limited by the app's own settings.
     */
    readonly server: {
      /** The request head must be complete within this; at most `request_timeout`. */
      readonly headers_timeout: number;
      /** The whole request must be received within this. */
      readonly request_timeout: number;
      /** An idle keep-alive connection is closed after this. */
      readonly keep_alive_timeout: number;
      /** Connections beyond this are closed as soon as they are accepted. */
      readonly max_connections: number;
      /** A connection whose response bytes the client does not take for this long is closed. */
      readonly send_timeout: number;
      /** Requests of one connection that may wait behind the one being handled; more close it. */
      readonly max_pipelined_requests: number;
    };
  };
  /**
   * NODE_OPTIONS as the process was started with, when set: an import-in-the-middle loader given
   * there (or on the command line) is not registered a second time (esm-hook.ts).
   */
  readonly node_options?: string;
  /**
   * Present when the environment says a parent process's telemetry started this one: a worker
   * forked with child_process.fork or cluster inherits `--require`/`--import …/register` (and
   * NODE_OPTIONS). The zero-code entry then runs it as that parent's child (child-process.ts).
   */
  readonly parent?: {
    /** The parent's pid, from the marker its register entry leaves in the environment. */
    readonly pid?: number;
    /** A cluster worker (Node sets NODE_UNIQUE_ID in them). */
    readonly cluster_worker: boolean;
  };
  /** Where the configuration came from. */
  readonly source:
    | { readonly kind: 'environment' }
    | { readonly kind: 'file'; readonly path: string };
  /**
   * Which environment variable or option gave a setting, by key path
   * (`tracer_provider.processors[0].batch.exporter.otlp_grpc.tls.ca_file` →
   * `OTEL_EXPORTER_OTLP_CERTIFICATE`), so later messages name what the user wrote.
   */
  readonly sources: Readonly<Record<string, string>>;
  /** Things worth one line at start that do not stop it (unused OTEL_* variables, …). */
  readonly notes: readonly string[];
}

/** HTTP server span settings (the extension's `http`). */
export type HttpEdgeSettings = OtelDiceSettings['http'];

/** Which code makes HTTP server spans (see OtelDiceSettings' `http.instrumentation`). */
export const HTTP_INSTRUMENTATIONS: readonly HttpEdgeSettings['instrumentation'][] =
  ['lean', 'upstream'];

/** How `/metrics` is served (the extension's `prometheus`). */
export type PrometheusSettings = OtelDiceSettings['prometheus'];

/** What `target_info` shows (see OtelDiceSettings' `prometheus.target_info`). */
export type TargetInfoMode = PrometheusSettings['target_info'];
export const TARGET_INFO_MODES: readonly TargetInfoMode[] = [
  'service',
  'all',
  'none',
];

/** The resolved configuration: upstream's model plus the one extension. */
export type TelemetryConfig = ConfigurationModel & {
  readonly distribution: { readonly 'otel-dice': OtelDiceSettings };
};

/** The extension of a resolved configuration. */
export function settingsOf(config: TelemetryConfig): OtelDiceSettings {
  return config.distribution[EXTENSION];
}

/**
 * Where a setting came from, for a message: the variable or option that set it, else the key
 * in the configuration file.
 */
export function sourceOf(config: TelemetryConfig, key: string): string {
  const settings = settingsOf(config);
  return (
    settings.sources[key] ??
    (settings.source.kind === 'file' ? `OTEL_CONFIG_FILE (${key})` : key)
  );
}

// ---- the normalized shapes the builders read (narrower than the schema's "one of" objects) ----

/** The OTLP exporters' common settings, normalized: endpoint explicit, headers merged. */
export interface OtlpSettings {
  readonly endpoint: string;
  readonly headers: Array<{ name: string; value: string | null }>;
  readonly compression: 'gzip' | 'none';
  /** Milliseconds. */
  readonly timeout: number;
  readonly tls?: {
    readonly ca_file?: string | null;
    readonly key_file?: string | null;
    readonly cert_file?: string | null;
    /** gRPC only: plaintext for a scheme-less `host:port`. */
    readonly insecure?: boolean | null;
  } | null;
  /** otlp_http only. */
  readonly encoding?: 'protobuf' | 'json' | null;
  /** Metric exporters only. */
  readonly temporality_preference?:
    | 'cumulative'
    | 'delta'
    | 'low_memory'
    | null;
  readonly default_histogram_aggregation?:
    | 'explicit_bucket_histogram'
    | 'base2_exponential_bucket_histogram'
    | null;
}

/** A span, log record or push metric exporter: exactly one of these. */
export interface ExporterModel {
  readonly otlp_grpc?: OtlpSettings;
  readonly otlp_http?: OtlpSettings;
  readonly console?: object | null;
}

export interface BatchModel {
  readonly schedule_delay: number;
  readonly export_timeout: number;
  readonly max_queue_size: number;
  readonly max_export_batch_size: number;
  readonly exporter: ExporterModel;
}

/** A span or log record processor: exactly one of these. */
export interface ProcessorModel {
  readonly batch?: BatchModel;
  readonly simple?: { readonly exporter: ExporterModel };
}

export type SamplerModel = SamplerConfigModel;

// ---- defaults: the seed's where it has one, the specification's otherwise ----

/** The seed sends traces over OTLP/gRPC to a local collector (the specification says HTTP). */
export const DEFAULT_GRPC_ENDPOINT = 'http://localhost:4317';
export const DEFAULT_HTTP_ENDPOINT = 'http://localhost:4318';
export const DEFAULT_OTLP_TIMEOUT_MS = 10_000;

/** The specification's batch settings, except a 1 s delay: spans show up sooner, at trivial cost. */
export const DEFAULT_BATCH = {
  schedule_delay: 1000,
  export_timeout: 30_000,
  max_queue_size: 2048,
  max_export_batch_size: 512,
} as const;

export const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 60_000;
export const DEFAULT_METRIC_EXPORT_TIMEOUT_MS = 30_000;
export const DEFAULT_PROMETHEUS_HOST = 'localhost';
export const DEFAULT_PROMETHEUS_PORT = 9464;

/** The edge rules when nothing sets them: trust callers' context, believe no proxy. */
export const DEFAULT_EDGE: HttpEdgeSettings = {
  instrumentation: 'lean',
  trust_incoming_context: true,
  trusted_proxies: [],
};

/**
 * A page kept for 1 s: shorter than any scrape interval, so Prometheus sees fresh numbers, while
 * a flood of scrapes costs one rendering a second. The Prometheus port's server gets the apps'
 * timeouts for their own ports (libs/app-config) and the connection guard's defaults, and a
 * small connection cap: a scrape needs one connection per Prometheus server, so 32 leave room
 * for HA pairs, agents and a curl or two, far below the app port's share of the descriptors.
 */
export const DEFAULT_PROMETHEUS: PrometheusSettings = {
  target_info: 'service',
  cache: 1_000,
  server: {
    headers_timeout: 10_000,
    request_timeout: 25_000,
    keep_alive_timeout: 5_000,
    max_connections: 32,
    send_timeout: DEFAULT_CONNECTION_GUARD.sendTimeoutMs,
    max_pipelined_requests: DEFAULT_CONNECTION_GUARD.maxPipelinedRequests,
  },
};

/**
 * Attribute values are capped at 4 KiB of characters by default (the specification sets no
 * limit): a 16 KiB query string or header copied into every span of a flood is how a span queue
 * and a trace store get filled with one client's input.
 */
export const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 4096;
export const DEFAULT_ATTRIBUTE_COUNT_LIMIT = 128;

export const DEFAULT_SPAN_LIMITS = {
  attribute_value_length_limit: DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  attribute_count_limit: DEFAULT_ATTRIBUTE_COUNT_LIMIT,
  event_count_limit: 128,
  link_count_limit: 128,
  event_attribute_count_limit: 128,
  link_attribute_count_limit: 128,
} as const;

export const DEFAULT_LOG_LIMITS = {
  attribute_value_length_limit: DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  attribute_count_limit: DEFAULT_ATTRIBUTE_COUNT_LIMIT,
} as const;

export const DEFAULT_SAMPLER: SamplerModel = {
  parent_based: { root: { always_on: {} } },
};

/** Propagator names the library builds (`jaeger` and `none` beyond the schema's four). */
export const PROPAGATOR_NAMES = [
  'tracecontext',
  'baggage',
  'b3',
  'b3multi',
  'jaeger',
] as const;
export type PropagatorName = (typeof PROPAGATOR_NAMES)[number];

/**
 * Resource detectors: the schema's four, where `host` includes the `os.*` attributes and
 * `service` the random `service.instance.id`, plus `os` alone (OTEL_NODE_RESOURCE_DETECTORS=os).
 */
export const DETECTOR_NAMES = [
  'host',
  'os',
  'process',
  'container',
  'service',
] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/**
 * Every instrumentation auto-instrumentations-node offers but fs, host-metrics and pino (on with
 * logs): http and express at once, the rest when the app loads what they patch
 * (instrumentation-selection.ts).
 */
export const DEFAULT_INSTRUMENTATIONS: readonly string[] =
  DEFAULT_INSTRUMENTATION_NAMES;

/**
 * Whether an OTLP exporter's connection uses TLS: `https://` always, `http://` never, and a gRPC
 * `host:port` without a scheme unless `tls.insecure` (OTEL_EXPORTER_OTLP_INSECURE=true).
 */
export function usesTls(
  settings: Pick<OtlpSettings, 'endpoint' | 'tls'>,
): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i
    .exec(settings.endpoint.trim())?.[1]
    ?.toLowerCase();
  if (scheme !== undefined) return scheme === 'https';
  return settings.tls?.insecure !== true;
}

/** The OTLP endpoint of an exporter model, when it is one. */
export function otlpEndpoint(exporter: ExporterModel): string | undefined {
  return (exporter.otlp_grpc ?? exporter.otlp_http)?.endpoint;
}

/** Every OTLP exporter of the model, with its key path. */
export function otlpExporters(config: TelemetryConfig): Array<{
  key: string;
  signal: 'traces' | 'metrics' | 'logs';
  settings: OtlpSettings;
}> {
  const found: ReturnType<typeof otlpExporters> = [];
  const add = (
    signal: 'traces' | 'metrics' | 'logs',
    key: string,
    exporter: ExporterModel | undefined,
  ) => {
    for (const kind of ['otlp_grpc', 'otlp_http'] as const) {
      const settings = exporter?.[kind];
      if (settings) found.push({ key: `${key}.${kind}`, signal, settings });
    }
  };
  const processors = (
    signal: 'traces' | 'logs',
    key: string,
    list: ProcessorModel[],
  ) =>
    list.forEach((p, i) => {
      const kind = p.batch ? 'batch' : 'simple';
      add(
        signal,
        `${key}[${i}].${kind}.exporter`,
        (p.batch ?? p.simple)?.exporter,
      );
    });
  processors(
    'traces',
    'tracer_provider.processors',
    (config.tracer_provider?.processors ?? []) as ProcessorModel[],
  );
  (config.meter_provider?.readers ?? []).forEach((r, i) =>
    add(
      'metrics',
      `meter_provider.readers[${i}].periodic.exporter`,
      r.periodic?.exporter as ExporterModel | undefined,
    ),
  );
  processors(
    'logs',
    'logger_provider.processors',
    (config.logger_provider?.processors ?? []) as ProcessorModel[],
  );
  return found;
}
