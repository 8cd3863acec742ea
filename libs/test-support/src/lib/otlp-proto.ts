import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const SERVICE_PROTO = 'opentelemetry/proto/collector/trace/v1/trace_service.proto';

/**
 * Directory holding the OTLP .proto files shipped with this package (libs/test-support/proto).
 * Found by walking up from this file, so it works from src/ (jest via swc) and from dist/ alike;
 * falls back to package resolution for a consumer that relocated the code (e.g. a bundle).
 */
export function otlpProtoDir(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, SERVICE_PROTO))) return candidate;
    if (dirname(dir) === dir) break;
  }
  const packageJson = require.resolve('@otel-dice/test-support/package.json');
  const candidate = join(dirname(packageJson), 'proto');
  if (existsSync(join(candidate, SERVICE_PROTO))) return candidate;
  throw new Error(`OTLP proto files not found: looked for proto/${SERVICE_PROTO} above ${__dirname}`);
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
  const service = packageDefinition['opentelemetry.proto.collector.trace.v1.TraceService'];
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
