/**
 * The library's whole configuration as one typed object. It is resolved once — from the
 * environment (the OpenTelemetry SDK environment-variable specification plus the seed tutorial's
 * variables) or from an OpenTelemetry declarative configuration file — then code options are laid
 * over it, and the SDK is built from it. Nothing else in the library reads `process.env`.
 *
 * Plain data only (no SDK objects), so it can be printed, compared and unit-tested.
 */

export type Signal = 'traces' | 'metrics' | 'logs';
export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = [
  'grpc',
  'http/protobuf',
  'http/json',
];

export type Compression = 'gzip' | 'none';

/** A PEM file named by the configuration; read (and checked) before anything is built. */
export interface PemFileRef {
  readonly path: string;
  /** Where the path came from, for the error when it cannot be read. */
  readonly source: string;
}

export interface TlsConfig {
  /**
   * Whether the connection uses TLS: `https://` endpoints always, `http://` never, and a gRPC
   * `host:port` unless OTEL_EXPORTER_OTLP_INSECURE=true.
   */
  readonly secure: boolean;
  /** Trusted CA certificates instead of the system's (OTEL_EXPORTER_OTLP_CERTIFICATE). */
  readonly ca?: PemFileRef;
  /** mTLS: client private key and certificate chain, always both or neither. */
  readonly clientKey?: PemFileRef;
  readonly clientCertificate?: PemFileRef;
}

export interface OtlpExporterConfig {
  readonly protocol: OtlpProtocol;
  /**
   * Where data is sent, final: for HTTP the full URL (generic endpoint + `/v1/<signal>`, or a
   * signal-specific endpoint as given); for gRPC `scheme://host:port` or `host:port`.
   */
  readonly endpoint: string;
  /** Which setting gave the endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`, `default`, …). */
  readonly endpointSource: string;
  /** Header names are lower-case. Values are secrets as far as printing goes. */
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: Compression;
  readonly timeoutMillis: number;
  readonly tls: TlsConfig;
}

export interface BatchProcessorConfig {
  readonly kind: 'batch';
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
}
export interface SimpleProcessorConfig {
  readonly kind: 'simple';
}
export type ProcessorConfig = BatchProcessorConfig | SimpleProcessorConfig;

export type ExporterConfig =
  | { readonly kind: 'otlp'; readonly otlp: OtlpExporterConfig }
  | { readonly kind: 'console' };

/** One exporter and the processor that feeds it (spans and log records). */
export interface PipelineConfig {
  readonly exporter: ExporterConfig;
  readonly processor: ProcessorConfig;
}

export type SamplerConfig =
  | { readonly type: 'always_on' }
  | { readonly type: 'always_off' }
  | { readonly type: 'traceidratio'; readonly ratio: number }
  | {
      readonly type: 'parentbased';
      readonly root: SamplerConfig;
      readonly remoteParentSampled?: SamplerConfig;
      readonly remoteParentNotSampled?: SamplerConfig;
      readonly localParentSampled?: SamplerConfig;
      readonly localParentNotSampled?: SamplerConfig;
    };

/** As the SDK's SpanLimits; `undefined` value length means unlimited. */
export interface SpanLimitsConfig {
  readonly attributeValueLengthLimit?: number;
  readonly attributeCountLimit: number;
  readonly eventCountLimit: number;
  readonly linkCountLimit: number;
  readonly attributePerEventCountLimit: number;
  readonly attributePerLinkCountLimit: number;
}

export interface LogRecordLimitsConfig {
  readonly attributeValueLengthLimit?: number;
  readonly attributeCountLimit: number;
}

export interface TracesConfig {
  /** Empty: spans are still made (and sampled), but go nowhere. */
  readonly pipelines: readonly PipelineConfig[];
  readonly sampler: SamplerConfig;
  readonly limits: SpanLimitsConfig;
}

export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';
export type HistogramAggregation =
  | 'explicit_bucket_histogram'
  | 'base2_exponential_bucket_histogram';

export type MetricReaderConfig =
  | {
      /**
       * Prometheus pull. Without host/port: served by the app on its own port (the seed's
       * `/metrics`, mounted through `metricsHandler`); with them: the exporter's own server.
       */
      readonly kind: 'prometheus';
      readonly host?: string;
      readonly port?: number;
    }
  | {
      readonly kind: 'periodic';
      readonly exporter: ExporterConfig;
      readonly exportIntervalMillis: number;
      readonly exportTimeoutMillis: number;
      readonly temporality: TemporalityPreference;
      readonly histogramAggregation: HistogramAggregation;
    };

export interface MetricsConfig {
  /** Empty: instruments still work, nothing reads them (`/metrics` answers 404). */
  readonly readers: readonly MetricReaderConfig[];
}

export interface LogsConfig {
  /** Empty: no LoggerProvider, the app's logs stay on stdout only. */
  readonly pipelines: readonly PipelineConfig[];
  readonly limits: LogRecordLimitsConfig;
}

export type PropagatorName =
  | 'tracecontext'
  | 'baggage'
  | 'b3'
  | 'b3multi'
  | 'jaeger';
export const PROPAGATOR_NAMES: readonly PropagatorName[] = [
  'tracecontext',
  'baggage',
  'b3',
  'b3multi',
  'jaeger',
];

/**
 * Resource detectors. `host` includes the `os.*` attributes and `service` the random
 * `service.instance.id`, as in the SDK's current naming; `os`, `serviceinstance` and `env` are
 * accepted as the older names. OTEL_RESOURCE_ATTRIBUTES is always read.
 */
export type ResourceDetectorName =
  | 'host'
  | 'os'
  | 'process'
  | 'container'
  | 'service';

export type AttributeValue =
  | string
  | number
  | boolean
  | string[]
  | number[]
  | boolean[];

export interface ResourceConfig {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** OTEL_RESOURCE_ATTRIBUTES (or the file's resource attributes), below service.name/version. */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly detectors: readonly ResourceDetectorName[];
}

/**
 * Which code makes HTTP server spans: `lean`, the library's own (http-server.ts, with the Express
 * route from express-route.ts), or `upstream`, `@opentelemetry/instrumentation-http` and
 * `-express`. Same spans either way (the conformance suite checks it); `lean` costs less per
 * request, most of all for requests the sampler turns down. Outgoing requests always go through
 * the upstream HTTP instrumentation.
 */
export type HttpInstrumentationKind = 'lean' | 'upstream';
export const HTTP_INSTRUMENTATION_KINDS: readonly HttpInstrumentationKind[] = [
  'lean',
  'upstream',
];

/** What the HTTP server spans believe and record about requests from outside. */
export interface HttpConfig {
  /** Which instrumentation makes server spans (TELEMETRY_HTTP_INSTRUMENTATION). */
  readonly instrumentation: HttpInstrumentationKind;
  /** Query parameters whose values are replaced by REDACTED (case-, `-`- and `_`-insensitive). */
  readonly redactedQueryParams: readonly string[];
  /**
   * Continue the caller's trace (traceparent, b3…). false, for a service facing the public:
   * every request starts a new trace and links to the caller's context instead.
   */
  readonly trustIncomingContext: boolean;
  /** Peers (IPs or CIDRs) whose X-Forwarded-For is believed for `client.address`. */
  readonly trustedProxies: readonly string[];
}

export type DiagLevelName =
  | 'none'
  | 'error'
  | 'warn'
  | 'info'
  | 'debug'
  | 'verbose'
  | 'all';

export interface TelemetryConfig {
  /** Where the configuration came from. */
  readonly source:
    | { readonly kind: 'environment' }
    | { readonly kind: 'file'; readonly path: string };
  /** OTEL_SDK_DISABLED / `disabled: true`: no-op tracer and meter, nothing patched or exported. */
  readonly disabled: boolean;
  /** SDK diagnostics (OTEL_LOG_LEVEL); undefined keeps them off. */
  readonly diagLevel?: DiagLevelName;
  readonly resource: ResourceConfig;
  /** Empty: no propagation (`none`). */
  readonly propagators: readonly PropagatorName[];
  readonly traces: TracesConfig;
  readonly metrics: MetricsConfig;
  readonly logs: LogsConfig;
  readonly http: HttpConfig;
  /** Instrumentation package suffixes (`http`, `express`, `pino`, `pg`, …). */
  readonly instrumentations: readonly string[];
  /** Things worth one line at start that do not stop it (unused OTEL_* variables, …). */
  readonly notes: readonly string[];
}

// ---- defaults: the seed's where it has one, the specification's otherwise ----

/** The seed sends traces over OTLP/gRPC to a local collector (the specification says HTTP). */
export const DEFAULT_PROTOCOL: OtlpProtocol = 'grpc';
export const DEFAULT_GRPC_ENDPOINT = 'http://localhost:4317';
export const DEFAULT_HTTP_ENDPOINT = 'http://localhost:4318';
export const DEFAULT_OTLP_TIMEOUT_MS = 10_000;

/** The specification's, except a 1 s delay: traces show up in Jaeger sooner, at trivial cost. */
export const DEFAULT_BSP: BatchProcessorConfig = {
  kind: 'batch',
  scheduledDelayMillis: 1000,
  exportTimeoutMillis: 30_000,
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
};
export const DEFAULT_BLRP: BatchProcessorConfig = {
  kind: 'batch',
  scheduledDelayMillis: 1000,
  exportTimeoutMillis: 30_000,
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
};

export const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 60_000;
export const DEFAULT_METRIC_EXPORT_TIMEOUT_MS = 30_000;
export const DEFAULT_PROMETHEUS_HOST = 'localhost';
export const DEFAULT_PROMETHEUS_PORT = 9464;

/**
 * Attribute values are capped at 4 KiB of characters by default (the specification sets no
 * limit): a 16 KiB query string or header copied into every span of a flood is how a span queue
 * and a trace store get filled with one client's input.
 */
export const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 4096;

export const DEFAULT_SPAN_LIMITS: SpanLimitsConfig = {
  attributeValueLengthLimit: DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  attributeCountLimit: 128,
  eventCountLimit: 128,
  linkCountLimit: 128,
  attributePerEventCountLimit: 128,
  attributePerLinkCountLimit: 128,
};
export const DEFAULT_LOG_LIMITS: LogRecordLimitsConfig = {
  attributeValueLengthLimit: DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  attributeCountLimit: 128,
};

export const DEFAULT_PROPAGATORS: readonly PropagatorName[] = [
  'tracecontext',
  'baggage',
];
export const DEFAULT_SAMPLER: SamplerConfig = {
  type: 'parentbased',
  root: { type: 'always_on' },
};
/** host (+os), process, and a per-process service.instance.id. */
export const DEFAULT_DETECTORS: readonly ResourceDetectorName[] = [
  'host',
  'os',
  'process',
  'service',
];
/** What an Express service needs; anything else comes from auto-instrumentations-node. */
export const DEFAULT_INSTRUMENTATIONS: readonly string[] = ['http', 'express'];
