/**
 * The environment mapped onto the configuration model (model.ts): the OpenTelemetry SDK
 * environment-variable specification, the Node-specific OTEL_NODE_* variables, and the seed
 * tutorial's TRACE_ENDPOINT at the lowest precedence (APP_SERVICE_NAME: service-name.ts). Pure: the
 * variables as read once (known-variables.ts) in, the model out. The library's own TELEMETRY_*
 * variables apply over it as over a file (http-env.ts, prometheus-env.ts).
 *
 * Each value was checked, naming its variable, when the environment was read; what is checked
 * here are the rules between variables (a batch no larger than its queue, a push timeout within
 * its interval), again naming the variable. What the schema cannot say in its own words (the
 * app-port Prometheus reader, the edge rules, the instrumentations, how `/metrics` is served)
 * goes into the extension.
 */
import type {
  ConfigurationModel,
  PushMetricExporterConfigModel,
} from '@opentelemetry/configuration';
import { invalidValue } from './errors.js';
import type { EnvSnapshot, Variables } from './known-variables.js';
import {
  DEFAULT_BATCH,
  DEFAULT_EDGE,
  DEFAULT_INSTRUMENTATIONS,
  DEFAULT_LOG_LIMITS,
  DEFAULT_METRIC_EXPORT_INTERVAL_MS,
  DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
  DEFAULT_PROMETHEUS,
  DEFAULT_PROMETHEUS_HOST,
  DEFAULT_PROMETHEUS_PORT,
  DEFAULT_SAMPLER,
  DEFAULT_SPAN_LIMITS,
  EXTENSION,
  type BatchModel,
  type DetectorName,
  type ExporterModel,
  type OtelDiceSettings,
  type ProcessorModel,
  type SamplerModel,
  type Signal,
  type TelemetryConfig,
} from './model.js';
import { otlpFromEnv, type OtlpFromEnv } from './otlp-env.js';
import { DEFAULT_TRACER } from './tracer-env.js';
import { parseRatio } from './values.js';

/** Key path → variable, for messages about a setting after it has been mapped. */
type Sources = Record<string, string>;

/**
 * Which exporters metrics and logs have when OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER are not
 * set: `library`, the seed's (Prometheus on the app's own `/metrics`, no logs); `specification`,
 * the specification's `otlp` for both, where traces go (the register entry: no code mounts
 * `/metrics` there).
 */
export type SignalDefaults = 'library' | 'specification';

type Batch = Omit<BatchModel, 'exporter'>;
type ExportInterval = { interval: number; timeout: number };

export function configFromEnv(
  variables: EnvSnapshot,
  signalDefaults: SignalDefaults = 'library',
): TelemetryConfig {
  const vars = variables.values;
  const notes: string[] = [];
  // Worked out whether or not the part they configure is on: settings that cannot work
  // together should fail today, not the day someone turns that part on.
  const otlp = otlpFromEnv(vars);
  const spanBatch = resolveBatch(vars, 'OTEL_BSP');
  const logBatch = resolveBatch(vars, 'OTEL_BLRP');
  const push = resolveExportInterval(vars);
  const sources: Sources = {};
  const logs = resolveLogs(vars, otlp.logs, logBatch, sources, signalDefaults);
  const meter = resolveMetrics(
    vars,
    otlp.metrics,
    push,
    sources,
    signalDefaults,
  );
  const exemplars = meter.provider.exemplar_filter;
  // Exemplars are extra data, not a change to the data asked for: without them every stream is
  // the same. So a filter that asks for some is a warning, not a refusal.
  if (exemplars && exemplars !== 'always_off')
    notes.push(
      `OTEL_METRICS_EXEMPLAR_FILTER is ${exemplars}, which cannot be honoured: the OpenTelemetry JS metrics SDK records no exemplars`,
    );
  const config: TelemetryConfig = {
    disabled: vars.OTEL_SDK_DISABLED ?? false,
    ...logLevel(vars),
    resource: resolveResource(vars),
    propagator: { composite: resolvePropagators(vars, notes) },
    attribute_limits: {
      attribute_value_length_limit:
        vars.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT ??
        DEFAULT_SPAN_LIMITS.attribute_value_length_limit,
      attribute_count_limit:
        vars.OTEL_ATTRIBUTE_COUNT_LIMIT ??
        DEFAULT_SPAN_LIMITS.attribute_count_limit,
    },
    tracer_provider: resolveTraces(
      vars,
      otlp.traces,
      spanBatch,
      notes,
      sources,
    ),
    meter_provider: meter.provider,
    logger_provider: logs,
    distribution: {
      [EXTENSION]: {
        http: DEFAULT_EDGE,
        tracer: DEFAULT_TRACER,
        instrumentations: resolveInstrumentations(
          vars,
          logs.processors.length > 0,
        ),
        prometheus_on_app_port: meter.onAppPort,
        prometheus: DEFAULT_PROMETHEUS,
        ...parentFromEnv(vars),
        ...nodeOptionsFromEnv(vars),
        source: { kind: 'environment' },
        sources,
        notes,
      },
    },
  };
  notes.push(...idleSettingNotes(variables.set, config));
  return config;
}

// ---- general ----

/**
 * OTEL_LOG_LEVEL as the schema's `log_level`. Unset and `none` leave it out: then the SDK's
 * diagnostics stay off (diagnostics.ts), which is what an app that did not ask wants.
 */
function logLevel(vars: Variables): Pick<ConfigurationModel, 'log_level'> {
  const level = vars.OTEL_LOG_LEVEL;
  if (level === undefined || level === 'none') return {};
  return {
    log_level: level === 'verbose' || level === 'all' ? 'trace' : level,
  };
}

/** OTEL_NODE_RESOURCE_DETECTORS; by default host (+os), process and service.instance.id. */
export function resolveDetectors(vars: Variables): DetectorName[] {
  const words = vars.OTEL_NODE_RESOURCE_DETECTORS;
  if (words === undefined) return ['host', 'process', 'service'];
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
 * APP_SERVICE_NAME, or a `service.name` given here) is decided in service-name.ts, in one place.
 */
function resolveResource(
  vars: Variables,
): NonNullable<ConfigurationModel['resource']> {
  return {
    attributes: Object.entries(vars.OTEL_RESOURCE_ATTRIBUTES ?? {}).map(
      ([name, value]) => ({ name, value, type: 'string' as const }),
    ),
    'detection/development': {
      detectors: resolveDetectors(vars).map((name) => ({ [name]: {} })),
    },
  };
}

function resolvePropagators(
  vars: Variables,
  notes: string[],
): Array<Record<string, object>> {
  const names = vars.OTEL_PROPAGATORS ?? ['tracecontext', 'baggage'];
  if (names.includes('jaeger'))
    notes.push(
      'OTEL_PROPAGATORS: the jaeger propagator is deprecated by the OpenTelemetry specification; keep it only while services with Jaeger clients still send uber-trace-id',
    );
  return names
    .filter((name) => name !== 'none')
    .map((name) => ({ [name]: {} }));
}

// ---- traces ----

export function resolveSampler(
  vars: Variables,
  notes: string[] = [],
): SamplerModel {
  const name = vars.OTEL_TRACES_SAMPLER;
  const arg = vars.OTEL_TRACES_SAMPLER_ARG;
  if (name === undefined) {
    if (arg !== undefined)
      notes.push(
        'OTEL_TRACES_SAMPLER_ARG is set but OTEL_TRACES_SAMPLER is not; the default sampler parentbased_always_on takes no argument',
      );
    return DEFAULT_SAMPLER;
  }
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
  vars: Variables,
  prefix: 'OTEL_BSP' | 'OTEL_BLRP',
): Batch {
  const maxQueueSize =
    vars[`${prefix}_MAX_QUEUE_SIZE`] ?? DEFAULT_BATCH.max_queue_size;
  const batchSize = vars[`${prefix}_MAX_EXPORT_BATCH_SIZE`];
  if (batchSize !== undefined && batchSize > maxQueueSize)
    throw invalidValue(
      `${prefix}_MAX_EXPORT_BATCH_SIZE`,
      String(batchSize),
      `must not exceed ${prefix}_MAX_QUEUE_SIZE (${maxQueueSize})`,
    );
  return {
    schedule_delay:
      vars[`${prefix}_SCHEDULE_DELAY`] ?? DEFAULT_BATCH.schedule_delay,
    export_timeout:
      vars[`${prefix}_EXPORT_TIMEOUT`] ?? DEFAULT_BATCH.export_timeout,
    max_queue_size: maxQueueSize,
    max_export_batch_size: Math.min(
      batchSize ?? DEFAULT_BATCH.max_export_batch_size,
      maxQueueSize,
    ),
  };
}

export function resolveSpanLimits(
  vars: Variables,
): NonNullable<NonNullable<ConfigurationModel['tracer_provider']>['limits']> {
  const d = DEFAULT_SPAN_LIMITS;
  return {
    attribute_value_length_limit:
      vars.OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT ??
      vars.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT ??
      d.attribute_value_length_limit,
    attribute_count_limit:
      vars.OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT ??
      vars.OTEL_ATTRIBUTE_COUNT_LIMIT ??
      d.attribute_count_limit,
    event_count_limit: vars.OTEL_SPAN_EVENT_COUNT_LIMIT ?? d.event_count_limit,
    link_count_limit: vars.OTEL_SPAN_LINK_COUNT_LIMIT ?? d.link_count_limit,
    event_attribute_count_limit:
      vars.OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT ?? d.event_attribute_count_limit,
    link_attribute_count_limit:
      vars.OTEL_LINK_ATTRIBUTE_COUNT_LIMIT ?? d.link_attribute_count_limit,
  };
}

/** The signal's OTLP exporter as a model exporter, its variables recorded under `key`. */
function otlpExporter(
  otlp: OtlpFromEnv,
  key: string,
  sources: Sources,
): ExporterModel {
  for (const [relative, variable] of Object.entries(otlp.sources))
    sources[`${key}.${otlp.kind}.${relative}`] = variable;
  return { [otlp.kind]: otlp.settings };
}

/** `otlp` and `console` exporters, each in the processor the specification pairs it with. */
function processors(
  kinds: readonly ('otlp' | 'console' | 'none')[],
  key: string,
  batch: Batch,
  otlp: OtlpFromEnv,
  sources: Sources,
): ProcessorModel[] {
  return kinds
    .filter((kind) => kind !== 'none')
    .map((kind, i): ProcessorModel => {
      if (kind === 'console') return { simple: { exporter: { console: {} } } };
      const at = `${key}[${i}].batch.exporter`;
      return { batch: { ...batch, exporter: otlpExporter(otlp, at, sources) } };
    });
}

function resolveTraces(
  vars: Variables,
  otlp: OtlpFromEnv,
  batch: Batch,
  notes: string[],
  sources: Sources,
): NonNullable<ConfigurationModel['tracer_provider']> {
  return {
    processors: processors(
      vars.OTEL_TRACES_EXPORTER ?? ['otlp'],
      'tracer_provider.processors',
      batch,
      otlp,
      sources,
    ) as NonNullable<ConfigurationModel['tracer_provider']>['processors'],
    limits: resolveSpanLimits(vars),
    sampler: resolveSampler(vars, notes),
  };
}

// ---- metrics ----

/**
 * OTEL_METRIC_EXPORT_INTERVAL/_TIMEOUT. A timeout longer than the interval cannot work (the
 * reader refuses it): refused when both were set, clamped to the interval when only the interval
 * was (the timeout is then the 30 s default, not a choice).
 */
export function resolveExportInterval(vars: Variables): ExportInterval {
  const interval =
    vars.OTEL_METRIC_EXPORT_INTERVAL ?? DEFAULT_METRIC_EXPORT_INTERVAL_MS;
  const timeout = vars.OTEL_METRIC_EXPORT_TIMEOUT;
  if (timeout !== undefined && timeout > interval)
    throw invalidValue(
      'OTEL_METRIC_EXPORT_TIMEOUT',
      String(timeout),
      `must not exceed OTEL_METRIC_EXPORT_INTERVAL (${interval} ms)`,
    );
  return {
    interval,
    timeout: Math.min(timeout ?? DEFAULT_METRIC_EXPORT_TIMEOUT_MS, interval),
  };
}

/** OTEL_EXPORTER_PROMETHEUS_HOST/PORT; neither set: the app's own port (undefined). */
function prometheusServer(
  vars: Variables,
): { host: string; port: number } | undefined {
  const host = vars.OTEL_EXPORTER_PROMETHEUS_HOST;
  const port = vars.OTEL_EXPORTER_PROMETHEUS_PORT;
  if (host === undefined && port === undefined) return undefined;
  return {
    host: host ?? DEFAULT_PROMETHEUS_HOST,
    port: port ?? DEFAULT_PROMETHEUS_PORT,
  };
}

/** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE and _DEFAULT_HISTOGRAM_AGGREGATION. */
function metricPreferences(vars: Variables) {
  const temporality =
    vars.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE ?? 'cumulative';
  return {
    temporality_preference:
      temporality === 'lowmemory' ? ('low_memory' as const) : temporality,
    default_histogram_aggregation:
      vars.OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION ??
      'explicit_bucket_histogram',
  };
}

function resolveMetrics(
  vars: Variables,
  otlp: OtlpFromEnv,
  push: ExportInterval,
  sources: Sources,
  signalDefaults: SignalDefaults,
): {
  provider: NonNullable<ConfigurationModel['meter_provider']>;
  onAppPort: boolean;
} {
  const kinds =
    vars.OTEL_METRICS_EXPORTER ??
    (signalDefaults === 'specification' ? ['otlp'] : ['prometheus']);
  const exemplarFilter = vars.OTEL_METRICS_EXEMPLAR_FILTER;
  let onAppPort = false;
  const readers = kinds
    .filter((kind) => kind !== 'none')
    .map((kind, i) => {
      if (kind === 'prometheus') {
        const own = prometheusServer(vars);
        onAppPort ||= own === undefined;
        return { pull: { exporter: { 'prometheus/development': own ?? {} } } };
      }
      const key = `meter_provider.readers[${i}].periodic.exporter`;
      const exporter: ExporterModel =
        kind === 'console'
          ? { console: {} }
          : {
              [otlp.kind]: {
                ...otlpExporter(otlp, key, sources)[otlp.kind],
                ...metricPreferences(vars),
              },
            };
      return {
        periodic: {
          ...push,
          exporter: exporter as PushMetricExporterConfigModel,
        },
      };
    });
  return {
    provider: {
      readers,
      ...(exemplarFilter === undefined
        ? {}
        : { exemplar_filter: exemplarFilter }),
    },
    onAppPort,
  };
}

// ---- logs ----

/**
 * The seed has no logs signal: unlike the specification's `otlp`, the library's default is
 * `none` (the register entry's is the specification's).
 */
function resolveLogs(
  vars: Variables,
  otlp: OtlpFromEnv,
  batch: Batch,
  sources: Sources,
  signalDefaults: SignalDefaults,
): NonNullable<ConfigurationModel['logger_provider']> {
  return {
    processors: processors(
      vars.OTEL_LOGS_EXPORTER ??
        (signalDefaults === 'specification' ? ['otlp'] : ['none']),
      'logger_provider.processors',
      batch,
      otlp,
      sources,
    ) as NonNullable<ConfigurationModel['logger_provider']>['processors'],
    limits: {
      attribute_value_length_limit:
        vars.OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT ??
        vars.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT ??
        DEFAULT_LOG_LIMITS.attribute_value_length_limit,
      attribute_count_limit:
        vars.OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT ??
        vars.OTEL_ATTRIBUTE_COUNT_LIMIT ??
        DEFAULT_LOG_LIMITS.attribute_count_limit,
    },
  };
}

// ---- a parent's telemetry ----

/**
 * Left in the environment of the processes it starts by a process whose telemetry started from
 * the register entry, set to its pid (zero-code.ts), so they can tell they are its children. Not
 * an OTEL_* name: the unknown-variable check would name it.
 */
export const PARENT_PID_VARIABLE = '_OTEL_DICE_TELEMETRY_PID';

/**
 * The extension's `parent`: the marker above, and NODE_UNIQUE_ID (set by Node in cluster
 * workers). Read whichever the configuration's source. A marker that is not a pid is ignored
 * like an absent one: nobody sets it by hand.
 */
export function parentFromEnv(
  vars: Variables,
): Pick<OtelDiceSettings, 'parent'> {
  const marker = vars[PARENT_PID_VARIABLE];
  const pid =
    marker !== undefined && /^\d+$/.test(marker) ? Number(marker) : undefined;
  const cluster = vars.NODE_UNIQUE_ID !== undefined;
  if (pid === undefined && !cluster) return {};
  return {
    parent: { ...(pid === undefined ? {} : { pid }), cluster_worker: cluster },
  };
}

/** The extension's `node_options`, read whichever the configuration's source. */
export function nodeOptionsFromEnv(
  vars: Variables,
): Pick<OtelDiceSettings, 'node_options'> {
  const options = vars.NODE_OPTIONS;
  return options === undefined || options.trim() === ''
    ? {}
    : { node_options: options };
}

// ---- instrumentations ----

/**
 * The instrumentations on when nothing narrows them (DEFAULT_INSTRUMENTATIONS), but `aws-lambda`
 * only inside an AWS Lambda function (LAMBDA_TASK_ROOT and _HANDLER set, as the Lambda runtime
 * sets them): elsewhere it has no handler to patch.
 */
export function defaultInstrumentations(vars: Variables): string[] {
  const lambda =
    vars.LAMBDA_TASK_ROOT !== undefined && vars._HANDLER !== undefined;
  return DEFAULT_INSTRUMENTATIONS.filter(
    (name) => lambda || name !== 'aws-lambda',
  );
}

/**
 * OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS, by the package-suffix
 * names of @opentelemetry/auto-instrumentations-node (`http,express,pg`); an unknown name stops
 * the start, naming the near miss. Default: every one but fs and host-metrics
 * (defaultInstrumentations), plus pino when a logs exporter is set (it is what turns the app's
 * pino lines into log records).
 */
export function resolveInstrumentations(
  vars: Variables,
  logsExported: boolean,
): string[] {
  const enabled = vars.OTEL_NODE_ENABLED_INSTRUMENTATIONS ?? [];
  const disabled = new Set(vars.OTEL_NODE_DISABLED_INSTRUMENTATIONS ?? []);
  const chosen =
    enabled.length > 0 ? [...enabled] : defaultInstrumentations(vars);
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
function idleSettingNotes(
  set: readonly string[],
  config: TelemetryConfig,
): string[] {
  const setNames = (match: (name: string) => boolean) => set.filter(match);
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
