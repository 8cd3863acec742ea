import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { packageAsset } from './package-asset.js';
import type { OtlpSignal } from './otlp-types.js';

/** Where each signal's collector service lives in the vendored schema (proto/). */
export const OTLP_SERVICES: Readonly<
  Record<
    OtlpSignal,
    { proto: string; service: string; request: string; response: string }
  >
> = {
  traces: {
    proto: 'opentelemetry/proto/collector/trace/v1/trace_service.proto',
    service: 'opentelemetry.proto.collector.trace.v1.TraceService',
    request: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
    response:
      'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  },
  metrics: {
    proto: 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    service: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
    request:
      'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
    response:
      'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  },
  logs: {
    proto: 'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    service: 'opentelemetry.proto.collector.logs.v1.LogsService',
    request: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
    response: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
  },
};

export const OTLP_SIGNALS: readonly OtlpSignal[] = [
  'traces',
  'metrics',
  'logs',
];

/** Directory holding the OTLP .proto files shipped with this package (libs/test-support/proto). */
export function otlpProtoDir(): string {
  const anchor = OTLP_SERVICES.traces.proto;
  const service = packageAsset(join('proto', anchor));
  return service.slice(0, service.length - anchor.length - 1);
}

/**
 * Loader options chosen so decoding is lossless and easy to flatten: 64-bit values as decimal
 * strings (no precision loss for nanosecond timestamps), enums as numbers (the wire values),
 * defaults filled in, and the name of the populated oneof member exposed (AnyValue.value).
 * The OTLP/JSON decoder converts with the same options, so every protocol yields one shape.
 */
export const LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: Number,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
} as const satisfies protoLoader.Options;

let cached: Record<OtlpSignal, grpc.ServiceDefinition> | undefined;

/** The grpc-js service definitions of the Trace, Metrics and Logs collector services. */
export function otlpServiceDefinitions(): Record<
  OtlpSignal,
  grpc.ServiceDefinition
> {
  if (cached) return cached;
  const packageDefinition = protoLoader.loadSync(
    OTLP_SIGNALS.map((signal) => OTLP_SERVICES[signal].proto),
    { ...LOADER_OPTIONS, includeDirs: [otlpProtoDir()] },
  );
  const lookup = (signal: OtlpSignal): grpc.ServiceDefinition => {
    const name = OTLP_SERVICES[signal].service;
    const service = packageDefinition[name];
    if (!service || !isServiceDefinition(service)) {
      throw new Error(`${name} not found in the loaded OTLP proto files`);
    }
    return service;
  };
  cached = {
    traces: lookup('traces'),
    metrics: lookup('metrics'),
    logs: lookup('logs'),
  };
  return cached;
}

/** The grpc-js service definition of opentelemetry.proto.collector.trace.v1.TraceService. */
export function traceServiceDefinition(): grpc.ServiceDefinition {
  return otlpServiceDefinitions().traces;
}

/** The Export method of a signal's service: its (de)serializers are the binary protobuf codec. */
export function exportMethod(
  signal: OtlpSignal,
): grpc.MethodDefinition<object, object> {
  const method = otlpServiceDefinitions()[signal]['Export'];
  if (!method) {
    throw new Error(`${OTLP_SERVICES[signal].service}/Export not found`);
  }
  return method;
}

/** Decodes a binary Export*ServiceRequest into the loader's plain-object (Wire*) shape. */
export function decodeProtobufRequest(
  signal: OtlpSignal,
  body: Buffer,
): unknown {
  return exportMethod(signal).requestDeserialize(body);
}

/** An empty Export*ServiceResponse (full success: partial_success unset) in binary protobuf. */
export function emptyProtobufResponse(signal: OtlpSignal): Buffer {
  return exportMethod(signal).responseSerialize({});
}

function isServiceDefinition(
  value: protoLoader.PackageDefinition[string],
): value is protoLoader.ServiceDefinition {
  return !('format' in value) && typeof value === 'object';
}
