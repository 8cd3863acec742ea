/**
 * What a receiver has recorded, shared by the OTLP/gRPC and OTLP/HTTP receivers so tests read
 * telemetry the same way whichever protocol brought it.
 */
import type { IngestedExport } from './otlp-ingest.js';
import type { ReceivedLogRecord } from './otlp-log-types.js';
import type { ReceivedMetric } from './otlp-metric-types.js';
import type {
  OtlpSignal,
  ReceivedExport,
  ReceivedSpan,
  RejectedRequest,
} from './otlp-types.js';
import { waitUntil, type WaitOptions } from './wait.js';

/** The read side of a receiver: everything received since creation or the last clear(). */
export interface ReceivedTelemetry {
  /** Every span received, in arrival order. */
  readonly spans: readonly ReceivedSpan[];
  /** Every metric received (one entry per Metric message), in arrival order. */
  readonly metrics: readonly ReceivedMetric[];
  /** Every log record received, in arrival order. */
  readonly logs: readonly ReceivedLogRecord[];
  /** Number of Export calls answered with success, all signals together. */
  readonly exportCalls: number;
  /** One record per successful Export call: signal, item count, protocol, compression, headers. */
  readonly exports: readonly ReceivedExport[];
  /** Requests answered with an error (undecodable body, wrong path or content type…). */
  readonly rejections: readonly RejectedRequest[];
  /** Spans grouped by trace id, in arrival order. */
  traces(): Map<string, ReceivedSpan[]>;
  /** Forgets everything received (the server keeps running). */
  clear(): void;
  /**
   * Resolves with a snapshot of all spans once `predicate(spans)` is true; on timeout rejects
   * with `what` plus a summary of what DID arrive.
   */
  waitForSpans(
    predicate: (spans: readonly ReceivedSpan[]) => boolean,
    options?: WaitOptions,
  ): Promise<ReceivedSpan[]>;
  /** Like waitForSpans, for metrics. */
  waitForMetrics(
    predicate: (metrics: readonly ReceivedMetric[]) => boolean,
    options?: WaitOptions,
  ): Promise<ReceivedMetric[]>;
  /** Like waitForSpans, for log records. */
  waitForLogs(
    predicate: (logs: readonly ReceivedLogRecord[]) => boolean,
    options?: WaitOptions,
  ): Promise<ReceivedLogRecord[]>;
}

/** How a request arrived: everything in a ReceivedExport that decoding does not tell. */
export type ExportTransport = Omit<
  ReceivedExport,
  'signal' | 'itemCount' | 'spanCount'
>;

export interface TelemetryStore {
  readonly view: ReceivedTelemetry;
  record(ingested: IngestedExport, transport: ExportTransport): void;
  reject(rejection: RejectedRequest): void;
}

const MAX_LISTED = 50;

/**
 * Gives `target` the ReceivedTelemetry members of `view` as live properties (getters and
 * methods copied by descriptor, so `spans` etc. keep reflecting new arrivals).
 */
export function exposeTelemetry<T extends object>(
  target: T,
  view: ReceivedTelemetry,
): T & ReceivedTelemetry {
  return Object.defineProperties(
    target,
    Object.getOwnPropertyDescriptors(view),
  ) as T & ReceivedTelemetry;
}

export function createTelemetryStore(): TelemetryStore {
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];
  const logs: ReceivedLogRecord[] = [];
  const exports: ReceivedExport[] = [];
  const rejections: RejectedRequest[] = [];

  const summary = (signal: OtlpSignal): string =>
    [
      describeItems(signal, { spans, metrics, logs }, exports),
      describeExports(exports),
      describeRejections(rejections),
    ]
      .filter((line) => line !== '')
      .join('\n');

  async function waitFor<T>(
    signal: OtlpSignal,
    items: readonly T[],
    predicate: (items: readonly T[]) => boolean,
    options: WaitOptions,
    fallbackWhat: string,
  ): Promise<T[]> {
    try {
      return await waitUntil(
        () => (predicate(items) ? [...items] : undefined),
        {
          ...options,
          what: options.what ?? fallbackWhat,
        },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${summary(signal)}`, {
        cause: error,
      });
    }
  }

  const view: ReceivedTelemetry = {
    get spans() {
      return spans;
    },
    get metrics() {
      return metrics;
    },
    get logs() {
      return logs;
    },
    get exportCalls() {
      return exports.length;
    },
    get exports() {
      return exports;
    },
    get rejections() {
      return rejections;
    },
    traces() {
      const byTrace = new Map<string, ReceivedSpan[]>();
      for (const span of spans) {
        const list = byTrace.get(span.traceId);
        if (list) list.push(span);
        else byTrace.set(span.traceId, [span]);
      }
      return byTrace;
    },
    clear() {
      spans.length = 0;
      metrics.length = 0;
      logs.length = 0;
      exports.length = 0;
      rejections.length = 0;
    },
    waitForSpans(predicate, options = {}) {
      return waitFor('traces', spans, predicate, options, 'matching spans');
    },
    waitForMetrics(predicate, options = {}) {
      return waitFor(
        'metrics',
        metrics,
        predicate,
        options,
        'matching metrics',
      );
    },
    waitForLogs(predicate, options = {}) {
      return waitFor('logs', logs, predicate, options, 'matching log records');
    },
  };

  return {
    view,
    record(ingested, transport) {
      // A loop, not push(...items): benchmark-sized batches would overflow the argument stack.
      switch (ingested.signal) {
        case 'traces':
          for (const span of ingested.items) spans.push(span);
          break;
        case 'metrics':
          for (const metric of ingested.items) metrics.push(metric);
          break;
        case 'logs':
          for (const record of ingested.items) logs.push(record);
          break;
      }
      exports.push({
        signal: ingested.signal,
        itemCount: ingested.itemCount,
        spanCount: ingested.signal === 'traces' ? ingested.itemCount : 0,
        ...transport,
      });
    },
    reject(rejection) {
      rejections.push(rejection);
    },
  };
}

/** e.g. "received 2 span(s) in 1 export call(s): GET /rolldice, do_roll". */
export function describeItems(
  signal: OtlpSignal,
  received: {
    spans: readonly ReceivedSpan[];
    metrics: readonly ReceivedMetric[];
    logs: readonly ReceivedLogRecord[];
  },
  exports: readonly ReceivedExport[],
): string {
  const calls = exports.filter((e) => e.signal === signal).length;
  switch (signal) {
    case 'traces':
      return listLine(
        `received ${received.spans.length} span(s) in ${calls} export call(s)`,
        received.spans.map((span) => span.name),
      );
    case 'metrics':
      return listLine(
        `received ${received.metrics.length} metric(s) in ${calls} export call(s)`,
        unique(
          received.metrics.map(
            (m) => `${m.name} (${m.kind}${m.unit ? `, ${m.unit}` : ''})`,
          ),
        ),
      );
    case 'logs':
      return listLine(
        `received ${received.logs.length} log record(s) in ${calls} export call(s)`,
        received.logs.map(
          (r) =>
            `[${r.severityText || r.severityNumber}] ${truncate(bodyText(r.body), 80)}`,
        ),
      );
  }
}

/** e.g. "exports by signal and protocol: traces via grpc ×3, metrics via http/json ×1". */
export function describeExports(exports: readonly ReceivedExport[]): string {
  if (exports.length === 0) return 'no export call of any signal arrived';
  const counts = new Map<string, number>();
  for (const e of exports) {
    const key = `${e.signal} via ${e.protocol}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return `exports by signal and protocol: ${[...counts]
    .map(([key, n]) => `${key} ×${n}`)
    .join(', ')}`;
}

export function describeRejections(
  rejections: readonly RejectedRequest[],
): string {
  if (rejections.length === 0) return '';
  return listLine(
    `rejected ${rejections.length} request(s)`,
    rejections.map((r) => `${r.status} ${r.method} ${r.path}: ${r.reason}`),
    '\n  ',
  );
}

function listLine(head: string, items: string[], separator = ', '): string {
  if (items.length === 0) return head;
  const shown = items.slice(0, MAX_LISTED).join(separator);
  const more = items.length > MAX_LISTED ? `${separator}…` : '';
  return `${head}:${separator === ', ' ? ' ' : separator}${shown}${more}`;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  try {
    return JSON.stringify(body, (_key, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : v,
    );
  } catch {
    return String(body);
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
