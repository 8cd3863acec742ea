/**
 * Exporter factories: one OTLP exporter per signal and protocol, built from the resolved
 * configuration with every setting passed explicitly (endpoint, headers, compression, timeout,
 * TLS), plus the console exporters. These are the same upstream exporter classes NodeSDK picks
 * from OTEL_* variables; the protocol packages are loaded only when configured, so an app that
 * exports over gRPC never loads the HTTP/JSON and protobuf-over-HTTP code, and vice versa.
 */
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type {
  AggregationSelector,
  PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type {
  ExporterConfig,
  HistogramAggregation,
  MetricReaderConfig,
  OtlpExporterConfig,
  TemporalityPreference,
} from './config/model.js';
import type { PemStore } from './tls.js';

type PeriodicReaderConfig = Extract<MetricReaderConfig, { kind: 'periodic' }>;

function compression(otlp: OtlpExporterConfig): CompressionAlgorithm {
  return otlp.compression === 'gzip'
    ? CompressionAlgorithm.GZIP
    : CompressionAlgorithm.NONE;
}

/** Options every OTLP/gRPC exporter class takes. */
function grpcOptions(otlp: OtlpExporterConfig, pem: PemStore) {
  const base =
    require('@opentelemetry/otlp-grpc-exporter-base') as typeof import('@opentelemetry/otlp-grpc-exporter-base');
  const metadata = base.createEmptyMetadata();
  for (const [name, value] of Object.entries(otlp.headers))
    metadata.set(name, value);
  const credentials = otlp.tls.secure
    ? base.createSslCredentials(
        pem.get(otlp.tls.ca),
        pem.get(otlp.tls.clientKey),
        pem.get(otlp.tls.clientCertificate),
      )
    : base.createInsecureCredentials();
  return {
    url: otlp.endpoint,
    metadata,
    credentials,
    compression: compression(otlp),
    timeoutMillis: otlp.timeoutMillis,
  } as const;
}

/** Options every OTLP/HTTP exporter class (protobuf and JSON) takes. */
function httpOptions(otlp: OtlpExporterConfig, pem: PemStore) {
  return {
    url: otlp.endpoint,
    headers: { ...otlp.headers },
    compression: compression(otlp),
    timeoutMillis: otlp.timeoutMillis,
    // For http:// URLs the exporter drops ca/cert/key itself.
    httpAgentOptions: {
      keepAlive: true,
      ca: pem.get(otlp.tls.ca),
      cert: pem.get(otlp.tls.clientCertificate),
      key: pem.get(otlp.tls.clientKey),
    },
  } as const;
}

export function createSpanExporter(
  exporter: ExporterConfig,
  pem: PemStore,
): SpanExporter {
  if (exporter.kind === 'console') {
    const { ConsoleSpanExporter } =
      require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
    return new ConsoleSpanExporter();
  }
  const { otlp } = exporter;
  switch (otlp.protocol) {
    case 'grpc': {
      const { OTLPTraceExporter } =
        require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
      return new OTLPTraceExporter(grpcOptions(otlp, pem));
    }
    case 'http/protobuf': {
      const { OTLPTraceExporter } =
        require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
      return new OTLPTraceExporter(httpOptions(otlp, pem));
    }
    case 'http/json': {
      const { OTLPTraceExporter } =
        require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
      return new OTLPTraceExporter(httpOptions(otlp, pem));
    }
  }
}

export function createLogExporter(
  exporter: ExporterConfig,
  pem: PemStore,
): LogRecordExporter {
  if (exporter.kind === 'console') {
    const { ConsoleLogRecordExporter } =
      require('@opentelemetry/sdk-logs') as typeof import('@opentelemetry/sdk-logs');
    return new ConsoleLogRecordExporter();
  }
  const { otlp } = exporter;
  switch (otlp.protocol) {
    case 'grpc': {
      const { OTLPLogExporter } =
        require('@opentelemetry/exporter-logs-otlp-grpc') as typeof import('@opentelemetry/exporter-logs-otlp-grpc');
      return new OTLPLogExporter(grpcOptions(otlp, pem));
    }
    case 'http/protobuf': {
      const { OTLPLogExporter } =
        require('@opentelemetry/exporter-logs-otlp-proto') as typeof import('@opentelemetry/exporter-logs-otlp-proto');
      return new OTLPLogExporter(httpOptions(otlp, pem));
    }
    case 'http/json': {
      const { OTLPLogExporter } =
        require('@opentelemetry/exporter-logs-otlp-http') as typeof import('@opentelemetry/exporter-logs-otlp-http');
      return new OTLPLogExporter(httpOptions(otlp, pem));
    }
  }
}

/** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE and _DEFAULT_HISTOGRAM_AGGREGATION. */
function metricPreferences(
  temporality: TemporalityPreference,
  histogram: HistogramAggregation,
) {
  const { AggregationTemporalityPreference } =
    require('@opentelemetry/exporter-metrics-otlp-http') as typeof import('@opentelemetry/exporter-metrics-otlp-http');
  const { AggregationType, InstrumentType } =
    require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
  const temporalityPreference = {
    cumulative: AggregationTemporalityPreference.CUMULATIVE,
    delta: AggregationTemporalityPreference.DELTA,
    lowmemory: AggregationTemporalityPreference.LOWMEMORY,
  }[temporality];
  const aggregationPreference: AggregationSelector | undefined =
    histogram === 'base2_exponential_bucket_histogram'
      ? (instrumentType) =>
          instrumentType === InstrumentType.HISTOGRAM
            ? { type: AggregationType.EXPONENTIAL_HISTOGRAM }
            : { type: AggregationType.DEFAULT }
      : undefined;
  return { temporalityPreference, aggregationPreference };
}

export function createMetricExporter(
  reader: PeriodicReaderConfig,
  pem: PemStore,
): PushMetricExporter {
  const { exporter } = reader;
  if (exporter.kind === 'console') {
    const { ConsoleMetricExporter } =
      require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
    return new ConsoleMetricExporter();
  }
  const { otlp } = exporter;
  const preferences = metricPreferences(
    reader.temporality,
    reader.histogramAggregation,
  );
  switch (otlp.protocol) {
    case 'grpc': {
      const { OTLPMetricExporter } =
        require('@opentelemetry/exporter-metrics-otlp-grpc') as typeof import('@opentelemetry/exporter-metrics-otlp-grpc');
      return new OTLPMetricExporter({
        ...grpcOptions(otlp, pem),
        ...preferences,
      });
    }
    case 'http/protobuf': {
      const { OTLPMetricExporter } =
        require('@opentelemetry/exporter-metrics-otlp-proto') as typeof import('@opentelemetry/exporter-metrics-otlp-proto');
      return new OTLPMetricExporter({
        ...httpOptions(otlp, pem),
        ...preferences,
      });
    }
    case 'http/json': {
      const { OTLPMetricExporter } =
        require('@opentelemetry/exporter-metrics-otlp-http') as typeof import('@opentelemetry/exporter-metrics-otlp-http');
      return new OTLPMetricExporter({
        ...httpOptions(otlp, pem),
        ...preferences,
      });
    }
  }
}
