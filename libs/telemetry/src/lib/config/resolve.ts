/**
 * The one entry point of the configuration model: the environment, or the declarative
 * configuration file that OTEL_CONFIG_FILE names, then the options passed in code on top.
 *
 * Precedence, highest first: code options > OTEL_* per-signal variable > OTEL_* generic variable
 * > the seed tutorial's variable (APP_SERVICE_NAME, TRACE_ENDPOINT) > default. With
 * OTEL_CONFIG_FILE: code options > the file (> its `${VAR}` substitutions) > default.
 */
import { configFromModel, loadConfigFile } from './from-file.js';
import { resolveConfigFromEnv } from './from-env.js';
import { withSubstitutionsMasked } from './read-config-file.js';
import { invalidValue } from './errors.js';
import { resolveHttpFromEnv } from './http-env.js';
import { resolveOtlpSpanEncodingFromEnv } from './span-encoding-env.js';
import type {
  AttributeValue,
  HttpConfig,
  LogsConfig,
  MetricsConfig,
  PropagatorName,
  ResourceDetectorName,
  TelemetryConfig,
  TracesConfig,
} from './model.js';
import { redactUrl } from './redact.js';
import { parseEndpoint, readEnv, type Env } from './values.js';

/** Sections of the model a caller may replace in code; each given section replaces the resolved one. */
export interface ConfigOverrides {
  readonly propagators?: readonly PropagatorName[];
  readonly resourceDetectors?: readonly ResourceDetectorName[];
  /** Merged over the resolved resource attributes. */
  readonly resourceAttributes?: Readonly<Record<string, AttributeValue>>;
  readonly traces?: Partial<TracesConfig>;
  readonly metrics?: Partial<MetricsConfig>;
  readonly logs?: Partial<LogsConfig>;
  readonly instrumentations?: readonly string[];
  readonly http?: Partial<HttpConfig>;
}

export interface ResolveConfigOptions {
  /** Defaults to process.env. */
  readonly env?: Env;
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
  const env = options.env ?? process.env;
  const defaults = {
    serviceName: options.defaultServiceName,
    serviceVersion: options.serviceVersion,
  };
  const file = readEnv(env, 'OTEL_CONFIG_FILE');
  const resolved = file
    ? fromFile(file, env, defaults)
    : resolveConfigFromEnv(env, defaults);
  return applyOptions(resolved, options);
}

function fromFile(
  path: string,
  env: Env,
  defaults: { serviceName: string; serviceVersion?: string },
): TelemetryConfig {
  const model = loadConfigFile(path);
  // No error of the mapping may print a value a `${VAR}` brought in (read-config-file.ts).
  const fromModel = withSubstitutionsMasked(model, () =>
    configFromModel(model, path, defaults),
  );
  const config = {
    ...fromModel,
    traces: {
      ...fromModel.traces,
      otlpEncoding: resolveOtlpSpanEncodingFromEnv(env),
    },
    http: resolveHttpFromEnv(env),
  };
  // The specification: with a file, the other OTEL_* variables are not read. Say which were set.
  const ignored = Object.keys(env)
    .filter(
      (name) =>
        name.startsWith('OTEL_') &&
        name !== 'OTEL_CONFIG_FILE' &&
        readEnv(env, name) !== undefined,
    )
    .sort();
  const notes = [...config.notes];
  if (ignored.length > 0)
    notes.push(
      `OTEL_CONFIG_FILE is set, so these variables are not read (use \${VAR} in the file instead): ${ignored.join(', ')}`,
    );
  return { ...config, notes };
}

export function applyOptions(
  config: TelemetryConfig,
  options: Omit<ResolveConfigOptions, 'env' | 'defaultServiceName'>,
): TelemetryConfig {
  const o = options.overrides ?? {};
  let traces: TracesConfig = { ...config.traces, ...o.traces };
  if (options.traceEndpoint !== undefined)
    traces = withTraceEndpoint(traces, options.traceEndpoint);
  return {
    ...config,
    resource: {
      ...config.resource,
      serviceName: options.serviceName?.trim() || config.resource.serviceName,
      serviceVersion: options.serviceVersion ?? config.resource.serviceVersion,
      attributes: { ...config.resource.attributes, ...o.resourceAttributes },
      detectors: o.resourceDetectors ?? config.resource.detectors,
    },
    propagators: o.propagators ?? config.propagators,
    traces,
    metrics: { ...config.metrics, ...o.metrics },
    logs: { ...config.logs, ...o.logs },
    instrumentations: o.instrumentations ?? config.instrumentations,
    http: { ...config.http, ...o.http },
  };
}

/** The `traceEndpoint` option: every OTLP trace exporter sends there instead. */
function withTraceEndpoint(
  traces: TracesConfig,
  endpoint: string,
): TracesConfig {
  return {
    ...traces,
    pipelines: traces.pipelines.map((pipeline) => {
      if (pipeline.exporter.kind !== 'otlp') return pipeline;
      const otlp = pipeline.exporter.otlp;
      const grpc = otlp.protocol === 'grpc';
      const url = parseEndpoint('options.traceEndpoint', endpoint, {
        allowNoScheme: grpc,
      });
      if (grpc && url.path !== '' && url.path !== '/')
        throw invalidValue(
          'options.traceEndpoint',
          redactUrl(url.href),
          'the protocol is grpc, and a gRPC endpoint has no path',
        );
      return {
        ...pipeline,
        exporter: {
          kind: 'otlp',
          otlp: {
            ...otlp,
            endpoint: url.href,
            endpointSource: 'options.traceEndpoint',
            tls: {
              ...otlp.tls,
              secure:
                url.scheme === undefined
                  ? otlp.tls.secure
                  : url.scheme === 'https',
            },
          },
        },
      };
    }),
  };
}
