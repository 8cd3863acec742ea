/**
 * An OTLP export that fails because the endpoint speaks the other OTLP protocol says so only in
 * the transport's words — `14 UNAVAILABLE: … Protocol error` from gRPC talking to an HTTP port,
 * `Parse Error: Expected HTTP/` from HTTP talking to a gRPC port, `Unsupported Media Type` from
 * JSON sent where protobuf is expected. This turns those into the setting that would fit. Pure.
 */
import {
  settingsOf,
  type ExporterModel,
  type TelemetryConfig,
} from './config/model.js';
import type { OtlpProtocol } from './config/known-variables.js';

const VARIABLE = 'OTEL_EXPORTER_OTLP_PROTOCOL';

interface ExportError {
  readonly code?: unknown;
  readonly message?: unknown;
}

/** The OTLP protocol of an exporter of the model; undefined for one that is not OTLP. */
export function protocolOf(exporter: ExporterModel): OtlpProtocol | undefined {
  if (exporter.otlp_grpc) return 'grpc';
  if (exporter.otlp_http)
    return exporter.otlp_http.encoding === 'json'
      ? 'http/json'
      : 'http/protobuf';
  return undefined;
}

/** How to choose `protocol` where the configuration came from. */
function choose(protocol: OtlpProtocol, inFile: boolean): string {
  if (!inFile) return `set ${VARIABLE}=${protocol}`;
  return protocol === 'grpc'
    ? 'make this exporter `otlp_grpc` in OTEL_CONFIG_FILE'
    : `make this exporter \`otlp_http\` with \`encoding: ${protocol === 'http/json' ? 'json' : 'protobuf'}\` in OTEL_CONFIG_FILE`;
}

/** The export-health options that let a failure name the protocol setting where it was made. */
export function protocolOptions(
  exporter: ExporterModel,
  config: TelemetryConfig,
): { protocol?: OtlpProtocol; protocolInFile: boolean } {
  return {
    protocol: protocolOf(exporter),
    protocolInFile: settingsOf(config).source.kind === 'file',
  };
}

/**
 * The sentence to add to an export failure when the error means the wrong protocol for the
 * endpoint, naming the setting and the value that would fit — OTEL_EXPORTER_OTLP_PROTOCOL, or
 * with `inFile` the exporter's kind in OTEL_CONFIG_FILE; undefined otherwise.
 */
export function protocolHint(
  protocol: OtlpProtocol | undefined,
  error: unknown,
  inFile = false,
): string | undefined {
  if (protocol === undefined || typeof error !== 'object' || error === null)
    return undefined;
  const { code, message } = error as ExportError;
  const text = typeof message === 'string' ? message : '';
  if (protocol === 'grpc') {
    // grpc-js reports an HTTP/1.1 answer to its HTTP/2 preface as a protocol error.
    if (code === 14 && /protocol error/i.test(text))
      return `the endpoint answers HTTP/1.1, not gRPC: if it is an OTLP/HTTP endpoint (port 4318 by convention), ${choose('http/protobuf', inFile)}`;
    return undefined;
  }
  // HTTP exporters: an HTTP/2-only (gRPC) server answers with frames Node's HTTP/1.1 parser rejects.
  if (
    (typeof code === 'string' && code.startsWith('HPE_')) ||
    /expected HTTP\//i.test(text)
  )
    return `the endpoint does not answer HTTP/1.1: if it is an OTLP/gRPC endpoint (port 4317 by convention), ${choose('grpc', inFile)}`;
  if (code === 415) {
    const other = protocol === 'http/json' ? 'http/protobuf' : 'http/json';
    return `the endpoint does not accept ${protocol === 'http/json' ? 'JSON' : 'protobuf'}: ${choose(other, inFile)}`;
  }
  if (code === 404)
    return `nothing answers OTLP at that path: if the endpoint is an OTLP/gRPC port (4317 by convention), ${choose('grpc', inFile)}; otherwise check the path (${inFile ? "a file's endpoint is used as given: it ends in /v1/<signal>" : 'OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/<signal> appended, a per-signal endpoint is used as given'})`;
  return undefined;
}
