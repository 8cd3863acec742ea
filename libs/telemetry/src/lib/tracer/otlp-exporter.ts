/**
 * Sends the batch processor's encoded requests through upstream's OTLP transports — the export
 * delegates the OTLP trace exporters of @opentelemetry/exporter-trace-otlp-grpc and -proto are
 * made of (createOtlpGrpcExportDelegate, createOtlpHttpExportDelegate), built from the same
 * options (exporters.ts), with a serializer that hands over the bytes already made. So TLS,
 * headers, compression, timeouts, retries, the concurrency limit and the partial-success
 * warnings are upstream's, unchanged; only the per-batch conversion of span objects is gone.
 *
 * OTLP/HTTP with JSON is not covered: the compact tracer is then not used (tracer-path.ts).
 */
import type { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import type {
  IExporterMetricsHelper,
  ISerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import type { ExporterModel } from '../config/model.js';
import { grpcOptions, httpOptions } from '../exporters.js';
import type { PemStore } from '../tls.js';
import type { BatchExporter, EncodedBatch } from './batch-processor.js';

type Response = ReturnType<typeof ProtobufTraceSerializer.deserializeResponse>;

/**
 * The bytes are the request: nothing to serialize. The transports and the response decoder are
 * required here, when the first batch is sent (the exporter is made lazily, lazy-exporter.ts),
 * not when the library loads: together they are forty-odd modules an app's start would pay for.
 */
const PRE_ENCODED: ISerializer<EncodedBatch, Response> = {
  serializeRequest: (batch) => batch.bytes,
  deserializeResponse: (data) =>
    (
      require('@opentelemetry/otlp-transformer') as typeof import('@opentelemetry/otlp-transformer')
    ).ProtobufTraceSerializer.deserializeResponse(data),
};

function exporterBase(): typeof OTLPExporterBase {
  return (
    require('@opentelemetry/otlp-exporter-base') as typeof import('@opentelemetry/otlp-exporter-base')
  ).OTLPExporterBase;
}

/** What upstream's exporter self-metrics (when enabled) count a batch as. */
const SPANS: IExporterMetricsHelper<EncodedBatch> = {
  name: 'span',
  countItems: (batch) => batch.spans,
};

/** An exporter of encoded batches for an OTLP exporter model (gRPC or http/protobuf). */
export function createBatchExporter(
  exporter: ExporterModel,
  pem: PemStore,
): BatchExporter {
  if (exporter.otlp_grpc) {
    const base =
      require('@opentelemetry/otlp-grpc-exporter-base') as typeof import('@opentelemetry/otlp-grpc-exporter-base');
    return new (exporterBase())(
      base.createOtlpGrpcExportDelegate(
        base.convertLegacyOtlpGrpcOptions(
          grpcOptions(exporter.otlp_grpc, pem),
          'TRACES',
        ),
        PRE_ENCODED,
        'otlp_grpc_span_exporter',
        SPANS,
        undefined,
        'TraceExportService',
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      ),
    );
  }
  if (exporter.otlp_http && exporter.otlp_http.encoding !== 'json') {
    const http =
      require('@opentelemetry/otlp-exporter-base/node-http') as typeof import('@opentelemetry/otlp-exporter-base/node-http');
    return new (exporterBase())(
      http.createOtlpHttpExportDelegate(
        http.convertLegacyHttpOptions(
          httpOptions(exporter.otlp_http, pem),
          'TRACES',
          'v1/traces',
          { 'Content-Type': 'application/x-protobuf' },
        ),
        PRE_ENCODED,
        'otlp_http_span_exporter',
        SPANS,
        undefined,
      ),
    );
  }
  throw new Error(
    'internal: the compact tracer exports over OTLP gRPC or http/protobuf only',
  );
}
