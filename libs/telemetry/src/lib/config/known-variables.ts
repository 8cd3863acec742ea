/**
 * Every variable this library reads, each with how its value is read (values.ts): the table
 * through which the environment is read ONCE, into one frozen snapshot that the mappings
 * (from-env.ts, otlp-env.ts, http-env.ts, prometheus-env.ts) and the service-name decision
 * (service-name.ts) work from. A value that cannot be used alone stops the start with one line naming
 * its variable; rules between variables (a batch no larger than its queue, a gRPC endpoint
 * without a path) are the mappings'.
 *
 * Adding a variable: one row here — in OTEL for a specification variable (not read when a
 * configuration file is), in LIBRARY for one of the library's own (read with a file too; the
 * README's variable table must name it) — and one line in the mapping that uses it
 * (`vars.NAME ?? default`: the row's reader gives the value its type).
 *
 * Any other variable under the checked prefixes that is set gets named in one start-up note, so
 * a typo (`OTEL_EXPORTER_OTLP_ENDPIONT`, `TELEMETRY_PROMETHEUS_CACHE`) or a setting meant for
 * another SDK does not go unnoticed.
 */
import { checkInstrumentationNames } from '../instrumentation-selection.js';
import {
  HTTP_INSTRUMENTATIONS,
  PROPAGATOR_NAMES,
  TARGET_INFO_MODES,
  type PrometheusSettings,
} from './model.js';
import {
  bindHost,
  flag,
  headers,
  integer,
  keyValues,
  listOf,
  millis,
  oneOf,
  PROXY_HINT,
  someOf,
  text,
  validProxy,
  type Parsed,
  type Reader,
  type Snapshot,
} from './values.js';
import { TRACERS } from './tracer-env.js';

// ---- the words the enum variables take ----

export const LOG_LEVELS = [
  'none',
  'error',
  'warn',
  'info',
  'debug',
  'verbose',
  'all',
] as const;

export const DETECTOR_WORDS = [
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

export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = [
  'grpc',
  'http/protobuf',
  'http/json',
];

const TEMPORALITIES = ['cumulative', 'delta', 'lowmemory'] as const;
const HISTOGRAM_AGGREGATIONS = [
  'explicit_bucket_histogram',
  'base2_exponential_bucket_histogram',
] as const;

// ---- the OTLP exporter's settings: generic, and per signal ----

/** The settings of OTEL_EXPORTER_OTLP_[SIGNAL_]<SETTING>. */
export const OTLP_SETTINGS = {
  // Its form depends on the protocol (gRPC takes host:port): otlp-env.ts reads it.
  ENDPOINT: text,
  PROTOCOL: oneOf(OTLP_PROTOCOLS),
  HEADERS: headers,
  COMPRESSION: oneOf(['gzip', 'none'] as const),
  TIMEOUT: millis,
  CERTIFICATE: text,
  CLIENT_KEY: text,
  CLIENT_CERTIFICATE: text,
  INSECURE: flag,
} as const;
export type OtlpSetting = keyof typeof OTLP_SETTINGS;
export type OtlpValue<S extends OtlpSetting> = ReturnType<
  (typeof OTLP_SETTINGS)[S]
>;

type OtlpRows<P extends string> = {
  readonly [S in OtlpSetting as `OTEL_EXPORTER_OTLP_${P}${S}`]: (typeof OTLP_SETTINGS)[S];
};

/** The rows of OTEL_EXPORTER_OTLP_<prefix><SETTING>, for each setting. */
function otlpRows<P extends '' | 'TRACES_' | 'METRICS_' | 'LOGS_'>(
  prefix: P,
): OtlpRows<P> {
  return Object.fromEntries(
    Object.entries(OTLP_SETTINGS).map(([setting, read]) => [
      `OTEL_EXPORTER_OTLP_${prefix}${setting}`,
      read,
    ]),
  ) as OtlpRows<P>;
}

// ---- the library's TELEMETRY_PROMETHEUS_* numbers, bounded as the apps' own limits are ----

type ServerKey = keyof PrometheusSettings['server'];

/** A numeric setting: its key under the extension's `prometheus`, its variable, its bounds. */
export interface PrometheusNumber {
  readonly key: 'cache' | `server.${ServerKey}`;
  readonly variable: string;
  readonly min: number;
  readonly max: number;
}

const HOUR_MS = 3_600_000;

/** The same bounds hold for a file's and code's `distribution['otel-dice'].prometheus`. */
export const PROMETHEUS_NUMBERS = [
  {
    key: 'cache',
    variable: 'TELEMETRY_PROMETHEUS_CACHE_MS',
    min: 0,
    max: 60_000,
  },
  {
    key: 'server.headers_timeout',
    variable: 'TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS',
    min: 1,
    max: HOUR_MS,
  },
  {
    key: 'server.request_timeout',
    variable: 'TELEMETRY_PROMETHEUS_REQUEST_TIMEOUT_MS',
    min: 1,
    max: HOUR_MS,
  },
  {
    key: 'server.keep_alive_timeout',
    variable: 'TELEMETRY_PROMETHEUS_KEEP_ALIVE_TIMEOUT_MS',
    min: 1,
    max: HOUR_MS,
  },
  {
    key: 'server.max_connections',
    variable: 'TELEMETRY_PROMETHEUS_MAX_CONNECTIONS',
    min: 1,
    max: 1_000_000,
  },
  {
    key: 'server.send_timeout',
    variable: 'TELEMETRY_PROMETHEUS_SEND_TIMEOUT_MS',
    min: 1,
    max: HOUR_MS,
  },
  {
    key: 'server.max_pipelined_requests',
    variable: 'TELEMETRY_PROMETHEUS_MAX_PIPELINED_REQUESTS',
    min: 1,
    max: 10_000,
  },
] as const satisfies readonly PrometheusNumber[];

type PrometheusNumberRows = {
  readonly [N in (typeof PROMETHEUS_NUMBERS)[number] as N['variable']]: Reader<number>;
};

const prometheusNumberRows = Object.fromEntries(
  PROMETHEUS_NUMBERS.map(({ variable, min, max }) => [
    variable,
    integer({ min, max }),
  ]),
) as PrometheusNumberRows;

// ---- the table ----

/**
 * A list of instrumentations by the package-suffix names of
 * @opentelemetry/auto-instrumentations-node (`http,express,pg`): an unknown name stops the start
 * naming the near miss (`redis` for an app on ioredis) and every valid name.
 */
const instrumentationNames: Reader<string[]> = (variable, raw) => {
  const names = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  checkInstrumentationNames(variable, raw, names);
  return names;
};

/** The specification's OTEL_* variables (and the Node SDK's OTEL_NODE_*) that the model reads. */
const OTEL = {
  OTEL_SDK_DISABLED: flag,
  OTEL_LOG_LEVEL: oneOf(LOG_LEVELS),
  OTEL_SERVICE_NAME: text,
  OTEL_RESOURCE_ATTRIBUTES: keyValues,
  OTEL_NODE_RESOURCE_DETECTORS: someOf(DETECTOR_WORDS),
  OTEL_PROPAGATORS: someOf([...PROPAGATOR_NAMES, 'none'] as const),
  OTEL_TRACES_SAMPLER: oneOf(SAMPLER_NAMES),
  // Only the ratio samplers take an argument; what it must be depends on the sampler (from-env.ts).
  OTEL_TRACES_SAMPLER_ARG: text,
  OTEL_TRACES_EXPORTER: someOf(['otlp', 'console', 'none'] as const),
  OTEL_METRICS_EXPORTER: someOf([
    'prometheus',
    'otlp',
    'console',
    'none',
  ] as const),
  OTEL_LOGS_EXPORTER: someOf(['otlp', 'console', 'none'] as const),
  OTEL_BSP_SCHEDULE_DELAY: millis,
  OTEL_BSP_EXPORT_TIMEOUT: millis,
  OTEL_BSP_MAX_QUEUE_SIZE: integer({ min: 1 }),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: integer({ min: 1 }),
  OTEL_BLRP_SCHEDULE_DELAY: millis,
  OTEL_BLRP_EXPORT_TIMEOUT: millis,
  OTEL_BLRP_MAX_QUEUE_SIZE: integer({ min: 1 }),
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: integer({ min: 1 }),
  OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: integer(),
  OTEL_ATTRIBUTE_COUNT_LIMIT: integer(),
  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: integer(),
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: integer(),
  OTEL_SPAN_EVENT_COUNT_LIMIT: integer(),
  OTEL_SPAN_LINK_COUNT_LIMIT: integer(),
  OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: integer(),
  OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: integer(),
  OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT: integer(),
  OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: integer(),
  OTEL_METRIC_EXPORT_INTERVAL: millis,
  OTEL_METRIC_EXPORT_TIMEOUT: millis,
  OTEL_METRICS_EXEMPLAR_FILTER: oneOf([
    'always_off',
    'always_on',
    'trace_based',
  ] as const),
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: oneOf(TEMPORALITIES),
  OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: oneOf(
    HISTOGRAM_AGGREGATIONS,
  ),
  OTEL_EXPORTER_PROMETHEUS_HOST: bindHost,
  OTEL_EXPORTER_PROMETHEUS_PORT: integer({ min: 1, max: 65535 }),
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: instrumentationNames,
  OTEL_NODE_DISABLED_INSTRUMENTATIONS: instrumentationNames,
  ...otlpRows(''),
  ...otlpRows('TRACES_'),
  ...otlpRows('METRICS_'),
  ...otlpRows('LOGS_'),
};

/** The seed tutorial's variables, below the OTEL_* ones (service-name.ts, otlp-env.ts). */
const SEED = {
  APP_SERVICE_NAME: text,
  TRACE_ENDPOINT: text,
};

/** The library's own (no OTEL_* variable covers them), read with a configuration file too. */
const LIBRARY = {
  TELEMETRY_HTTP_REDACT_QUERY_PARAMS: listOf(
    (name) => /^[\w.~-]+$/.test(name),
    'is not a query parameter name',
  ),
  TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT: flag,
  TELEMETRY_HTTP_TRUSTED_PROXIES: listOf(validProxy, PROXY_HINT),
  TELEMETRY_HTTP_INSTRUMENTATION: oneOf(HTTP_INSTRUMENTATIONS),
  TELEMETRY_PROMETHEUS_TARGET_INFO: oneOf(TARGET_INFO_MODES),
  ...prometheusNumberRows,
  TELEMETRY_TRACER: oneOf(TRACERS),
};

/**
 * Set by the runtime, not by the user, read whichever the configuration's source: a parent's
 * telemetry marker (from-env.ts PARENT_PID_VARIABLE), Node's cluster-worker id, the AWS
 * Lambda runtime's two variables (the aws-lambda instrumentation is on only inside Lambda), and
 * the NODE_OPTIONS the process started with (a loader given there is not registered again).
 */
const RUNTIME = {
  _OTEL_DICE_TELEMETRY_PID: text,
  NODE_OPTIONS: text,
  NODE_UNIQUE_ID: text,
  LAMBDA_TASK_ROOT: text,
  _HANDLER: text,
};

/** What is read when no OTEL_CONFIG_FILE is set. */
export const ENVIRONMENT = { ...OTEL, ...SEED, ...LIBRARY, ...RUNTIME };

/**
 * What is read with OTEL_CONFIG_FILE: the file says the rest (the specification: no other OTEL_*
 * variable is read), except OTEL_SERVICE_NAME, which a file's `service` detector reads.
 */
export const WITH_A_FILE: Partial<typeof ENVIRONMENT> = {
  OTEL_SERVICE_NAME: OTEL.OTEL_SERVICE_NAME,
  ...LIBRARY,
  ...RUNTIME,
};

/** The environment's variables as read: each that is set, parsed. */
export type Variables = Parsed<typeof ENVIRONMENT>;
export type EnvSnapshot = Snapshot<typeof ENVIRONMENT>;

// ---- which names count as known ----

/**
 * Read by the instrumentation packages themselves, not by the model: which semantic-convention
 * generation the HTTP instrumentation emits.
 */
const READ_BY_INSTRUMENTATIONS = ['OTEL_SEMCONV_STABILITY_OPT_IN'];

/** For the README and tests: every OTEL_* name the model reads. */
export const MODEL_VARIABLES: readonly string[] = [
  'OTEL_CONFIG_FILE',
  ...Object.keys(OTEL),
];

/** The library's own variables, read whether the rest comes from the environment or a file. */
export const LIBRARY_VARIABLES: readonly string[] = Object.keys(LIBRARY);

export const PROMETHEUS_VARIABLES: readonly string[] = LIBRARY_VARIABLES.filter(
  (name) => name.startsWith('TELEMETRY_PROMETHEUS_'),
);

/** The prefixes of the variables checked by name (an unknown one under them is noted). */
const CHECKED_PREFIXES = [
  'OTEL_',
  'TELEMETRY_HTTP_',
  'TELEMETRY_PROMETHEUS_',
  'TELEMETRY_TRACER',
];
const LIBRARY_PREFIXES = CHECKED_PREFIXES.slice(1);

const KNOWN = new Set([
  ...MODEL_VARIABLES,
  ...READ_BY_INSTRUMENTATIONS,
  ...LIBRARY_VARIABLES,
]);

/**
 * OTEL_* and library variables among `set` that nothing reads: typos, or settings for another
 * SDK. With a configuration file (`libraryOnly`, where OTEL_* are the file's business) only the
 * library's own are checked.
 */
export function unusedVariableNotes(
  set: readonly string[],
  libraryOnly = false,
): string[] {
  const prefixes = libraryOnly ? LIBRARY_PREFIXES : CHECKED_PREFIXES;
  const unused = set.filter(
    (name) =>
      prefixes.some((prefix) => name.startsWith(prefix)) && !KNOWN.has(name),
  );
  return unused.length === 0
    ? []
    : [
        `not used by @otel-dice/telemetry (misspelt, or meant for another SDK): ${unused.join(', ')}`,
      ];
}
