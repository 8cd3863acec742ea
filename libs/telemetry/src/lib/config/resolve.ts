/**
 * The one entry point of the configuration: the environment, or the declarative configuration
 * file that OTEL_CONFIG_FILE names, then the options passed in code on top — one object of the
 * model's shape (model.ts), from which everything is built. The service name is decided here and
 * nowhere else.
 *
 * Precedence, highest first: code options > OTEL_* per-signal variable > OTEL_* generic variable
 * > the seed tutorial's variable (APP_SERVICE_NAME, TRACE_ENDPOINT) > default. With
 * OTEL_CONFIG_FILE: code options > the library's own TELEMETRY_HTTP_* and TELEMETRY_PROMETHEUS_*
 * variables (read either way) > the file (> its `${VAR}` substitutions) > default.
 *
 * The file's `${VAR}` substitution is @opentelemetry/configuration's, which reads the process
 * environment itself; read-config-file.ts masks what it may bring in from there, and no error
 * of the resolution prints such a value (withSubstitutionsMasked).
 */
import type { ConfigurationModel } from '@opentelemetry/configuration';
import { invalidValue } from './errors.js';
import {
  configFromEnv,
  defaultInstrumentations,
  nodeOptionsFromEnv,
  parentFromEnv,
  type SignalDefaults,
} from './from-env.js';
import { checkModel, KeyPath, loadConfigFile } from './from-file.js';
import { withHttpVariables } from './http-env.js';
import { DEFAULT_TRACER, withTracerVariable } from './tracer-env.js';
import {
  ENVIRONMENT,
  unusedVariableNotes,
  WITH_A_FILE,
  type EnvSnapshot,
  type Variables,
} from './known-variables.js';
import {
  DEFAULT_EDGE,
  DEFAULT_LOG_LIMITS,
  DEFAULT_PROMETHEUS,
  DEFAULT_SAMPLER,
  DEFAULT_SPAN_LIMITS,
  EXTENSION,
  otlpExporters,
  settingsOf,
  sourceOf,
  usesTls,
  type ExporterModel,
  type OtelDiceSettings,
  type ProcessorModel,
  type TelemetryConfig,
} from './model.js';
import {
  checkPrometheusTimeouts,
  prometheusSources,
  withPrometheus,
  withPrometheusVariables,
} from './prometheus-env.js';
import { withSubstitutionsMasked } from './read-config-file.js';
import { redactUrl } from './redact.js';
import { parseEndpoint, readEnv, readVariables } from './values.js';

/**
 * Sections of the model to set in code. Each section given replaces the resolved one, except
 * `resource`, whose attributes are merged by name over the resolved ones. Checked as a
 * configuration file would be, with `options.overrides.<key>` named in errors.
 */
export type ConfigOverrides = Pick<
  ConfigurationModel,
  | 'disabled'
  | 'log_level'
  | 'attribute_limits'
  | 'resource'
  | 'propagator'
  | 'tracer_provider'
  | 'meter_provider'
  | 'logger_provider'
  | 'instrumentation/development'
> & {
  /** The library-only settings a caller may set in code, merged key by key. */
  readonly distribution?: {
    readonly 'otel-dice'?: {
      readonly http?: Partial<OtelDiceSettings['http']>;
      readonly instrumentations?: readonly string[];
      readonly prometheus_on_app_port?: boolean;
      /** Which tracer makes the spans (TELEMETRY_TRACER; see tracer-path.ts). */
      readonly tracer?: OtelDiceSettings['tracer'];
      readonly prometheus?: Partial<
        Omit<OtelDiceSettings['prometheus'], 'server'>
      > & {
        readonly server?: Partial<OtelDiceSettings['prometheus']['server']>;
      };
    };
  };
};

export interface ResolveConfigOptions {
  /** Defaults to process.env, read here and nowhere else (a file's `${VAR}` is upstream's: see above). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Used when nothing else names the service. */
  readonly defaultServiceName: string;
  /** Beats every variable and the file. */
  readonly serviceName?: string;
  readonly serviceVersion?: string;
  /** The traces OTLP endpoint; beats every variable and the file. */
  readonly traceEndpoint?: string;
  readonly overrides?: ConfigOverrides;
}

export function resolveTelemetryConfig(
  options: ResolveConfigOptions,
): TelemetryConfig {
  return resolveConfig(options);
}

/**
 * resolveTelemetryConfig, with the defaults of the signals chosen: the seed's (Prometheus on the
 * app's `/metrics`, no logs) for the library, the specification's (all three over OTLP) for the
 * register entry (zero-code.ts).
 */
export function resolveConfig(
  options: ResolveConfigOptions,
  signalDefaults: SignalDefaults = 'library',
): TelemetryConfig {
  const env = options.env ?? process.env;
  const file = readEnv(env, 'OTEL_CONFIG_FILE');
  const model = file === undefined ? undefined : loadConfigFile(file);
  const resolve = (): TelemetryConfig => {
    // The environment is read here, once; from here on only what it gave is used.
    const variables = readVariables<typeof ENVIRONMENT>(
      env,
      file === undefined ? ENVIRONMENT : WITH_A_FILE,
    );
    let config =
      file !== undefined && model !== undefined
        ? configFromFile(file, model, variables)
        : configFromEnv(variables, signalDefaults);
    // The library's own variables, over either (and under the code options).
    config = withHttpVariables(config, variables.values);
    config = withPrometheusVariables(config, variables.values);
    config = withTracerVariable(config, variables.values);
    if (options.overrides) config = withOverrides(config, options.overrides);
    if (options.traceEndpoint !== undefined)
      config = withTraceEndpoint(config, options.traceEndpoint);
    config = withService(config, options, variables.values);
    checkPrometheusTimeouts(config);
    return withNotes(config, tlsNotes(config));
  };
  // No error from here on may print a value a file's `${VAR}` brought in (read-config-file.ts).
  return model === undefined
    ? resolve()
    : withSubstitutionsMasked(model, resolve);
}

// ---- the file ----

/** The specification's empty defaults for the sections a file leaves out. */
function withEmptySections(model: ConfigurationModel): ConfigurationModel {
  return {
    disabled: false,
    ...model,
    attribute_limits: model.attribute_limits ?? {
      attribute_value_length_limit:
        DEFAULT_SPAN_LIMITS.attribute_value_length_limit,
      attribute_count_limit: DEFAULT_SPAN_LIMITS.attribute_count_limit,
    },
    resource: model.resource ?? {
      attributes: [],
      'detection/development': { detectors: [] },
    },
    propagator: model.propagator ?? { composite: [] },
    // No tracer provider section: spans are still made and sampled (trace ids in logs, context
    // for outgoing calls), they go nowhere.
    tracer_provider: model.tracer_provider ?? {
      processors: [],
      limits: { ...DEFAULT_SPAN_LIMITS },
      sampler: DEFAULT_SAMPLER,
    },
    meter_provider: model.meter_provider ?? { readers: [] },
    logger_provider: model.logger_provider ?? {
      processors: [],
      limits: { ...DEFAULT_LOG_LIMITS },
    },
  };
}

function configFromFile(
  path: string,
  parsed: ConfigurationModel,
  variables: EnvSnapshot,
): TelemetryConfig {
  const at = KeyPath.file(path);
  const checked = checkModel(parsed, at);
  const model = withEmptySections(checked.model);
  const logsExported = (model.logger_provider?.processors ?? []).length > 0;
  let instrumentations = checked.extension.instrumentations ?? [
    ...defaultInstrumentations(variables.values),
    ...(logsExported ? ['pino'] : []),
  ];
  for (const [name, enabled] of Object.entries(checked.enabledByJs))
    instrumentations = enabled
      ? [...new Set([...instrumentations, name])]
      : instrumentations.filter((n) => n !== name);
  const notes = [...checked.notes];
  // The specification: with a file, the other OTEL_* variables are not read — except the one a
  // `service` detector reads by definition. Say which were set.
  const serviceDetector = hasServiceDetector(model);
  const ignored = variables.set.filter(
    (name) =>
      name.startsWith('OTEL_') &&
      name !== 'OTEL_CONFIG_FILE' &&
      !(serviceDetector && name === 'OTEL_SERVICE_NAME'),
  );
  if (ignored.length > 0)
    notes.push(
      `OTEL_CONFIG_FILE is set, so these variables count only where the file substitutes them (\${VAR}): ${ignored.join(', ')}`,
    );
  notes.push(...unusedVariableNotes(variables.set, true));
  return {
    ...model,
    distribution: {
      [EXTENSION]: {
        http: { ...DEFAULT_EDGE, ...checked.extension.http },
        tracer: checked.extension.tracer ?? DEFAULT_TRACER,
        instrumentations,
        prometheus_on_app_port: (model.meter_provider?.readers ?? []).some(
          (r) => {
            const p = r.pull?.exporter['prometheus/development'];
            return p != null && p.host == null && p.port == null;
          },
        ),
        prometheus: withPrometheus(
          DEFAULT_PROMETHEUS,
          checked.extension.prometheus,
        ),
        ...parentFromEnv(variables.values),
        ...nodeOptionsFromEnv(variables.values),
        source: { kind: 'file', path },
        sources: prometheusSources(checked.extension.prometheus, (key) =>
          at.variable(key),
        ),
        notes,
      },
    },
  };
}

function hasServiceDetector(model: ConfigurationModel): boolean {
  return (model.resource?.['detection/development']?.detectors ?? []).some(
    (d) => d.service !== undefined,
  );
}

// ---- code options ----

function withOverrides(
  config: TelemetryConfig,
  overrides: ConfigOverrides,
): TelemetryConfig {
  const { distribution, ...sections } = overrides;
  const { prometheus_on_app_port: onAppPort, ...extension } =
    distribution?.[EXTENSION] ?? {};
  const at = KeyPath.options('options.overrides');
  // The extension's settings through the same checks as a file's (prometheus_on_app_port is
  // not a file setting: a file says it with a Prometheus reader that names no host and port).
  const { model: checked, extension: own } = checkModel(
    {
      ...sections,
      ...(distribution ? { distribution: { [EXTENSION]: extension } } : {}),
    } as ConfigurationModel,
    at,
  );
  const settings = settingsOf(config);
  const given = Object.keys(sections) as Array<keyof typeof sections>;
  const replaced: Record<string, unknown> = {};
  for (const key of given)
    if (key !== 'resource' && sections[key] !== undefined)
      replaced[key] = checked[key];
  const resource = checked.resource
    ? {
        ...config.resource,
        ...checked.resource,
        attributes: [
          ...(config.resource?.attributes ?? []).filter(
            (a) =>
              !checked.resource?.attributes?.some((o) => o.name === a.name),
          ),
          ...(checked.resource.attributes ?? []),
        ],
        'detection/development': sections.resource?.['detection/development']
          ? checked.resource['detection/development']
          : config.resource?.['detection/development'],
      }
    : config.resource;
  return {
    ...config,
    ...replaced,
    resource,
    distribution: {
      [EXTENSION]: {
        ...settings,
        http: { ...settings.http, ...own.http },
        instrumentations: own.instrumentations ?? settings.instrumentations,
        prometheus_on_app_port: onAppPort ?? settings.prometheus_on_app_port,
        tracer: own.tracer ?? settings.tracer,
        prometheus: withPrometheus(settings.prometheus, own.prometheus),
        sources: {
          ...settings.sources,
          ...prometheusSources(own.prometheus, (key) => at.variable(key)),
        },
      },
    },
  };
}

/** The `traceEndpoint` option: every OTLP trace exporter sends there instead. */
function withTraceEndpoint(
  config: TelemetryConfig,
  endpoint: string,
): TelemetryConfig {
  const sources = { ...settingsOf(config).sources };
  const processors = (
    (config.tracer_provider?.processors ?? []) as ProcessorModel[]
  ).map((processor, i): ProcessorModel => {
    const kind = processor.batch ? 'batch' : 'simple';
    const body = processor.batch ?? processor.simple;
    const exporter = body?.exporter ?? {};
    const protocol = exporter.otlp_grpc
      ? 'otlp_grpc'
      : exporter.otlp_http
        ? 'otlp_http'
        : undefined;
    if (protocol === undefined) return processor;
    const grpc = protocol === 'otlp_grpc';
    const url = parseEndpoint('options.traceEndpoint', endpoint, {
      allowNoScheme: grpc,
    });
    if (grpc && url.path !== '' && url.path !== '/')
      throw invalidValue(
        'options.traceEndpoint',
        redactUrl(url.href),
        'the protocol is grpc, and a gRPC endpoint has no path',
      );
    sources[
      `tracer_provider.processors[${i}].${kind}.exporter.${protocol}.endpoint`
    ] = 'options.traceEndpoint';
    const settings = exporter[protocol];
    // protocol was read from this exporter's own keys just above.
    if (!settings)
      throw new Error(`internal: the exporter has no ${protocol} section`);
    const replaced: ExporterModel = {
      [protocol]: { ...settings, endpoint: url.href },
    };
    return { [kind]: { ...body, exporter: replaced } };
  });
  return {
    ...config,
    tracer_provider: {
      ...config.tracer_provider,
      processors: processors as NonNullable<
        ConfigurationModel['tracer_provider']
      >['processors'],
    },
    distribution: {
      [EXTENSION]: { ...settingsOf(config), sources },
    },
  };
}

// ---- the service ----

/**
 * The service's name, decided here and only here. From the environment: the `serviceName`
 * option > OTEL_SERVICE_NAME > APP_SERVICE_NAME > `service.name` in OTEL_RESOURCE_ATTRIBUTES >
 * `defaultServiceName`. From a file: the option > the file's `service.name` attribute >
 * OTEL_SERVICE_NAME when the file asks for the `service` detector (which reads it, by the
 * specification) > `defaultServiceName`.
 */
export function decideServiceName(
  config: TelemetryConfig,
  options: Pick<ResolveConfigOptions, 'serviceName' | 'defaultServiceName'>,
  vars: Variables,
): string {
  const named = (value: unknown) =>
    typeof value === 'string' && value.trim() ? value.trim() : undefined;
  const attribute = named(
    config.resource?.attributes?.find((a) => a.name === 'service.name')?.value,
  );
  const fromEnv =
    settingsOf(config).source.kind === 'environment'
      ? (vars.OTEL_SERVICE_NAME ?? vars.APP_SERVICE_NAME)
      : undefined;
  const fromDetector = hasServiceDetector(config)
    ? vars.OTEL_SERVICE_NAME
    : undefined;
  return (
    named(options.serviceName) ??
    fromEnv ??
    attribute ??
    fromDetector ??
    options.defaultServiceName
  );
}

/** `service.name` (decided) and `service.version` written into the resource's attributes. */
function withService(
  config: TelemetryConfig,
  options: ResolveConfigOptions,
  vars: Variables,
): TelemetryConfig {
  const name = decideServiceName(config, options, vars);
  const service = [
    { name: 'service.name', value: name, type: 'string' as const },
    ...(options.serviceVersion
      ? [
          {
            name: 'service.version',
            value: options.serviceVersion,
            type: 'string' as const,
          },
        ]
      : []),
  ];
  return {
    ...config,
    resource: {
      ...config.resource,
      attributes: [
        ...(config.resource?.attributes ?? []).filter(
          (a) => !service.some((s) => s.name === a.name),
        ),
        ...service,
      ],
    },
  };
}

// ---- notes on the resolved model ----

const SIGNAL_WORD = { traces: 'trace', metrics: 'metric', logs: 'log' };

/** Certificates named for an endpoint that uses no TLS are not used: say so once. */
function tlsNotes(config: TelemetryConfig): string[] {
  return otlpExporters(config).flatMap(({ key, signal, settings }) => {
    if (usesTls(settings)) return [];
    const unused = (['ca_file', 'key_file', 'cert_file'] as const)
      .filter((file) => settings.tls?.[file])
      .map((file) => sourceOf(config, `${key}.tls.${file}`));
    return unused.length === 0
      ? []
      : [
          `${unused.join(', ')} not used for ${SIGNAL_WORD[signal]} export: its endpoint does not use TLS (use https:// to turn it on)`,
        ];
  });
}

function withNotes(
  config: TelemetryConfig,
  notes: readonly string[],
): TelemetryConfig {
  if (notes.length === 0) return config;
  const settings: OtelDiceSettings = settingsOf(config);
  return {
    ...config,
    distribution: {
      [EXTENSION]: { ...settings, notes: [...settings.notes, ...notes] },
    },
  };
}
