/**
 * Every OTEL_* variable something in this process reads: the configuration model itself, and a
 * few that the instrumentation packages read on their own; and the library's own TELEMETRY_HTTP_*,
 * TELEMETRY_PROMETHEUS_* and TELEMETRY_TRACER variables. Any other variable under those prefixes that is set gets
 * named in one start-up note, so a typo (`OTEL_EXPORTER_OTLP_ENDPIONT`,
 * `TELEMETRY_PROMETHEUS_CACHE`) or a setting meant for another SDK does not go unnoticed.
 */
import { HTTP_VARIABLES } from './http-env.js';
import { PROMETHEUS_VARIABLES } from './prometheus-env.js';
import { TRACER_VARIABLE } from './tracer-env.js';

const OTLP_SETTINGS = [
  'ENDPOINT',
  'PROTOCOL',
  'HEADERS',
  'COMPRESSION',
  'TIMEOUT',
  'CERTIFICATE',
  'CLIENT_KEY',
  'CLIENT_CERTIFICATE',
  'INSECURE',
];

const READ_BY_THE_MODEL = [
  'OTEL_SDK_DISABLED',
  'OTEL_CONFIG_FILE',
  'OTEL_LOG_LEVEL',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_NODE_RESOURCE_DETECTORS',
  'OTEL_PROPAGATORS',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
  'OTEL_LOGS_EXPORTER',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_EXPORT_TIMEOUT',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_BLRP_SCHEDULE_DELAY',
  'OTEL_BLRP_EXPORT_TIMEOUT',
  'OTEL_BLRP_MAX_QUEUE_SIZE',
  'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_EVENT_COUNT_LIMIT',
  'OTEL_SPAN_LINK_COUNT_LIMIT',
  'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_METRIC_EXPORT_INTERVAL',
  'OTEL_METRIC_EXPORT_TIMEOUT',
  'OTEL_METRICS_EXEMPLAR_FILTER',
  'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
  'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION',
  'OTEL_EXPORTER_PROMETHEUS_HOST',
  'OTEL_EXPORTER_PROMETHEUS_PORT',
  'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
  'OTEL_NODE_DISABLED_INSTRUMENTATIONS',
  ...['', 'TRACES_', 'METRICS_', 'LOGS_'].flatMap((signal) =>
    OTLP_SETTINGS.map((setting) => `OTEL_EXPORTER_OTLP_${signal}${setting}`),
  ),
];

/**
 * Read by the instrumentation packages themselves, not by the model: which semantic-convention
 * generation the HTTP instrumentation emits.
 */
const READ_BY_INSTRUMENTATIONS = ['OTEL_SEMCONV_STABILITY_OPT_IN'];

/** The library's own variables, read whether the rest comes from the environment or a file. */
export const LIBRARY_VARIABLES: readonly string[] = [
  ...HTTP_VARIABLES,
  ...PROMETHEUS_VARIABLES,
  TRACER_VARIABLE,
];

/** The prefixes of the variables checked by name (an unknown one under them is noted). */
const CHECKED_PREFIXES = [
  'OTEL_',
  'TELEMETRY_HTTP_',
  'TELEMETRY_PROMETHEUS_',
  TRACER_VARIABLE,
];
const LIBRARY_PREFIXES = CHECKED_PREFIXES.slice(1);

const KNOWN = new Set([
  ...READ_BY_THE_MODEL,
  ...READ_BY_INSTRUMENTATIONS,
  ...LIBRARY_VARIABLES,
]);

export function knownVariable(name: string): boolean {
  return KNOWN.has(name);
}

/**
 * Whether `name` is under a prefix whose variables are checked by name: OTEL_* and the library's
 * own, or (`libraryOnly`, with a configuration file, where OTEL_* are not read) the library's.
 */
export function checkedByName(name: string, libraryOnly = false): boolean {
  return (libraryOnly ? LIBRARY_PREFIXES : CHECKED_PREFIXES).some((prefix) =>
    name.startsWith(prefix),
  );
}

/** For the README and tests: every OTEL_* name the model reads. */
export const MODEL_VARIABLES: readonly string[] = READ_BY_THE_MODEL;
