import type { IncomingHttpHeaders } from 'node:http';
import type * as grpc from '@grpc/grpc-js';
import type { ReceivedHeaders } from './otlp-types.js';

/**
 * gRPC metadata as a header record. grpc-js has already dropped the transport headers
 * (content-type, te, grpc-encoding, grpc-timeout…); `-bin` values are shown base64-encoded.
 */
export function metadataToHeaders(metadata: grpc.Metadata): ReceivedHeaders {
  const headers: Record<string, string> = {};
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    headers[key] = values
      .map((value) =>
        Buffer.isBuffer(value) ? value.toString('base64') : String(value),
      )
      .join(', ');
  }
  return headers;
}

/** node:http request headers as a header record (lowercase names; repeated values joined by ', '). */
export function httpHeadersToRecord(
  incoming: IncomingHttpHeaders,
): ReceivedHeaders {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
