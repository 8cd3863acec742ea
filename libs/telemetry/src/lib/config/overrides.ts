/**
 * The options set in code, over whatever the environment or a configuration file resolved to
 * (resolve.ts): sections of the model (`overrides`), checked as a file's sections are
 * (from-file.ts's checkModel, with `options.overrides.<key>` named in errors), and the
 * `traceEndpoint` option.
 */
import type { ConfigurationModel } from '@opentelemetry/configuration';
import { invalidValue } from './errors.js';
import { checkModel, KeyPath } from './from-file.js';
import {
  EXTENSION,
  settingsOf,
  type ExporterModel,
  type OtelDiceSettings,
  type ProcessorModel,
  type TelemetryConfig,
} from './model.js';
import { prometheusSources, withPrometheus } from './prometheus-env.js';
import { redactUrl } from './redact.js';
import { parseEndpoint } from './values.js';

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

/** `overrides` over `config`: see ConfigOverrides. */
export function withOverrides(
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
export function withTraceEndpoint(
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
