/**
 * The JSON the receiver container's read-out serves (GET /spans), and its inverse for tests.
 *
 * JSON has no bigint and no bytes, so on the wire: nanosecond times (and any integer attribute
 * outside the safe range) are decimal strings, byte values are base64 strings, and a root span has
 * no `parentSpanId` key. `parseReadout` turns the span and event times back into bigint, so a read-out
 * span compares like a `ReceivedSpan` recorded in-process; attribute values stay as sent.
 */
import type {
  Attributes,
  ReceivedExport,
  ReceivedSpan,
  StatusCode,
} from './otlp-types.js';

/** What the read-out answers: everything the receiver recorded since it started. */
export interface Readout {
  /** Export calls answered. */
  exportCalls: number;
  exports: ReceivedExport[];
  /** Spans in arrival order. */
  spans: ReceivedSpan[];
}

/** Serializes what a receiver recorded (bigint -> decimal string, bytes -> base64). */
export function serializeReadout(recorded: {
  readonly exportCalls: number;
  readonly exports: readonly ReceivedExport[];
  readonly spans: readonly ReceivedSpan[];
}): string {
  const body = {
    exportCalls: recorded.exportCalls,
    exports: recorded.exports,
    spans: recorded.spans,
  };
  return JSON.stringify(body, function replacer(this: unknown, key, value) {
    // `value` is already Buffer#toJSON's {type, data}; the holder still has the Buffer itself.
    const raw = (this as Record<string, unknown>)[key];
    if (Buffer.isBuffer(raw)) return raw.toString('base64');
    if (typeof value === 'bigint') return value.toString();
    return value;
  });
}

/** Parses a read-out body; throws an error naming what is malformed. */
export function parseReadout(text: string): Readout {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `read-out is not JSON (${(error as Error).message}): ${text.slice(0, 200)}`,
      { cause: error },
    );
  }
  if (
    !isRecord(body) ||
    typeof body['exportCalls'] !== 'number' ||
    !Array.isArray(body['exports']) ||
    !Array.isArray(body['spans'])
  ) {
    throw new Error(
      `read-out lacks exportCalls/exports/spans: ${text.slice(0, 200)}`,
    );
  }
  return {
    exportCalls: body['exportCalls'],
    exports: body['exports'] as ReceivedExport[],
    spans: body['spans'].map((span, index) => toReceivedSpan(span, index)),
  };
}

function toReceivedSpan(value: unknown, index: number): ReceivedSpan {
  if (!isRecord(value))
    throw new Error(`read-out span #${index} is not an object`);
  const span = value as Record<string, unknown> & {
    events?: Array<Record<string, unknown>>;
  };
  return {
    traceId: String(span['traceId']),
    spanId: String(span['spanId']),
    parentSpanId:
      typeof span['parentSpanId'] === 'string'
        ? span['parentSpanId']
        : undefined,
    traceState: String(span['traceState'] ?? ''),
    flags: Number(span['flags'] ?? 0),
    name: String(span['name']),
    kind: Number(span['kind']),
    startTimeUnixNano: toBigInt(span['startTimeUnixNano'], index, 'start'),
    endTimeUnixNano: toBigInt(span['endTimeUnixNano'], index, 'end'),
    attributes: (span['attributes'] ?? {}) as Attributes,
    status: (span['status'] ?? { code: 0, message: '' }) as {
      code: StatusCode;
      message: string;
    },
    events: (span.events ?? []).map((event) => ({
      name: String(event['name']),
      timeUnixNano: toBigInt(event['timeUnixNano'], index, 'event'),
      attributes: (event['attributes'] ?? {}) as Attributes,
    })),
    links: (span['links'] ?? []) as ReceivedSpan['links'],
    resource: (span['resource'] ?? {}) as Attributes,
    scope: (span['scope'] ?? {
      name: '',
      version: '',
    }) as ReceivedSpan['scope'],
  };
}

function toBigInt(value: unknown, index: number, what: string): bigint {
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return BigInt(value);
  throw new Error(
    `read-out span #${index}: ${what} time ${JSON.stringify(value)} is not a decimal string`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
