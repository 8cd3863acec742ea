import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { packageAsset } from './package-asset.js';

const SERVICE_PROTO =
  'opentelemetry/proto/collector/trace/v1/trace_service.proto';

/** Directory holding the OTLP .proto files shipped with this package (libs/test-support/proto). */
export function otlpProtoDir(): string {
  const service = packageAsset(join('proto', SERVICE_PROTO));
  return service.slice(0, service.length - SERVICE_PROTO.length - 1);
}

/**
 * Loader options chosen so decoding is lossless and easy to flatten: 64-bit values as decimal
 * strings (no precision loss for nanosecond timestamps), enums as numbers (the wire values),
 * defaults filled in, and the name of the populated oneof member exposed (AnyValue.value).
 */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: Number,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};

let cached: grpc.ServiceDefinition | undefined;

/** The grpc-js service definition of opentelemetry.proto.collector.trace.v1.TraceService. */
export function traceServiceDefinition(): grpc.ServiceDefinition {
  if (cached) return cached;
  const packageDefinition = protoLoader.loadSync(SERVICE_PROTO, {
    ...LOADER_OPTIONS,
    includeDirs: [otlpProtoDir()],
  });
  const service =
    packageDefinition['opentelemetry.proto.collector.trace.v1.TraceService'];
  if (!service || !isServiceDefinition(service)) {
    throw new Error('TraceService not found in the loaded OTLP proto files');
  }
  cached = service;
  return service;
}

function isServiceDefinition(
  value: protoLoader.PackageDefinition[string],
): value is protoLoader.ServiceDefinition {
  return !('format' in value) && typeof value === 'object';
}
