import * as grpc from '@grpc/grpc-js';
import { flattenExportRequest } from './otlp-decode.js';
import { traceServiceDefinition } from './otlp-proto.js';
import type {
  ReceivedExport,
  ReceivedSpan,
  WireExportTraceServiceRequest,
} from './otlp-types.js';
import { waitUntil, type WaitOptions } from './wait.js';

export interface OtlpReceiverOptions {
  /**
   * Port to bind on 127.0.0.1. Omit to let the kernel choose on the first start(); later
   * restarts reuse whatever port was bound first. Pass a port reserved with getFreePort() to
   * hand the endpoint to an app BEFORE the receiver is listening (late-collector tests).
   */
  port?: number;
}

/**
 * A real OTLP/gRPC trace endpoint for tests: implements
 * /opentelemetry.proto.collector.trace.v1.TraceService/Export on 127.0.0.1, decodes every request
 * with the OTLP schema (gzip-compressed requests included) and records the spans flattened.
 */
export interface OtlpReceiver {
  /** The bound (or configured) port; throws before the first start() when no port was given. */
  readonly port: number;
  /** 'http://127.0.0.1:PORT', ready for OTEL_EXPORTER_OTLP_ENDPOINT / TRACE_ENDPOINT. */
  readonly endpoint: string;
  readonly listening: boolean;
  /** Every span received since creation or the last clear(), in arrival order. */
  readonly spans: readonly ReceivedSpan[];
  /** Number of Export calls answered since creation or the last clear(). */
  readonly exportCalls: number;
  /** One record per Export call (span count, user agent). */
  readonly exports: readonly ReceivedExport[];
  /** Spans grouped by trace id, in arrival order. */
  traces(): Map<string, ReceivedSpan[]>;
  /** Forgets received spans and export records (the server keeps running). */
  clear(): void;
  /** Binds 127.0.0.1:port and starts answering. Rejects if already listening or the port is taken. */
  start(): Promise<void>;
  /** Closes the listener and kills open connections; resolves once the port is released. Idempotent. */
  stop(): Promise<void>;
  /**
   * Resolves with a snapshot of all spans once `predicate(spans)` is true; on timeout rejects
   * with `what` plus a summary of what DID arrive.
   */
  waitForSpans(
    predicate: (spans: readonly ReceivedSpan[]) => boolean,
    options?: WaitOptions,
  ): Promise<ReceivedSpan[]>;
}

const STOP_TIMEOUT_MS = 5_000;
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export function createOtlpReceiver(
  options: OtlpReceiverOptions = {},
): OtlpReceiver {
  if (options.port !== undefined && !isValidPort(options.port)) {
    throw new Error(
      `createOtlpReceiver: port must be an integer in 0..65535, got ${options.port}`,
    );
  }
  let port = options.port ?? 0;
  let server: grpc.Server | undefined;
  let starting = false; // guards against a second start() while bindAsync is pending
  const spans: ReceivedSpan[] = [];
  const exports: ReceivedExport[] = [];

  const exportHandler: grpc.handleUnaryCall<
    WireExportTraceServiceRequest,
    object
  > = (call, callback) => {
    let received: ReceivedSpan[];
    try {
      received = flattenExportRequest(call.request);
    } catch (error) {
      // Answer like a collector would instead of throwing inside grpc-js (which would crash the test).
      callback({
        code: grpc.status.INVALID_ARGUMENT,
        details: `undecodable spans: ${(error as Error).message}`,
      });
      return;
    }
    for (const span of received) spans.push(span);
    exports.push({
      spanCount: received.length,
      userAgent: firstHeader(call.metadata, 'user-agent'),
    });
    // An empty response means "all accepted" (no partial_success).
    callback(null, {});
  };

  const receiver: OtlpReceiver = {
    get port() {
      if (port === 0)
        throw new Error(
          'OTLP receiver has no port yet: start() it or pass {port}',
        );
      return port;
    },
    get endpoint() {
      return `http://127.0.0.1:${receiver.port}`;
    },
    get listening() {
      return server !== undefined;
    },
    get spans() {
      return spans;
    },
    get exportCalls() {
      return exports.length;
    },
    get exports() {
      return exports;
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
      exports.length = 0;
    },
    async start() {
      if (server || starting)
        throw new Error(`OTLP receiver already listening on 127.0.0.1:${port}`);
      // Generous limit so benchmark-sized batches are never refused (grpc-js defaults to 4 MiB).
      const next = new grpc.Server({
        'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      });
      next.addService(traceServiceDefinition(), { Export: exportHandler });
      starting = true;
      try {
        port = await bind(next, port);
      } finally {
        starting = false;
      }
      server = next;
    },
    async stop() {
      const current = server;
      server = undefined;
      if (current) await shutdown(current);
    },
    async waitForSpans(predicate, waitOptions = {}) {
      const what = waitOptions.what ?? 'matching spans';
      try {
        return await waitUntil(
          () => (predicate(spans) ? [...spans] : undefined),
          {
            ...waitOptions,
            what,
          },
        );
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\n${describeReceived(spans, exports.length)}`,
          {
            cause: error,
          },
        );
      }
    },
  };
  return receiver;
}

/** createOtlpReceiver + start. */
export async function startOtlpReceiver(
  options: OtlpReceiverOptions = {},
): Promise<OtlpReceiver> {
  const receiver = createOtlpReceiver(options);
  await receiver.start();
  return receiver;
}

function bind(server: grpc.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(
      `127.0.0.1:${port}`,
      grpc.ServerCredentials.createInsecure(),
      (error, bound) => {
        if (error) {
          server.forceShutdown();
          reject(
            new Error(
              `OTLP receiver could not bind 127.0.0.1:${port}: ${error.message}`,
              { cause: error },
            ),
          );
        } else {
          resolve(bound);
        }
      },
    );
  });
}

/**
 * tryShutdown's callback fires only once the listening socket and every session are closed, i.e.
 * when the port can be bound again; forceShutdown right after it cuts open exporter connections
 * so that happens now instead of whenever the client hangs up.
 */
function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`OTLP receiver did not close within ${STOP_TIMEOUT_MS} ms`),
        ),
      STOP_TIMEOUT_MS,
    );
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
    server.forceShutdown();
  });
}

function firstHeader(metadata: grpc.Metadata, key: string): string | undefined {
  const [value] = metadata.get(key);
  return value === undefined ? undefined : String(value);
}

function describeReceived(
  spans: readonly ReceivedSpan[],
  exportCalls: number,
): string {
  const names = spans.map((span) => span.name);
  const shown = names.slice(0, 50).join(', ');
  return `received ${spans.length} span(s) in ${exportCalls} export call(s)${
    names.length ? `: ${shown}${names.length > 50 ? ', …' : ''}` : ''
  }`;
}

function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}
