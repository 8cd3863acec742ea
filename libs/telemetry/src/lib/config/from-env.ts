/**
 * The environment mapped onto the configuration model (model.ts): the OpenTelemetry SDK
 * environment-variable specification, the Node-specific OTEL_NODE_* variables, the library's
 * TELEMETRY_HTTP_* (http-env.ts) and TELEMETRY_PROMETHEUS_* (prometheus-env.ts) variables, and
 * the seed tutorial's APP_SERVICE_NAME and TRACE_ENDPOINT at the lowest precedence. Pure (env
 * in, model out).
 *
 * Every value is checked here, where the variable it came from is known: an unusable one throws
 * a TelemetryConfigError naming the variable. What the schema cannot say in its own words (the
 * app-port Prometheus reader, the edge rules, the instrumentations, how `/metrics` is served)
 * goes into the extension.
 */
import type {
  ConfigurationModel,
  PushMetricExporterConfigModel,
} from '@opentelemetry/configuration';
import { invalidValue } from './errors.js';
import {
  DEFAULT_EDGE,
  redactedQueryParams,
  resolveHttpFromEnv,
} from './http-env.js';
import { checkedByName, knownVariable } from './known-variables.js';
import {
  DEFAULT_BATCH,
  DEFAULT_INSTRUMENTATIONS,
  DEFAULT_LOG_LIMITS,
  DEFAULT_METRIC_EXPORT_INTERVAL_MS,
  DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
  DEFAULT_PROMETHEUS_HOST,
  DEFAULT_PROMETHEUS_PORT,
  DEFAULT_SAMPLER,
  DEFAULT_SPAN_LIMITS,
  EXTENSION,
  PROPAGATOR_NAMES,
  type BatchModel,
  type DetectorName,
  type ExporterModel,
  type ProcessorModel,
  type SamplerModel,
  type Signal,
  type TelemetryConfig,
} from './model.js';
import { resolveOtlpFromEnv } from './otlp-env.js';
import { prometheusFromEnv } from './prometheus-env.js';
import { DEFAULT_TRACER, resolveTracerFromEnv } from './tracer-env.js';
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

/** The seed tutorial's variable for the service name (resolve.ts decides the name). */
export const SEED_SERVICE_NAME = 'APP_SERVICE_NAME';

/** Key path → variable, for messages about a setting after it has been mapped. */
type Sources = Record<string, string>;

export function configFromEnv(env: Env): TelemetryConfig {
  const notes: string[] = [];
  const sources: Sources = {};
  const logs = resolveLogs(env, sources);
  const meter = resolveMetrics(env, sources);
  const exemplars = meter.provider.exemplar_filter;
  // Exemplars are extra data, not a change to the data asked for: without them every stream is
  // the same. So a filter that asks for some is a warning, not a refusal.
  if (exemplars && exemplars !== 'always_off')
    notes.push(
      `OTEL_METRICS_EXEMPLAR_FILTER is ${exemplars}, which cannot be honoured: the OpenTelemetry JS metrics SDK records no exemplars`,
    );
  const http = resolveHttpFromEnv(env);
  const tracer = resolveTracerFromEnv(env) ?? DEFAULT_TRACER;
  const prometheus = prometheusFromEnv(env);
  Object.assign(sources, prometheus.sources);
  const config: TelemetryConfig = {
    disabled: resolveDisabled(env),
    ...logLevel(env),
    resource: resolveResource(env),
    propagator: { composite: resolvePropagators(env, notes) },
    attribute_limits: {
      attribute_value_length_limit: limit(
        env,
        ['OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'],
        DEFAULT_SPAN_LIMITS.attribute_value_length_limit,
      ),
      attribute_count_limit: limit(
        env,
        ['OTEL_ATTRIBUTE_COUNT_LIMIT'],
        DEFAULT_SPAN_LIMITS.attribute_count_limit,
      ),
    },
    tracer_provider: resolveTraces(env, notes, sources),
    meter_provider: meter.provider,
    logger_provider: logs,
    'instrumentation/development': {
      general: {
        sanitization: {
          url: {
            sensitive_query_parameters: redactedQueryParams(
              undefined,
              http.extraRedactedQueryParams,
            ),
          },
        },
      },
    },
    distribution: {
      [EXTENSION]: {
        http: { ...DEFAULT_EDGE, ...http.edge },
        tracer,
        instrumentations: resolveInstrumentations(
          env,
          logs.processors.length > 0,
        ),
        prometheus_on_app_port: meter.onAppPort,
        prometheus: prometheus.settings,
        source: { kind: 'environment' },
        sources,
        notes,
      },
    },
  };
  validateUnusedSettings(env);
  notes.push(...idleSettingNotes(env, config), ...unusedVariableNotes(env));
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
  resolveBatch(env, 'OTEL_BSP');
  resolveBatch(env, 'OTEL_BLRP');
  resolvePrometheus(env);
  metricPreferences(env);
}

// ---- general ----

export function resolveDisabled(env: Env): boolean {
  const raw = readEnv(env, 'OTEL_SDK_DISABLED');
  return raw === undefined ? false : parseBoolean('OTEL_SDK_DISABLED', raw);
}

const DIAG_LEVELS = [
  'none',
  'error',
  'warn',
  'info',
  'debug',
  'verbose',
  'all',
] as const;

/**
 * OTEL_LOG_LEVEL as the schema's `log_level`. Unset and `none` leave it out: then the SDK's
 * diagnostics stay off (diagnostics.ts), which is what an app that did not ask wants.
 */
function logLevel(env: Env): Pick<ConfigurationModel, 'log_level'> {
  const raw = readEnv(env, 'OTEL_LOG_LEVEL');
  if (raw === undefined) return {};
  const level = parseEnum('OTEL_LOG_LEVEL', raw, DIAG_LEVELS);
  if (level === 'none') return {};
  return {
    log_level: level === 'verbose' || level === 'all' ? 'trace' : level,
  };
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

/** OTEL_NODE_RESOURCE_DETECTORS; by default host (+os), process and service.instance.id. */
export function resolveDetectors(env: Env): DetectorName[] {
  const raw = readEnv(env, 'OTEL_NODE_RESOURCE_DETECTORS');
  if (raw === undefined) return ['host', 'process', 'service'];
  const words = parseEnumList(
    'OTEL_NODE_RESOURCE_DETECTORS',
    raw,
    DETECTOR_WORDS,
  );
  if (words.includes('all')) return ['host', 'process', 'container', 'service'];
  const detectors = new Set<DetectorName>();
  for (const word of words) {
    switch (word) {
      case 'serviceinstance':
      case 'service':
        detectors.add('service');
        break;
      case 'host': // the SDK's current name covers host.* and os.*
      case 'os':
      case 'process':
      case 'container':
        detectors.add(word);
        break;
      // 'env' (OTEL_RESOURCE_ATTRIBUTES is always read) and 'none' add nothing
    }
  }
  // host already brings os.*
  if (detectors.has('host')) detectors.delete('os');
  return [...detectors];
}

/**
 * OTEL_RESOURCE_ATTRIBUTES and the detectors. The service name (OTEL_SERVICE_NAME,
 * APP_SERVICE_NAME, or a `service.name` given here) is decided in resolve.ts, in one place.
 */
function resolveResource(
  env: Env,
): NonNullable<ConfigurationModel['resource']> {
  const raw = readEnv(env, 'OTEL_RESOURCE_ATTRIBUTES');
  const attributes =
    raw === undefined ? {} : parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', raw);
  return {
    attributes: Object.entries(attributes).map(([name, value]) => ({
      name,
      value,
      type: 'string' as const,
    })),
    'detection/development': {
      detectors: resolveDetectors(env).map((name) => ({ [name]: {} })),
    },
  };
}

function resolvePropagators(
  env: Env,
  notes: string[],
): Array<Record<string, object>> {
  const raw = readEnv(env, 'OTEL_PROPAGATORS');
  const names =
    raw === undefined
      ? ['tracecontext', 'baggage']
      : parseEnumList('OTEL_PROPAGATORS', raw, [
          ...PROPAGATOR_NAMES,
          'none',
        ] as const);
  if (names.includes('jaeger'))
    notes.push(
      'OTEL_PROPAGATORS: the jaeger propagator is deprecated by the OpenTelemetry specification; keep it only while services with Jaeger clients still send uber-trace-id',
    );
  return names
    .filter((name) => name !== 'none')
    .map((name) => ({ [name]: {} }));
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

export function resolveSampler(env: Env, notes: string[] = []): SamplerModel {
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
  const ratio = () => ({
    trace_id_ratio_based: {
      ratio: arg === undefined ? 1 : parseRatio('OTEL_TRACES_SAMPLER_ARG', arg),
    },
  });
  if (!name.endsWith('traceidratio') && arg !== undefined)
    notes.push(
      `OTEL_TRACES_SAMPLER_ARG is set but the sampler ${name} takes no argument`,
    );
  switch (name) {
    case 'always_on':
    case 'always_off':
      return { [name]: {} };
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_on':
      return { parent_based: { root: { always_on: {} } } };
    case 'parentbased_always_off':
      return { parent_based: { root: { always_off: {} } } };
    case 'parentbased_traceidratio':
      return { parent_based: { root: ratio() } };
  }
}

/**
 * OTEL_BSP_* / OTEL_BLRP_* as a batch processor's settings. A batch larger than the queue is
 * refused when both were set, and clamped to the queue when only the queue was (the batch size
 * then is the default, not a wish).
 */
export function resolveBatch(
  env: Env,
  prefix: 'OTEL_BSP' | 'OTEL_BLRP',
): Omit<BatchModel, 'exporter'> {
  const millis = (name: string, fallback: number) => {
    const raw = readEnv(env, name);
    return raw === undefined ? fallback : parseMillis(name, raw);
  };
  const count = (name: string, fallback: number) => {
    const raw = readEnv(env, name);
    return raw === undefined ? fallback : parseInteger(name, raw, { min: 1 });
  };
  const batchVariable = `${prefix}_MAX_EXPORT_BATCH_SIZE`;
  const maxQueueSize = count(
    `${prefix}_MAX_QUEUE_SIZE`,
    DEFAULT_BATCH.max_queue_size,
  );
  let maxExportBatchSize = count(
    batchVariable,
    DEFAULT_BATCH.max_export_batch_size,
  );
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
    schedule_delay: millis(
      `${prefix}_SCHEDULE_DELAY`,
      DEFAULT_BATCH.schedule_delay,
    ),
    export_timeout: millis(
      `${prefix}_EXPORT_TIMEOUT`,
      DEFAULT_BATCH.export_timeout,
    ),
    max_queue_size: maxQueueSize,
    max_export_batch_size: maxExportBatchSize,
  };
}

/** The first set variable of `names` as a non-negative integer, else `fallback`. */
function limit(env: Env, names: string[], fallback: number): number {
  const set = readFirst(env, ...names);
  return set ? parseInteger(set.name, set.value) : fallback;
}

export function resolveSpanLimits(
  env: Env,
): NonNullable<NonNullable<ConfigurationModel['tracer_provider']>['limits']> {
  const d = DEFAULT_SPAN_LIMITS;
  return {
    attribute_value_length_limit: limit(
      env,
      [
        'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
        'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
      ],
      d.attribute_value_length_limit,
    ),
    attribute_count_limit: limit(
      env,
      ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'],
      d.attribute_count_limit,
    ),
    event_count_limit: limit(
      env,
      ['OTEL_SPAN_EVENT_COUNT_LIMIT'],
      d.event_count_limit,
    ),
    link_count_limit: limit(
      env,
      ['OTEL_SPAN_LINK_COUNT_LIMIT'],
      d.link_count_limit,
    ),
    event_attribute_count_limit: limit(
      env,
      ['OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT'],
      d.event_attribute_count_limit,
    ),
    link_attribute_count_limit: limit(
      env,
      ['OTEL_LINK_ATTRIBUTE_COUNT_LIMIT'],
      d.link_attribute_count_limit,
    ),
  };
}

/** An OTLP exporter of the model for `signal`, its variables recorded under `key`. */
function otlpExporter(
  env: Env,
  signal: Signal,
  key: string,
  sources: Sources,
): ExporterModel {
  const { kind, settings, sources: own } = resolveOtlpFromEnv(env, signal);
  for (const [relative, variable] of Object.entries(own))
    sources[`${key}.${kind}.${relative}`] = variable;
  return { [kind]: settings };
}

/** `otlp` and `console` exporters, each in the processor the specification pairs it with. */
function processors(
  env: Env,
  signal: 'traces' | 'logs',
  key: string,
  kinds: readonly ('otlp' | 'console' | 'none')[],
  prefix: 'OTEL_BSP' | 'OTEL_BLRP',
  sources: Sources,
): ProcessorModel[] {
  return kinds
    .filter((kind) => kind !== 'none')
    .map((kind, i): ProcessorModel => {
      if (kind === 'console') return { simple: { exporter: { console: {} } } };
      const at = `${key}[${i}].batch.exporter`;
      return {
        batch: {
          ...resolveBatch(env, prefix),
          exporter: otlpExporter(env, signal, at, sources),
        },
      };
    });
}

function exporterKinds(
  env: Env,
  variable: string,
  fallback: 'otlp' | 'none',
): ('otlp' | 'console' | 'none')[] {
  const raw = readEnv(env, variable);
  return raw
    ? parseEnumList(variable, raw, ['otlp', 'console', 'none'] as const)
    : [fallback];
}

function resolveTraces(
  env: Env,
  notes: string[],
  sources: Sources,
): NonNullable<ConfigurationModel['tracer_provider']> {
  return {
    processors: processors(
      env,
      'traces',
      'tracer_provider.processors',
      exporterKinds(env, 'OTEL_TRACES_EXPORTER', 'otlp'),
      'OTEL_BSP',
      sources,
    ) as NonNullable<ConfigurationModel['tracer_provider']>['processors'],
    limits: resolveSpanLimits(env),
    sampler: resolveSampler(env, notes),
  };
}

// ---- metrics ----

/**
 * OTEL_METRIC_EXPORT_INTERVAL/_TIMEOUT. A timeout longer than the interval cannot work (the
 * reader refuses it): refused when both were set, clamped to the interval when only the interval
 * was (the timeout is then the 30 s default, not a choice).
 */
export function resolveExportInterval(env: Env): {
  interval: number;
  timeout: number;
} {
  const intervalRaw = readEnv(env, 'OTEL_METRIC_EXPORT_INTERVAL');
  const timeoutRaw = readEnv(env, 'OTEL_METRIC_EXPORT_TIMEOUT');
  const interval =
    intervalRaw === undefined
      ? DEFAULT_METRIC_EXPORT_INTERVAL_MS
      : parseMillis('OTEL_METRIC_EXPORT_INTERVAL', intervalRaw);
  let timeout =
    timeoutRaw === undefined
      ? DEFAULT_METRIC_EXPORT_TIMEOUT_MS
      : parseMillis('OTEL_METRIC_EXPORT_TIMEOUT', timeoutRaw);
  if (timeout > interval) {
    if (timeoutRaw !== undefined)
      throw invalidValue(
        'OTEL_METRIC_EXPORT_TIMEOUT',
        timeoutRaw,
        `must not exceed OTEL_METRIC_EXPORT_INTERVAL (${interval} ms)`,
      );
    timeout = interval;
  }
  return { interval, timeout };
}

/** OTEL_EXPORTER_PROMETHEUS_HOST/PORT; neither set: the app's own port (undefined). */
function resolvePrometheus(
  env: Env,
): { host: string; port: number } | undefined {
  const host = readEnv(env, 'OTEL_EXPORTER_PROMETHEUS_HOST');
  const portRaw = readEnv(env, 'OTEL_EXPORTER_PROMETHEUS_PORT');
  if (host === undefined && portRaw === undefined) return undefined;
  if (host !== undefined && /\s/.test(host))
    throw invalidValue(
      'OTEL_EXPORTER_PROMETHEUS_HOST',
      host,
      'must be a host name or IP address to bind',
    );
  return {
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

const TEMPORALITIES = ['cumulative', 'delta', 'lowmemory'] as const;
const HISTOGRAM_AGGREGATIONS = [
  'explicit_bucket_histogram',
  'base2_exponential_bucket_histogram',
] as const;

/** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE and _DEFAULT_HISTOGRAM_AGGREGATION. */
function metricPreferences(env: Env): {
  temporality_preference: 'cumulative' | 'delta' | 'low_memory';
  default_histogram_aggregation: (typeof HISTOGRAM_AGGREGATIONS)[number];
} {
  const temporalityRaw = readEnv(
    env,
    'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
  );
  const histogramRaw = readEnv(
    env,
    'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION',
  );
  const temporality =
    temporalityRaw === undefined
      ? 'cumulative'
      : parseEnum(
          'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
          temporalityRaw,
          TEMPORALITIES,
        );
  return {
    temporality_preference:
      temporality === 'lowmemory' ? 'low_memory' : temporality,
    default_histogram_aggregation:
      histogramRaw === undefined
        ? 'explicit_bucket_histogram'
        : parseEnum(
            'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION',
            histogramRaw,
            HISTOGRAM_AGGREGATIONS,
          ),
  };
}

function resolveMetrics(
  env: Env,
  sources: Sources,
): {
  provider: NonNullable<ConfigurationModel['meter_provider']>;
  onAppPort: boolean;
} {
  const raw = readEnv(env, 'OTEL_METRICS_EXPORTER');
  const kinds = raw
    ? parseEnumList('OTEL_METRICS_EXPORTER', raw, [
        'prometheus',
        'otlp',
        'console',
        'none',
      ] as const)
    : (['prometheus'] as const);
  const exemplarRaw = readEnv(env, 'OTEL_METRICS_EXEMPLAR_FILTER');
  let onAppPort = false;
  const readers = kinds
    .filter((kind) => kind !== 'none')
    .map((kind, i) => {
      if (kind === 'prometheus') {
        const own = resolvePrometheus(env);
        onAppPort ||= own === undefined;
        return { pull: { exporter: { 'prometheus/development': own ?? {} } } };
      }
      const { interval, timeout } = resolveExportInterval(env);
      const key = `meter_provider.readers[${i}].periodic.exporter`;
      const preferences = metricPreferences(env);
      const exporter: ExporterModel =
        kind === 'console'
          ? { console: {} }
          : Object.fromEntries(
              Object.entries(otlpExporter(env, 'metrics', key, sources)).map(
                ([name, body]) => [name, { ...body, ...preferences }],
              ),
            );
      return {
        periodic: {
          interval,
          timeout,
          exporter: exporter as PushMetricExporterConfigModel,
        },
      };
    });
  return {
    provider: {
      readers,
      ...(exemplarRaw === undefined
        ? {}
        : {
            exemplar_filter: parseEnum(
              'OTEL_METRICS_EXEMPLAR_FILTER',
              exemplarRaw,
              ['always_off', 'always_on', 'trace_based'] as const,
            ),
          }),
    },
    onAppPort,
  };
}

// ---- logs ----

/** The seed has no logs signal: unlike the specification's `otlp`, the default is `none`. */
function resolveLogs(
  env: Env,
  sources: Sources,
): NonNullable<ConfigurationModel['logger_provider']> {
  return {
    processors: processors(
      env,
      'logs',
      'logger_provider.processors',
      exporterKinds(env, 'OTEL_LOGS_EXPORTER', 'none'),
      'OTEL_BLRP',
      sources,
    ) as NonNullable<ConfigurationModel['logger_provider']>['processors'],
    limits: {
      attribute_value_length_limit: limit(
        env,
        [
          'OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT',
          'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
        ],
        DEFAULT_LOG_LIMITS.attribute_value_length_limit,
      ),
      attribute_count_limit: limit(
        env,
        ['OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'],
        DEFAULT_LOG_LIMITS.attribute_count_limit,
      ),
    },
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

/** Whether the model exports `signal` over OTLP. */
function exportsOverOtlp(config: TelemetryConfig, signal: Signal): boolean {
  const exporters: ExporterModel[] =
    signal === 'metrics'
      ? (config.meter_provider?.readers ?? []).flatMap((r) =>
          r.periodic ? [r.periodic.exporter as ExporterModel] : [],
        )
      : (
          ((signal === 'traces'
            ? config.tracer_provider?.processors
            : config.logger_provider?.processors) ?? []) as ProcessorModel[]
        ).map((p) => (p.batch ?? p.simple)?.exporter ?? {});
  return exporters.some((e) => e.otlp_grpc || e.otlp_http);
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
  const otlp = (signal: Signal) => exportsOverOtlp(config, signal);
  const anyOtlp = otlp('traces') || otlp('metrics') || otlp('logs');
  const readers = config.meter_provider?.readers ?? [];
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
      idle: !readers.some((r) => r.periodic),
      names: setNames((n) => n.startsWith('OTEL_METRIC_EXPORT_')),
      why: 'no metrics are pushed (OTEL_METRICS_EXPORTER has no otlp or console)',
    },
    {
      idle: (config.logger_provider?.processors ?? []).length === 0,
      names: setNames(
        (n) => n.startsWith('OTEL_BLRP_') || n.startsWith('OTEL_LOGRECORD_'),
      ),
      why: 'no logs are exported (OTEL_LOGS_EXPORTER)',
    },
    {
      idle: !readers.some((r) => r.pull),
      names: setNames(
        (n) =>
          n.startsWith('OTEL_EXPORTER_PROMETHEUS_') ||
          n.startsWith('TELEMETRY_PROMETHEUS_'),
      ),
      why: 'OTEL_METRICS_EXPORTER has no prometheus',
    },
  ];
  return checks
    .filter((check) => check.idle && check.names.length > 0)
    .map((check) => `${check.names.join(', ')} set but not used: ${check.why}`);
}

/**
 * OTEL_* and library variables that are set but that nothing reads: typos, or settings for
 * another SDK. With a configuration file (`libraryOnly`) only the library's own are checked.
 */
export function unusedVariableNotes(env: Env, libraryOnly = false): string[] {
  const unused = Object.keys(env)
    .filter(
      (name) =>
        checkedByName(name, libraryOnly) && readEnv(env, name) !== undefined,
    )
    .filter((name) => !knownVariable(name))
    .sort();
  return unused.length === 0
    ? []
    : [
        `not used by @otel-dice/telemetry (misspelt, or meant for another SDK): ${unused.join(', ')}`,
      ];
}
