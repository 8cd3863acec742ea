/**
 * Exporter factories: one OTLP exporter per signal and protocol, built from an exporter of the
 * configuration model (`otlp_grpc`, `otlp_http` with its `encoding`, `console`) with every
 * setting passed explicitly (endpoint, headers, compression, timeout, TLS). These are the upstream
 * exporter classes that sdk-node's create-from-config picks for the same model, with the same
 * mapping; the protocol packages are loaded only when configured, so an app that exports over
 * gRPC never loads the HTTP/JSON and protobuf-over-HTTP code, and vice versa — and only at the
 * first export, not while the app starts (lazy-exporter.ts).
 */
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { OTLPExporterNodeConfigBase } from '@opentelemetry/otlp-exporter-base/node-http';
import type { OTLPGRPCExporterConfigNode } from '@opentelemetry/otlp-grpc-exporter-base';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type {
  AggregationSelector,
  PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import {
  usesTls,
  type ExporterModel,
  type OtlpSettings,
} from './config/model.js';
import {
  aggregationFor,
  LazyExporter,
  LazyMetricExporter,
  type MetricPreferences,
} from './lazy-exporter.js';
import type { PemStore } from './tls.js';

// CompressionAlgorithm's values: the package is loaded with the exporter, not before.
function compression(otlp: OtlpSettings): CompressionAlgorithm {
  return (
    otlp.compression === 'gzip' ? 'gzip' : 'none'
  ) as CompressionAlgorithm;
}

/** Options every OTLP/gRPC exporter class takes. */
export function grpcOptions(
  otlp: OtlpSettings,
  pem: PemStore,
): OTLPGRPCExporterConfigNode {
  const base =
    require('@opentelemetry/otlp-grpc-exporter-base') as typeof import('@opentelemetry/otlp-grpc-exporter-base');
  const metadata = base.createEmptyMetadata();
  for (const { name, value } of otlp.headers)
    if (value !== null) metadata.set(name, value);
  const credentials = usesTls(otlp)
    ? base.createSslCredentials(
        pem.get(otlp.tls?.ca_file),
        pem.get(otlp.tls?.key_file),
        pem.get(otlp.tls?.cert_file),
      )
    : base.createInsecureCredentials();
  return {
    url: otlp.endpoint,
    metadata,
    credentials,
    compression: compression(otlp),
    timeoutMillis: otlp.timeout,
  } as const;
}

/** Options every OTLP/HTTP exporter class (protobuf and JSON) takes. */
export function httpOptions(
  otlp: OtlpSettings,
  pem: PemStore,
): OTLPExporterNodeConfigBase {
  return {
    url: otlp.endpoint,
    headers: Object.fromEntries(
      otlp.headers.flatMap(({ name, value }) =>
        value === null ? [] : [[name, value]],
      ),
    ) as Record<string, string>,
    compression: compression(otlp),
    timeoutMillis: otlp.timeout,
    // For http:// URLs the exporter drops ca/cert/key itself.
    httpAgentOptions: {
      keepAlive: true,
      ca: pem.get(otlp.tls?.ca_file),
      cert: pem.get(otlp.tls?.cert_file),
      key: pem.get(otlp.tls?.key_file),
    },
  } as const;
}

/** The one exporter an exporter model sets, as protocol and settings. */
interface Chosen {
  readonly protocol: 'grpc' | 'http/protobuf' | 'http/json';
  readonly otlp: OtlpSettings;
}

function otlpOf(exporter: ExporterModel): Chosen | undefined {
  if (exporter.otlp_grpc) return { protocol: 'grpc', otlp: exporter.otlp_grpc };
  if (exporter.otlp_http)
    return {
      protocol:
        exporter.otlp_http.encoding === 'json' ? 'http/json' : 'http/protobuf',
      otlp: exporter.otlp_http,
    };
  return undefined;
}

export function createSpanExporter(
  exporter: ExporterModel,
  pem: PemStore,
): SpanExporter {
  const chosen = otlpOf(exporter);
  if (chosen === undefined) {
    const { ConsoleSpanExporter } =
      require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
    return new ConsoleSpanExporter();
  }
  return new LazyExporter(() => otlpSpanExporter(chosen, pem)) as SpanExporter;
}

function otlpSpanExporter(chosen: Chosen, pem: PemStore): SpanExporter {
  const { otlp } = chosen;
  switch (chosen.protocol) {
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
  exporter: ExporterModel,
  pem: PemStore,
): LogRecordExporter {
  const chosen = otlpOf(exporter);
  if (chosen === undefined) {
    const { ConsoleLogRecordExporter } =
      require('@opentelemetry/sdk-logs') as typeof import('@opentelemetry/sdk-logs');
    return new ConsoleLogRecordExporter();
  }
  return new LazyExporter(() =>
    otlpLogExporter(chosen, pem),
  ) as LogRecordExporter;
}

function otlpLogExporter(chosen: Chosen, pem: PemStore): LogRecordExporter {
  const { otlp } = chosen;
  switch (chosen.protocol) {
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

/** An exporter's `temporality_preference` and `default_histogram_aggregation`. */
function preferencesOf(otlp: OtlpSettings): MetricPreferences {
  return {
    temporality: otlp.temporality_preference ?? 'cumulative',
    histogram:
      otlp.default_histogram_aggregation ?? 'explicit_bucket_histogram',
  };
}

/** The same preferences in the upstream exporters' own terms. */
function upstreamPreferences(preferences: MetricPreferences) {
  const { AggregationTemporalityPreference } =
    require('@opentelemetry/exporter-metrics-otlp-http') as typeof import('@opentelemetry/exporter-metrics-otlp-http');
  const temporalityPreference = {
    cumulative: AggregationTemporalityPreference.CUMULATIVE,
    delta: AggregationTemporalityPreference.DELTA,
    low_memory: AggregationTemporalityPreference.LOWMEMORY,
  }[preferences.temporality];
  const aggregationPreference: AggregationSelector | undefined =
    preferences.histogram === 'base2_exponential_bucket_histogram'
      ? (type) => aggregationFor(preferences.histogram, type)
      : undefined;
  return { temporalityPreference, aggregationPreference };
}

export function createMetricExporter(
  exporter: ExporterModel,
  pem: PemStore,
): PushMetricExporter {
  const chosen = otlpOf(exporter);
  if (chosen === undefined) {
    const { ConsoleMetricExporter } =
      require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
    return new ConsoleMetricExporter();
  }
  const preferences = preferencesOf(chosen.otlp);
  return new LazyMetricExporter(
    () => otlpMetricExporter(chosen, pem, preferences),
    preferences,
  );
}

function otlpMetricExporter(
  chosen: Chosen,
  pem: PemStore,
  metricPreferences: MetricPreferences,
): PushMetricExporter {
  const { otlp } = chosen;
  const preferences = upstreamPreferences(metricPreferences);
  switch (chosen.protocol) {
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
