/**
 * OTLP/JSON decoding (the OTLP specification's "JSON Protobuf Encoding"): the proto3 JSON mapping
 * with OTLP's deviations — traceId/spanId/parentSpanId as (case-insensitive) hex instead of
 * base64, enums as integers, lowerCamelCase keys, unknown fields ignored; 64-bit integers may be
 * strings or numbers.
 *
 * The JSON is turned into a protobuf message with the vendored schema, encoded, and decoded by the
 * very codec OTLP/gRPC and OTLP/HTTP-protobuf use, so all three protocols yield identical records.
 */
import { isAbsolute, join } from 'node:path';
import * as protobuf from 'protobufjs';
import {
  decodeProtobufRequest,
  OTLP_SERVICES,
  OTLP_SIGNALS,
  otlpProtoDir,
} from './otlp-proto.js';
import type { OtlpSignal } from './otlp-types.js';

/** Fields OTLP/JSON carries as hex, in every message that has them (Span, Link, LogRecord, Exemplar). */
const HEX_ID_FIELDS: ReadonlySet<string> = new Set([
  'traceId',
  'spanId',
  'parentSpanId',
]);

let root: protobuf.Root | undefined;

function schema(): protobuf.Root {
  if (root) return root;
  const dir = otlpProtoDir();
  const loaded = new protobuf.Root();
  loaded.resolvePath = (_origin, target) =>
    isAbsolute(target) ? target : join(dir, target);
  loaded.loadSync(
    OTLP_SIGNALS.map((signal) => OTLP_SERVICES[signal].proto),
    { keepCase: false },
  );
  loaded.resolveAll();
  root = loaded;
  return loaded;
}

/**
 * Decodes an OTLP/JSON Export*ServiceRequest body into the Wire* shape. Throws an Error naming the
 * problem (bad JSON, a non-object, a malformed hex id, a field of the wrong type).
 */
export function decodeJsonRequest(signal: OtlpSignal, text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`body is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isPlainObject(parsed)) {
    throw new Error('body must be a JSON object');
  }
  const type = schema().lookupType(OTLP_SERVICES[signal].request);
  const message = type.fromObject(objectHexIdsToBytes(parsed, '$'));
  return decodeProtobufRequest(
    signal,
    Buffer.from(type.encode(message).finish()),
  );
}

/** The JSON encoding of an empty Export*ServiceResponse (full success). */
export const EMPTY_JSON_RESPONSE = '{}';

/**
 * Copies `value`, replacing the string value of every traceId/spanId/parentSpanId key with the
 * bytes its hex spells, so protobufjs does not read it as base64. Throws on malformed hex.
 */
export function hexIdsToBytes(value: unknown, path = '$'): unknown {
  if (Array.isArray(value)) {
    return value.map((item, index) => hexIdsToBytes(item, `${path}[${index}]`));
  }
  return isPlainObject(value) ? objectHexIdsToBytes(value, path) : value;
}

function objectHexIdsToBytes(
  value: Record<string, unknown>,
  path: string,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const fieldPath = `${path}.${key}`;
    copy[key] =
      HEX_ID_FIELDS.has(key) && typeof field === 'string'
        ? hexToBytes(field, fieldPath)
        : hexIdsToBytes(field, fieldPath);
  }
  return copy;
}

export function hexToBytes(hex: string, where: string): Buffer {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    throw new Error(
      `${where} must be hex-encoded (OTLP/JSON ids are hex, not base64), got ${JSON.stringify(hex)}`,
    );
  }
  return Buffer.from(hex, 'hex');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
