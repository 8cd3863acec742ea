/**
 * The JSON the receiver container's read-out serves (GET /received), and its inverse for tests.
 *
 * JSON has no bigint and no bytes, so on the wire every `…UnixNano` time (and any integer beyond
 * 2^53: attribute values, metric points) is a decimal string, byte values are base64, absent values
 * (a root span's parentSpanId, a histogram without min) have no key, and non-finite doubles become
 * null. `parseReadout` turns every `…UnixNano` field back into bigint, so read-out records compare
 * with `toEqual` like the ones a receiver in the test's own process holds; other values stay as sent.
 */
import type { ReceivedLogRecord } from './otlp-log-types.js';
import type { ReceivedMetric } from './otlp-metric-types.js';
import type { ReceivedTelemetry } from './otlp-store.js';
import type {
  ReceivedExport,
  ReceivedSpan,
  RejectedRequest,
} from './otlp-types.js';

/** Everything the receivers behind a read-out recorded since they started. */
export interface Readout {
  /** Successful Export calls, all signals and protocols together. */
  exportCalls: number;
  /** One per successful Export call; `protocol` says which receiver took it. */
  exports: ReceivedExport[];
  /** Requests answered with an error instead of being recorded. */
  rejections: RejectedRequest[];
  spans: ReceivedSpan[];
  metrics: ReceivedMetric[];
  logs: ReceivedLogRecord[];
}

type Recorded = Pick<
  ReceivedTelemetry,
  'exportCalls' | 'exports' | 'rejections' | 'spans' | 'metrics' | 'logs'
>;

/** The records of several receivers (e.g. OTLP/gRPC and OTLP/HTTP) as one read-out, as JSON. */
export function serializeReadout(receivers: readonly Recorded[]): string {
  const body: Record<keyof Readout, unknown> = {
    exportCalls: receivers.reduce((sum, r) => sum + r.exportCalls, 0),
    exports: receivers.flatMap((r) => r.exports),
    rejections: receivers.flatMap((r) => r.rejections),
    spans: receivers.flatMap((r) => r.spans),
    metrics: receivers.flatMap((r) => r.metrics),
    logs: receivers.flatMap((r) => r.logs),
  };
  return JSON.stringify(body, function replacer(this: unknown, key, value) {
    // `value` is already Buffer#toJSON's {type, data}; the holder still has the Buffer itself.
    const raw = (this as Record<string, unknown>)[key];
    if (Buffer.isBuffer(raw)) return raw.toString('base64');
    if (typeof value === 'bigint') return value.toString();
    return value;
  });
}

const ARRAYS = ['exports', 'rejections', 'spans', 'metrics', 'logs'] as const;

/** Parses a read-out body; throws an error naming what is malformed. */
export function parseReadout(text: string): Readout {
  let body: unknown;
  try {
    body = JSON.parse(text, (key, value: unknown) => {
      if (!key.endsWith('UnixNano')) return value;
      if (typeof value === 'string' && /^[0-9]+$/.test(value))
        return BigInt(value);
      throw new Error(
        `${key} ${JSON.stringify(value)} is not a decimal string`,
      );
    });
  } catch (error) {
    throw new Error(
      `read-out is not valid (${(error as Error).message}): ${text.slice(0, 200)}`,
      { cause: error },
    );
  }
  if (
    typeof body !== 'object' ||
    body === null ||
    typeof (body as Record<string, unknown>)['exportCalls'] !== 'number' ||
    ARRAYS.some(
      (name) => !Array.isArray((body as Record<string, unknown>)[name]),
    )
  ) {
    throw new Error(
      `read-out lacks exportCalls or one of ${ARRAYS.join('/')}: ${text.slice(0, 200)}`,
    );
  }
  return body as Readout;
}
