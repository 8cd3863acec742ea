/**
 * The one start-up line that says what the configuration resolved to: exporters, protocols and
 * endpoints per signal, with header values and URL credentials masked. Pure.
 */
import type {
  ExporterConfig,
  MetricReaderConfig,
  OtlpExporterConfig,
  PipelineConfig,
  SamplerConfig,
  TelemetryConfig,
} from './model.js';
import { describeHeaders, redactUrl } from './redact.js';

export function describeOtlp(otlp: OtlpExporterConfig): string {
  const parts = [`otlp ${otlp.protocol} ${redactUrl(otlp.endpoint)}`];
  if (otlp.endpointSource !== 'default') parts.push(`(${otlp.endpointSource})`);
  const headers = describeHeaders(otlp.headers);
  if (headers) parts.push(`headers ${headers}`);
  if (otlp.compression !== 'none') parts.push(otlp.compression);
  if (otlp.tls.secure)
    parts.push(
      `tls${otlp.tls.ca ? ' custom-ca' : ''}${otlp.tls.clientCertificate ? ' mtls' : ''}`,
    );
  return parts.join(' ');
}

function describeExporter(exporter: ExporterConfig): string {
  return exporter.kind === 'console' ? 'console' : describeOtlp(exporter.otlp);
}

function describePipelines(pipelines: readonly PipelineConfig[]): string {
  return pipelines.length === 0
    ? 'none'
    : pipelines.map((p) => describeExporter(p.exporter)).join(' + ');
}

function describeReader(reader: MetricReaderConfig): string {
  if (reader.kind === 'prometheus')
    return reader.port === undefined
      ? "prometheus on the app's /metrics"
      : `prometheus on ${reader.host}:${reader.port}/metrics`;
  return `${describeExporter(reader.exporter)} every ${reader.exportIntervalMillis} ms${
    reader.temporality === 'cumulative' ? '' : ` ${reader.temporality}`
  }`;
}

export function describeSampler(sampler: SamplerConfig): string {
  switch (sampler.type) {
    case 'always_on':
    case 'always_off':
      return sampler.type;
    case 'traceidratio':
      return `traceidratio(${sampler.ratio})`;
    case 'parentbased':
      return `parentbased(${describeSampler(sampler.root)})`;
  }
}

export function describeConfig(config: TelemetryConfig): string {
  if (config.disabled)
    return `telemetry disabled (${config.source.kind === 'file' ? config.source.path : 'OTEL_SDK_DISABLED'})`;
  const readers = config.metrics.readers;
  return [
    `service ${config.resource.serviceName}`,
    `traces ${describePipelines(config.traces.pipelines)}, sampler ${describeSampler(config.traces.sampler)}`,
    `metrics ${readers.length === 0 ? 'none' : readers.map(describeReader).join(' + ')}`,
    `logs ${describePipelines(config.logs.pipelines)}`,
    `propagators ${config.propagators.length === 0 ? 'none' : config.propagators.join(',')}${
      config.http.trustIncomingContext
        ? ''
        : ' (incoming context not continued, only linked)'
    }${
      config.http.trustedProxies.length > 0
        ? `, trusted proxies ${config.http.trustedProxies.join(',')}`
        : ''
    }`,
    `configured from ${config.source.kind === 'file' ? config.source.path : 'the environment'}`,
  ].join('; ');
}
