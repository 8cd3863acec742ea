/**
 * The configuration model from environment variables: the OpenTelemetry SDK environment
 * specification, the Node-specific OTEL_NODE_* variables, and the seed tutorial's
 * APP_SERVICE_NAME and TRACE_ENDPOINT at the lowest precedence. Pure (env in, config out).
 */
import { invalidValue } from './errors.js';
import { resolveHttpFromEnv } from './http-env.js';
import { knownVariable } from './known-variables.js';
import {
  DEFAULT_BLRP,
  DEFAULT_BSP,
  DEFAULT_DETECTORS,
  DEFAULT_INSTRUMENTATIONS,
  DEFAULT_LOG_LIMITS,
  DEFAULT_METRIC_EXPORT_INTERVAL_MS,
  DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
  DEFAULT_PROMETHEUS_HOST,
  DEFAULT_PROMETHEUS_PORT,
  DEFAULT_PROPAGATORS,
  DEFAULT_SAMPLER,
  DEFAULT_SPAN_LIMITS,
  PROPAGATOR_NAMES,
  type BatchProcessorConfig,
  type DiagLevelName,
  type ExporterConfig,
  type HistogramAggregation,
  type LogRecordLimitsConfig,
  type LogsConfig,
  type MetricReaderConfig,
  type MetricsConfig,
  type PipelineConfig,
  type PropagatorName,
  type ResourceConfig,
  type ResourceDetectorName,
  type SamplerConfig,
  type Signal,
  type SpanLimitsConfig,
  type TelemetryConfig,
  type TemporalityPreference,
  type TracesConfig,
} from './model.js';
import { resolveOtlpFromEnv } from './otlp-env.js';
import {
  parseBoolean,
  parseEnum,
  parseEnumList,
  parseInteger,
  parseKeyValueList,
  parseMillis,
  parseRatio,
  readEnv,
  readFirst,
  type Env,
} from './values.js';

export interface ConfigDefaults {
  /** Used when neither OTEL_SERVICE_NAME, APP_SERVICE_NAME nor the resource names the service. */
  readonly serviceName: string;
  readonly serviceVersion?: string;
}

/** The seed tutorial's variable for the service name. */
export const SEED_SERVICE_NAME = 'APP_SERVICE_NAME';

export function resolveConfigFromEnv(
  env: Env,
  defaults: ConfigDefaults,
): TelemetryConfig {
  const notes: string[] = [];
  const logs = resolveLogs(env);
  const config: TelemetryConfig = {
    source: { kind: 'environment' },
    disabled: resolveDisabled(env),
    diagLevel: resolveDiagLevel(env),
    resource: resolveResource(env, defaults),
    propagators: resolvePropagators(env, notes),
    traces: resolveTraces(env, notes),
    metrics: resolveMetrics(env),
    logs,
    http: resolveHttpFromEnv(env),
    instrumentations: resolveInstrumentations(env, logs.pipelines.length > 0),
    notes,
  };
  validateUnusedSettings(env);
  notes.push(
    ...tlsNotes(config),
    ...idleSettingNotes(env, config),
    ...unusedVariableNotes(env),
  );
  return config;
}

/**
 * Settings for a part that is not switched on (OTLP settings of a signal exported otherwise, push
 * intervals with Prometheus only, log batching with no logs exporter) are still checked: a bad value
 * should fail today, not the day someone turns that part on.
 */
function validateUnusedSettings(env: Env): void {
  for (const signal of ['traces', 'metrics', 'logs'] as const)
    resolveOtlpFromEnv(env, signal);
  resolveExportInterval(env);
  resolveBatch(env, 'OTEL_BSP', DEFAULT_BSP);
  resolveBatch(env, 'OTEL_BLRP', DEFAULT_BLRP);
  resolvePrometheus(env);
  metricPreferences(env);
}

// ---- general ----

export function resolveDisabled(env: Env): boolean {
  const raw = readEnv(env, 'OTEL_SDK_DISABLED');
  return raw === undefined ? false : parseBoolean('OTEL_SDK_DISABLED', raw);
}

const DIAG_LEVELS: readonly DiagLevelName[] = [
  'none',
  'error',
  'warn',
  'info',
  'debug',
  'verbose',
  'all',
];

function resolveDiagLevel(env: Env): DiagLevelName | undefined {
  const raw = readEnv(env, 'OTEL_LOG_LEVEL');
  return raw === undefined
    ? undefined
    : parseEnum('OTEL_LOG_LEVEL', raw, DIAG_LEVELS);
}

/** option > OTEL_SERVICE_NAME > APP_SERVICE_NAME > service.name in OTEL_RESOURCE_ATTRIBUTES > default. */
export function resolveServiceName(
  env: Env,
  attributes: Readonly<Record<string, unknown>>,
  fallback: string,
): string {
  const fromAttributes = attributes['service.name'];
  return (
    readFirst(env, 'OTEL_SERVICE_NAME', SEED_SERVICE_NAME)?.value ??
    (typeof fromAttributes === 'string' && fromAttributes.trim()
      ? fromAttributes.trim()
      : fallback)
  );
}

const DETECTOR_WORDS = [
  'env',
  'host',
  'os',
  'process',
  'container',
  'service',
  'serviceinstance',
  'all',
  'none',
] as const;

export function resolveDetectors(env: Env): ResourceDetectorName[] {
  const raw = readEnv(env, 'OTEL_NODE_RESOURCE_DETECTORS');
  if (raw === undefined) return [...DEFAULT_DETECTORS];
  const words = parseEnumList(
    'OTEL_NODE_RESOURCE_DETECTORS',
    raw,
    DETECTOR_WORDS,
  );
  if (words.includes('all'))
    return ['host', 'os', 'process', 'container', 'service'];
  const detectors = new Set<ResourceDetectorName>();
  for (const word of words) {
    switch (word) {
      case 'host': // the SDK's current name covers host.* and os.*
        detectors.add('host').add('os');
        break;
      case 'serviceinstance':
      case 'service':
        detectors.add('service');
        break;
      case 'os':
      case 'process':
      case 'container':
        detectors.add(word);
        break;
      // 'env' (OTEL_RESOURCE_ATTRIBUTES is always read) and 'none' add nothing
    }
  }
  return [...detectors];
}

function resolveResource(env: Env, defaults: ConfigDefaults): ResourceConfig {
  const raw = readEnv(env, 'OTEL_RESOURCE_ATTRIBUTES');
  const attributes =
    raw === undefined ? {} : parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', raw);
  return {
    serviceName: resolveServiceName(env, attributes, defaults.serviceName),
    serviceVersion: defaults.serviceVersion,
    attributes,
    detectors: resolveDetectors(env),
  };
}

function resolvePropagators(env: Env, notes: string[]): PropagatorName[] {
  const raw = readEnv(env, 'OTEL_PROPAGATORS');
  if (raw === undefined) return [...DEFAULT_PROPAGATORS];
  const names = parseEnumList('OTEL_PROPAGATORS', raw, [
    ...PROPAGATOR_NAMES,
    'none',
  ] as const);
  if (names.includes('jaeger'))
    notes.push(
      'OTEL_PROPAGATORS: the jaeger propagator is deprecated by the OpenTelemetry specification; keep it only while services with Jaeger clients still send uber-trace-id',
    );
  return names.filter((name): name is PropagatorName => name !== 'none');
}

// ---- traces ----

const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export function resolveSampler(env: Env, notes: string[] = []): SamplerConfig {
  const raw = readEnv(env, 'OTEL_TRACES_SAMPLER');
  const arg = readEnv(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (raw === undefined) {
    if (arg !== undefined)
      notes.push(
        'OTEL_TRACES_SAMPLER_ARG is set but OTEL_TRACES_SAMPLER is not; the default sampler parentbased_always_on takes no argument',
      );
    return DEFAULT_SAMPLER;
  }
  const name = parseEnum('OTEL_TRACES_SAMPLER', raw, SAMPLER_NAMES);
  const ratio = () =>
    arg === undefined ? 1 : parseRatio('OTEL_TRACES_SAMPLER_ARG', arg);
  if (!name.endsWith('traceidratio') && arg !== undefined)
    notes.push(
      `OTEL_TRACES_SAMPLER_ARG is set but the sampler ${name} takes no argument`,
    );
  switch (name) {
    case 'always_on':
    case 'always_off':
      return { type: name };
    case 'traceidratio':
      return { type: 'traceidratio', ratio: ratio() };
    case 'parentbased_always_on':
      return { type: 'parentbased', root: { type: 'always_on' } };
    case 'parentbased_always_off':
      return { type: 'parentbased', root: { type: 'always_off' } };
    case 'parentbased_traceidratio':
      return {
        type: 'parentbased',
        root: { type: 'traceidratio', ratio: ratio() },
      };
  }
}

/**
 * OTEL_BSP_* / OTEL_BLRP_*. A batch larger than the queue is refused when both were set, and
 * clamped to the queue when only the queue was (the batch size then is the default, not a wish).
 */
export function resolveBatch(
  env: Env,
  prefix: 'OTEL_BSP' | 'OTEL_BLRP',
  defaults: BatchProcessorConfig,
): BatchProcessorConfig {
  const millis = (name: string, fallback: number) => {
    const raw = readEnv(env, name);
    return raw === undefined ? fallback : parseMillis(name, raw);
  };
  const count = (name: string, fallback: number) => {
    const raw = readEnv(env, name);
    return raw === undefined ? fallback : parseInteger(name, raw, { min: 1 });
  };
  const batchVariable = `${prefix}_MAX_EXPORT_BATCH_SIZE`;
  const maxQueueSize = count(`${prefix}_MAX_QUEUE_SIZE`, defaults.maxQueueSize);
  let maxExportBatchSize = count(batchVariable, defaults.maxExportBatchSize);
  if (maxExportBatchSize > maxQueueSize) {
    if (readEnv(env, batchVariable) !== undefined)
      throw invalidValue(
        batchVariable,
        String(maxExportBatchSize),
        `must not exceed ${prefix}_MAX_QUEUE_SIZE (${maxQueueSize})`,
      );
    maxExportBatchSize = maxQueueSize;
  }
  return {
    kind: 'batch',
    scheduledDelayMillis: millis(
      `${prefix}_SCHEDULE_DELAY`,
      defaults.scheduledDelayMillis,
    ),
    exportTimeoutMillis: millis(
      `${prefix}_EXPORT_TIMEOUT`,
      defaults.exportTimeoutMillis,
    ),
    maxQueueSize,
    maxExportBatchSize,
  };
}

/** The first set variable of `names` as a non-negative integer, else `fallback`. */
function limit<F extends number | undefined>(
  env: Env,
  names: string[],
  fallback: F,
): number | F {
  const set = readFirst(env, ...names);
  return set ? parseInteger(set.name, set.value) : fallback;
}

export function resolveSpanLimits(env: Env): SpanLimitsConfig {
  const d = DEFAULT_SPAN_LIMITS;
  return {
    attributeValueLengthLimit: limit(
      env,
      [
        'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
        'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
      ],
      d.attributeValueLengthLimit,
    ),
    attributeCountLimit: limit(
      env,
      ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'],
      d.attributeCountLimit,
    ),
    eventCountLimit: limit(
      env,
      ['OTEL_SPAN_EVENT_COUNT_LIMIT'],
      d.eventCountLimit,
    ),
    linkCountLimit: limit(
      env,
      ['OTEL_SPAN_LINK_COUNT_LIMIT'],
      d.linkCountLimit,
    ),
    attributePerEventCountLimit: limit(
      env,
      ['OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT'],
      d.attributePerEventCountLimit,
    ),
    attributePerLinkCountLimit: limit(
      env,
      ['OTEL_LINK_ATTRIBUTE_COUNT_LIMIT'],
      d.attributePerLinkCountLimit,
    ),
  };
}

function resolveLogLimits(env: Env): LogRecordLimitsConfig {
  return {
    attributeValueLengthLimit: limit(
      env,
      [
        'OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT',
        'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
      ],
      DEFAULT_LOG_LIMITS.attributeValueLengthLimit,
    ),
    attributeCountLimit: limit(
      env,
      ['OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'],
      DEFAULT_LOG_LIMITS.attributeCountLimit,
    ),
  };
}

/** `otlp` and `console` exporters, each in the processor the specification pairs it with. */
function pipelines(
  env: Env,
  signal: 'traces' | 'logs',
  kinds: readonly ('otlp' | 'console' | 'none')[],
  batch: BatchProcessorConfig,
): PipelineConfig[] {
  return kinds.flatMap((kind): PipelineConfig[] => {
    switch (kind) {
      case 'otlp':
        return [
          {
            exporter: { kind: 'otlp', otlp: resolveOtlpFromEnv(env, signal) },
            processor: batch,
          },
        ];
      case 'console':
        return [
          { exporter: { kind: 'console' }, processor: { kind: 'simple' } },
        ];
      case 'none':
        return [];
    }
  });
}

function resolveTraces(env: Env, notes: string[]): TracesConfig {
  const raw = readEnv(env, 'OTEL_TRACES_EXPORTER');
  const kinds = raw
    ? parseEnumList('OTEL_TRACES_EXPORTER', raw, [
        'otlp',
        'console',
        'none',
      ] as const)
    : (['otlp'] as const);
  return {
    pipelines: pipelines(
      env,
      'traces',
      kinds,
      resolveBatch(env, 'OTEL_BSP', DEFAULT_BSP),
    ),
    sampler: resolveSampler(env, notes),
    limits: resolveSpanLimits(env),
  };
}

// ---- metrics ----

const TEMPORALITIES: readonly TemporalityPreference[] = [
  'cumulative',
  'delta',
  'lowmemory',
];
const HISTOGRAM_AGGREGATIONS: readonly HistogramAggregation[] = [
  'explicit_bucket_histogram',
  'base2_exponential_bucket_histogram',
];

/**
 * OTEL_METRIC_EXPORT_INTERVAL/_TIMEOUT. A timeout longer than the interval cannot work (the
 * reader refuses it): refused when both were set, clamped to the interval when only the interval
 * was (the timeout is then the 30 s default, not a choice).
 */
export function resolveExportInterval(env: Env): {
  exportIntervalMillis: number;
  exportTimeoutMillis: number;
} {
  const intervalRaw = readEnv(env, 'OTEL_METRIC_EXPORT_INTERVAL');
  const timeoutRaw = readEnv(env, 'OTEL_METRIC_EXPORT_TIMEOUT');
  const exportIntervalMillis =
    intervalRaw === undefined
      ? DEFAULT_METRIC_EXPORT_INTERVAL_MS
      : parseMillis('OTEL_METRIC_EXPORT_INTERVAL', intervalRaw);
  let exportTimeoutMillis =
    timeoutRaw === undefined
      ? DEFAULT_METRIC_EXPORT_TIMEOUT_MS
      : parseMillis('OTEL_METRIC_EXPORT_TIMEOUT', timeoutRaw);
  if (exportTimeoutMillis > exportIntervalMillis) {
    if (timeoutRaw !== undefined)
      throw invalidValue(
        'OTEL_METRIC_EXPORT_TIMEOUT',
        timeoutRaw,
        `must not exceed OTEL_METRIC_EXPORT_INTERVAL (${exportIntervalMillis} ms)`,
      );
    exportTimeoutMillis = exportIntervalMillis;
  }
  return { exportIntervalMillis, exportTimeoutMillis };
}

function resolvePrometheus(env: Env): MetricReaderConfig {
  const host = readEnv(env, 'OTEL_EXPORTER_PROMETHEUS_HOST');
  const portRaw = readEnv(env, 'OTEL_EXPORTER_PROMETHEUS_PORT');
  if (host === undefined && portRaw === undefined)
    return { kind: 'prometheus' };
  if (host !== undefined && /\s/.test(host))
    throw invalidValue(
      'OTEL_EXPORTER_PROMETHEUS_HOST',
      host,
      'must be a host name or IP address to bind',
    );
  return {
    kind: 'prometheus',
    host: host ?? DEFAULT_PROMETHEUS_HOST,
    port:
      portRaw === undefined
        ? DEFAULT_PROMETHEUS_PORT
        : parseInteger('OTEL_EXPORTER_PROMETHEUS_PORT', portRaw, {
            min: 1,
            max: 65535,
          }),
  };
}

function resolveExemplarFilter(env: Env): void {
  const raw = readEnv(env, 'OTEL_METRICS_EXEMPLAR_FILTER');
  if (raw === undefined) return;
  const filter = parseEnum('OTEL_METRICS_EXEMPLAR_FILTER', raw, [
    'always_off',
    'always_on',
    'trace_based',
  ] as const);
  if (filter !== 'always_off')
    throw invalidValue(
      'OTEL_METRICS_EXEMPLAR_FILTER',
      raw,
      'the OpenTelemetry JS metrics SDK records no exemplars; only always_off can be honoured',
    );
}

/** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE and _DEFAULT_HISTOGRAM_AGGREGATION. */
function metricPreferences(env: Env): {
  temporality: TemporalityPreference;
  histogramAggregation: HistogramAggregation;
} {
  const temporalityRaw = readEnv(
    env,
    'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
  );
  const histogramRaw = readEnv(
    env,
    'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION',
  );
  return {
    temporality:
      temporalityRaw === undefined
        ? 'cumulative'
        : parseEnum(
            'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
            temporalityRaw,
            TEMPORALITIES,
          ),
    histogramAggregation:
      histogramRaw === undefined
        ? 'explicit_bucket_histogram'
        : parseEnum(
            'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION',
            histogramRaw,
            HISTOGRAM_AGGREGATIONS,
          ),
  };
}

function resolveMetrics(env: Env): MetricsConfig {
  resolveExemplarFilter(env);
  const raw = readEnv(env, 'OTEL_METRICS_EXPORTER');
  const kinds = raw
    ? parseEnumList('OTEL_METRICS_EXPORTER', raw, [
        'prometheus',
        'otlp',
        'console',
        'none',
      ] as const)
    : (['prometheus'] as const);
  const periodic = (exporter: ExporterConfig): MetricReaderConfig => ({
    kind: 'periodic',
    exporter,
    ...resolveExportInterval(env),
    ...metricPreferences(env),
  });
  return {
    readers: kinds.flatMap((kind): MetricReaderConfig[] => {
      switch (kind) {
        case 'prometheus':
          return [resolvePrometheus(env)];
        case 'otlp':
          return [
            periodic({
              kind: 'otlp',
              otlp: resolveOtlpFromEnv(env, 'metrics'),
            }),
          ];
        case 'console':
          return [periodic({ kind: 'console' })];
        case 'none':
          return [];
      }
    }),
  };
}

// ---- logs ----

/** The seed has no logs signal: unlike the specification's `otlp`, the default is `none`. */
function resolveLogs(env: Env): LogsConfig {
  const raw = readEnv(env, 'OTEL_LOGS_EXPORTER');
  const kinds = raw
    ? parseEnumList('OTEL_LOGS_EXPORTER', raw, [
        'otlp',
        'console',
        'none',
      ] as const)
    : (['none'] as const);
  return {
    pipelines: pipelines(
      env,
      'logs',
      kinds,
      resolveBatch(env, 'OTEL_BLRP', DEFAULT_BLRP),
    ),
    limits: resolveLogLimits(env),
  };
}

// ---- instrumentations ----

/**
 * OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS, by the package-suffix
 * names of @opentelemetry/auto-instrumentations-node (`http,express,pg`). Default: http and
 * express, plus pino when a logs exporter is set (it is what turns the app's pino lines into log
 * records).
 */
export function resolveInstrumentations(
  env: Env,
  logsExported: boolean,
): string[] {
  const list = (name: string) =>
    (readEnv(env, name) ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
  for (const name of [
    'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
    'OTEL_NODE_DISABLED_INSTRUMENTATIONS',
  ]) {
    const bad = list(name).find(
      (entry) => !/^[a-z0-9][a-z0-9.-]*$/.test(entry),
    );
    if (bad !== undefined)
      throw invalidValue(
        name,
        readEnv(env, name),
        `${JSON.stringify(bad)} is not an instrumentation name (package suffixes such as http, express, pg)`,
      );
  }
  const enabled = list('OTEL_NODE_ENABLED_INSTRUMENTATIONS');
  const disabled = new Set(list('OTEL_NODE_DISABLED_INSTRUMENTATIONS'));
  const chosen = enabled.length > 0 ? enabled : [...DEFAULT_INSTRUMENTATIONS];
  if (logsExported && enabled.length === 0) chosen.push('pino');
  return [...new Set(chosen)].filter((name) => !disabled.has(name));
}

// ---- notes ----

function signalName(signal: Signal): string {
  return signal === 'traces'
    ? 'trace'
    : signal === 'metrics'
      ? 'metric'
      : 'log';
}

/** Certificates named for an endpoint that uses no TLS are not used: say so once. */
function tlsNotes(config: TelemetryConfig): string[] {
  const otlps: Array<{ signal: Signal; exporter: ExporterConfig }> = [
    ...config.traces.pipelines.map((p) => ({
      signal: 'traces' as const,
      exporter: p.exporter,
    })),
    ...config.metrics.readers.flatMap((r) =>
      r.kind === 'periodic'
        ? [{ signal: 'metrics' as const, exporter: r.exporter }]
        : [],
    ),
    ...config.logs.pipelines.map((p) => ({
      signal: 'logs' as const,
      exporter: p.exporter,
    })),
  ];
  return otlps.flatMap(({ signal, exporter }) => {
    if (exporter.kind !== 'otlp' || exporter.otlp.tls.secure) return [];
    const { ca, clientKey, clientCertificate } = exporter.otlp.tls;
    const unused = [ca, clientKey, clientCertificate].filter(
      (ref) => ref !== undefined,
    );
    return unused.length === 0
      ? []
      : [
          `${unused.map((ref) => ref.source).join(', ')} not used for ${signalName(signal)} export: its endpoint does not use TLS (use https:// to turn it on)`,
        ];
  });
}

/**
 * Valid settings for a part that is off: worth a line, because whoever set them expected an
 * effect (OTEL_METRIC_EXPORT_INTERVAL with OTEL_METRICS_EXPORTER=prometheus, say).
 */
function idleSettingNotes(env: Env, config: TelemetryConfig): string[] {
  const setNames = (match: (name: string) => boolean) =>
    Object.keys(env)
      .filter((name) => match(name) && readEnv(env, name) !== undefined)
      .sort();
  const otlp = (signal: Signal) =>
    [
      ...config.traces.pipelines.map((p) => ({
        signal: 'traces',
        e: p.exporter,
      })),
      ...config.metrics.readers.flatMap((r) =>
        r.kind === 'periodic' ? [{ signal: 'metrics', e: r.exporter }] : [],
      ),
      ...config.logs.pipelines.map((p) => ({ signal: 'logs', e: p.exporter })),
    ].some((x) => x.signal === signal && x.e.kind === 'otlp');
  const anyOtlp = otlp('traces') || otlp('metrics') || otlp('logs');
  const GENERIC_OTLP =
    /^OTEL_EXPORTER_OTLP_(ENDPOINT|PROTOCOL|HEADERS|COMPRESSION|TIMEOUT|CERTIFICATE|CLIENT_KEY|CLIENT_CERTIFICATE|INSECURE)$/;
  const checks: Array<{ idle: boolean; names: string[]; why: string }> = [
    ...(['traces', 'metrics', 'logs'] as const).map((signal) => ({
      idle: !otlp(signal),
      names: setNames((n) =>
        n.startsWith(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_`),
      ),
      why: `${signal} are not exported over OTLP`,
    })),
    {
      idle: !anyOtlp,
      names: setNames((n) => GENERIC_OTLP.test(n)),
      why: 'no signal is exported over OTLP',
    },
    {
      idle: !config.metrics.readers.some((r) => r.kind === 'periodic'),
      names: setNames((n) => n.startsWith('OTEL_METRIC_EXPORT_')),
      why: 'no metrics are pushed (OTEL_METRICS_EXPORTER has no otlp or console)',
    },
    {
      idle: config.logs.pipelines.length === 0,
      names: setNames(
        (n) => n.startsWith('OTEL_BLRP_') || n.startsWith('OTEL_LOGRECORD_'),
      ),
      why: 'no logs are exported (OTEL_LOGS_EXPORTER)',
    },
    {
      idle: !config.metrics.readers.some((r) => r.kind === 'prometheus'),
      names: setNames((n) => n.startsWith('OTEL_EXPORTER_PROMETHEUS_')),
      why: 'OTEL_METRICS_EXPORTER has no prometheus',
    },
  ];
  return checks
    .filter((check) => check.idle && check.names.length > 0)
    .map((check) => `${check.names.join(', ')} set but not used: ${check.why}`);
}

/** OTEL_* variables that are set but that nothing reads: typos, or settings for another SDK. */
export function unusedVariableNotes(env: Env): string[] {
  const unused = Object.keys(env)
    .filter(
      (name) => name.startsWith('OTEL_') && readEnv(env, name) !== undefined,
    )
    .filter((name) => !knownVariable(name))
    .sort();
  return unused.length === 0
    ? []
    : [
        `not used by @otel-dice/telemetry (misspelt, or meant for another SDK): ${unused.join(', ')}`,
      ];
}
