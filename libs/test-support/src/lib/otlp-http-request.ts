/**
 * The OTLP/HTTP exchange as small pure steps: route, content type, content encoding, decoding,
 * and the bodies a collector answers with (OTLP specification, "OTLP/HTTP").
 */
import { gunzipSync } from 'node:zlib';
import * as protobuf from 'protobufjs';
import { decodeJsonRequest, EMPTY_JSON_RESPONSE } from './otlp-json.js';
import { decodeProtobufRequest, emptyProtobufResponse } from './otlp-proto.js';
import type { OtlpProtocol, OtlpSignal } from './otlp-types.js';

export type OtlpHttpPaths = Readonly<Record<OtlpSignal, string>>;

/** The specification's default request paths. */
export const DEFAULT_OTLP_HTTP_PATHS: OtlpHttpPaths = {
  traces: '/v1/traces',
  metrics: '/v1/metrics',
  logs: '/v1/logs',
};

export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';
export const JSON_CONTENT_TYPE = 'application/json';

export type OtlpHttpEncoding = 'protobuf' | 'json';

/** A failure with the HTTP status a collector would answer it with. */
export class OtlpHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'OtlpHttpError';
  }
}

/** Which signal a request path is for (query string ignored); undefined for any other path. */
export function signalForPath(
  url: string | undefined,
  paths: OtlpHttpPaths,
): OtlpSignal | undefined {
  const pathname = (url ?? '').split('?', 1)[0];
  return (Object.keys(paths) as OtlpSignal[]).find(
    (signal) => paths[signal] === pathname,
  );
}

/** 'application/json; charset=utf-8' → 'json'; undefined for anything OTLP does not define. */
export function encodingForContentType(
  contentType: string | undefined,
): OtlpHttpEncoding | undefined {
  const mediaType = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType === PROTOBUF_CONTENT_TYPE) return 'protobuf';
  if (mediaType === JSON_CONTENT_TYPE) return 'json';
  return undefined;
}

export function protocolForEncoding(encoding: OtlpHttpEncoding): OtlpProtocol {
  return encoding === 'json' ? 'http/json' : 'http/protobuf';
}

export function contentTypeForEncoding(encoding: OtlpHttpEncoding): string {
  return encoding === 'json' ? JSON_CONTENT_TYPE : PROTOBUF_CONTENT_TYPE;
}

/**
 * Undoes Content-Encoding: none/identity as is, gzip inflated (at most `maxBytes`). 415 for any
 * other coding, 400 for a corrupt gzip stream, 413 past the limit.
 */
export function decodeContentEncoding(
  body: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): { body: Buffer; compression: 'gzip' | 'none' } {
  const coding = (contentEncoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') {
    return { body, compression: 'none' };
  }
  if (coding !== 'gzip') {
    throw new OtlpHttpError(
      415,
      `unsupported Content-Encoding ${JSON.stringify(contentEncoding)}, supported: gzip`,
    );
  }
  try {
    return {
      body: gunzipSync(body, { maxOutputLength: maxBytes }),
      compression: 'gzip',
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new OtlpHttpError(413, `gunzipped body exceeds ${maxBytes} bytes`);
    }
    throw new OtlpHttpError(
      400,
      `Content-Encoding is gzip but the body is not valid gzip: ${(error as Error).message}`,
    );
  }
}

/** Decodes an Export*ServiceRequest body; 400 naming the problem when it is not one. */
export function decodeHttpBody(
  signal: OtlpSignal,
  encoding: OtlpHttpEncoding,
  body: Buffer,
): unknown {
  try {
    return encoding === 'json'
      ? decodeJsonRequest(signal, body.toString('utf8'))
      : decodeProtobufRequest(signal, body);
  } catch (error) {
    throw new OtlpHttpError(
      400,
      `undecodable ${encoding === 'json' ? 'OTLP/JSON' : 'OTLP/protobuf'} ${signal} request: ${(error as Error).message}`,
    );
  }
}

/** Full success: an empty Export*ServiceResponse (partial_success unset) in the request's encoding. */
export function successBody(
  signal: OtlpSignal,
  encoding: OtlpHttpEncoding,
): Buffer {
  return encoding === 'json'
    ? Buffer.from(EMPTY_JSON_RESPONSE)
    : emptyProtobufResponse(signal);
}

/** gRPC code carried in the Status body: the collector's mapping of the HTTP status. */
const GRPC_CODE_FOR_HTTP_STATUS: Readonly<Record<number, number>> = {
  400: 3, // INVALID_ARGUMENT
  413: 8, // RESOURCE_EXHAUSTED
};

let statusType: protobuf.Type | undefined;

/** google.rpc.Status (code, message; details are optional and left out). */
function rpcStatusType(): protobuf.Type {
  if (statusType) return statusType;
  const type = new protobuf.Type('Status')
    .add(new protobuf.Field('code', 1, 'int32'))
    .add(new protobuf.Field('message', 2, 'string'));
  new protobuf.Root().define('google.rpc').add(type);
  statusType = type;
  return type;
}

/** A failure body: a google.rpc.Status in the request's encoding, as OTLP/HTTP requires for 4xx/5xx. */
export function statusBody(
  encoding: OtlpHttpEncoding,
  httpStatus: number,
  message: string,
): Buffer {
  const status = { code: GRPC_CODE_FOR_HTTP_STATUS[httpStatus] ?? 0, message };
  if (encoding === 'json') return Buffer.from(JSON.stringify(status));
  const type = rpcStatusType();
  return Buffer.from(type.encode(type.fromObject(status)).finish());
}

/** Decodes a protobuf google.rpc.Status body (for tests that check what the receiver answered). */
export function decodeStatusBody(body: Buffer): {
  code: number;
  message: string;
} {
  const type = rpcStatusType();
  const decoded = type.toObject(type.decode(body), { defaults: true });
  return { code: Number(decoded['code']), message: String(decoded['message']) };
}
