/**
 * The one start-up line that says what the configuration resolved to: exporters, protocols and
 * endpoints per signal, with header values and URL credentials masked. Pure.
 */
import {
  settingsOf,
  usesTls,
  type ExporterModel,
  type OtlpSettings,
  type ProcessorModel,
  type SamplerModel,
  type TelemetryConfig,
} from './model.js';
import {
  describeTracerPath,
  tracerPath,
  type TracerPath,
} from '../tracer/tracer-path.js';
import { describeHeaders, redactUrl } from './redact.js';

function describeOtlp(
  config: TelemetryConfig,
  key: string,
  kind: 'otlp_grpc' | 'otlp_http',
  otlp: OtlpSettings,
): string {
  const protocol =
    kind === 'otlp_grpc'
      ? 'grpc'
      : otlp.encoding === 'json'
        ? 'http/json'
        : 'http/protobuf';
  const parts = [`otlp ${protocol} ${redactUrl(otlp.endpoint)}`];
  // The variable or option that gave the endpoint; a file's line names the file at its end.
  const source = settingsOf(config).sources[`${key}.${kind}.endpoint`];
  if (source !== undefined) parts.push(`(${source})`);
  const headers = describeHeaders(
    Object.fromEntries(otlp.headers.map((h) => [h.name, h.value ?? ''])),
  );
  if (headers) parts.push(`headers ${headers}`);
  if (otlp.compression !== 'none') parts.push(otlp.compression);
  if (usesTls(otlp))
    parts.push(
      `tls${otlp.tls?.ca_file ? ' custom-ca' : ''}${otlp.tls?.cert_file ? ' mtls' : ''}`,
    );
  return parts.join(' ');
}

function describeExporter(
  config: TelemetryConfig,
  key: string,
  exporter: ExporterModel | undefined,
): string {
  if (exporter?.otlp_grpc)
    return describeOtlp(config, key, 'otlp_grpc', exporter.otlp_grpc);
  if (exporter?.otlp_http)
    return describeOtlp(config, key, 'otlp_http', exporter.otlp_http);
  return 'console';
}

function describeProcessors(
  config: TelemetryConfig,
  key: string,
  processors: readonly ProcessorModel[] | undefined,
): string {
  const list = processors ?? [];
  return list.length === 0
    ? 'none'
    : list
        .map((p, i) =>
          describeExporter(
            config,
            `${key}[${i}].${p.batch ? 'batch' : 'simple'}.exporter`,
            (p.batch ?? p.simple)?.exporter,
          ),
        )
        .join(' + ');
}

function describeReaders(config: TelemetryConfig): string {
  const readers = config.meter_provider?.readers ?? [];
  if (readers.length === 0) return 'none';
  let appPort = settingsOf(config).prometheus_on_app_port;
  return readers
    .map((reader, i) => {
      const prometheus = reader.pull?.exporter['prometheus/development'];
      if (reader.pull) {
        if (appPort && prometheus?.host == null && prometheus?.port == null) {
          appPort = false;
          return "prometheus on the app's /metrics";
        }
        return `prometheus on ${prometheus?.host ?? 'localhost'}:${prometheus?.port ?? 9464}/metrics`;
      }
      const periodic = reader.periodic;
      // checkModel admits a pull (prometheus) or a periodic reader, nothing else.
      if (!periodic)
        throw new Error(
          'internal: a metric reader that is neither pull nor periodic',
        );
      const exporter = periodic.exporter as ExporterModel;
      const settings = exporter.otlp_grpc ?? exporter.otlp_http;
      const temporality = settings?.temporality_preference ?? 'cumulative';
      return `${describeExporter(config, `meter_provider.readers[${i}].periodic.exporter`, exporter)} every ${periodic.interval} ms${
        temporality === 'cumulative' ? '' : ` ${temporality}`
      }`;
    })
    .join(' + ');
}

export function describeSampler(sampler: SamplerModel | undefined): string {
  if (!sampler) return 'parentbased(always_on)';
  if (sampler.always_on) return 'always_on';
  if (sampler.always_off) return 'always_off';
  if (sampler.trace_id_ratio_based)
    return `traceidratio(${sampler.trace_id_ratio_based.ratio ?? 1})`;
  if (sampler.parent_based)
    return `parentbased(${describeSampler(sampler.parent_based.root ?? { always_on: {} })})`;
  return Object.keys(sampler)[0] ?? 'unknown';
}

/** `path`: the tracer start chose (default: the one the configuration alone selects). */
export function describeConfig(
  config: TelemetryConfig,
  path: TracerPath = tracerPath(config),
): string {
  const settings = settingsOf(config);
  const from =
    settings.source.kind === 'file' ? settings.source.path : undefined;
  if (config.disabled)
    return `telemetry disabled (${from ?? 'OTEL_SDK_DISABLED'})`;
  const service = config.resource?.attributes?.find(
    (a) => a.name === 'service.name',
  )?.value;
  const propagators = (config.propagator?.composite ?? []).map(
    (p) => Object.keys(p)[0],
  );
  const { http } = settings;
  return [
    `service ${String(service)}`,
    `traces ${describeProcessors(config, 'tracer_provider.processors', config.tracer_provider?.processors as ProcessorModel[])}, sampler ${describeSampler(config.tracer_provider?.sampler)}, ${describeTracerPath(path)}`,
    `metrics ${describeReaders(config)}`,
    `logs ${describeProcessors(config, 'logger_provider.processors', config.logger_provider?.processors as ProcessorModel[])}`,
    `propagators ${propagators.length === 0 ? 'none' : propagators.join(',')}${
      http.trust_incoming_context
        ? ''
        : ' (incoming context not continued, only linked)'
    }${
      http.trusted_proxies.length > 0
        ? `, trusted proxies ${http.trusted_proxies.join(',')}`
        : ''
    }`,
    `configured from ${from ?? 'the environment'}`,
  ].join('; ');
}
