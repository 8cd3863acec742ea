/**
 * Structured logs: a pino logger and the access log, one JSON line per request on completion.
 *
 * The access log wraps the plain Node request listener instead of being an Express middleware.
 * There the active span is exactly the HTTP server span the http instrumentation created. Inside
 * Express it depends on which layers the Express instrumentation wraps: with layer spans switched
 * on (the library's `expressLayerSpans`), a handler or middleware runs in a span of its own, and
 * its span_id would point at that child instead of the request.
 * The wrapper also logs requests Express never gets to route.
 */
import type {
  IncomingMessage,
  RequestListener,
  ServerResponse,
} from 'node:http';
import { performance } from 'node:perf_hooks';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import {
  pino,
  stdTimeFunctions,
  type DestinationStream,
  type Logger,
} from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly serviceName: string;
  /** pino level name; 'info' when omitted. */
  readonly level?: string;
  /** Where lines go; stdout when omitted. Tests pass a stream to read lines back. */
  readonly destination?: DestinationStream;
}

export function createLogger({
  serviceName,
  level = 'info',
  destination,
}: LoggerOptions): Logger {
  const options = {
    name: serviceName,
    level,
    timestamp: stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Routes hit by machines on a schedule (Prometheus scrapes, liveness probes). Their access lines
 * are written at debug level: at info they would drown the requests people care about.
 */
export const PROBE_ROUTES: readonly string[] = ['/metrics', '/healthz'];

/** The fields of an access log line, in addition to pino's level/time/pid/hostname/name/msg. */
export interface RequestLogFields {
  readonly method: string | undefined;
  /** The matched Express route pattern (`/rolldice`), or null when nothing matched (404). */
  readonly route: string | null;
  readonly status: number;
  readonly duration_ms: number;
  /** Ids of the HTTP server span, null when the request was not traced. */
  readonly trace_id: string | null;
  readonly span_id: string | null;
  /** Present only when the client went away before the response was complete. */
  readonly aborted?: true;
  /** Present only when the app's error handler caught an unexpected error. */
  readonly err?: unknown;
}

export const REQUEST_LOG_MESSAGE = 'request completed';

const requestErrors = new WeakMap<ServerResponse, unknown>();

/**
 * Hands an unexpected error to the access log, so it is logged (with stack) on the request's one
 * line instead of a second line, and never in the response body.
 */
export function attachErrorToRequestLog(
  res: ServerResponse,
  error: unknown,
): void {
  requestErrors.set(res, error);
}

/** Wraps a request listener (e.g. an Express app) so every request yields one access log line. */
export function withRequestLogging(
  listener: RequestListener,
  logger: Logger,
): RequestListener {
  return (req, res) => {
    const startedAt = performance.now();
    // Captured now, while the HTTP instrumentation's server span is the active one; its ids are
    // read only for a line that is written (at LOG_LEVEL=warn most are not).
    const span = trace.getActiveSpan();

    res.once('close', () => {
      const route = matchedRoute(req);
      const level =
        res.statusCode >= 500
          ? 'error'
          : route !== null && PROBE_ROUTES.includes(route)
            ? 'debug'
            : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const spanContext = span?.spanContext();
      const traced =
        spanContext !== undefined && isSpanContextValid(spanContext);
      const fields: RequestLogFields = {
        method: req.method,
        route,
        status: res.statusCode,
        duration_ms: roundMs(performance.now() - startedAt),
        trace_id: traced ? spanContext.traceId : null,
        span_id: traced ? spanContext.spanId : null,
        ...(res.writableFinished ? {} : { aborted: true as const }),
        ...(requestErrors.has(res) ? { err: requestErrors.get(res) } : {}),
      };
      logger[level](fields, REQUEST_LOG_MESSAGE);
    });

    listener(req, res);
  };
}

/**
 * The route pattern Express matched. Express stores the matched Route on the request object
 * (`req.route`, `req.baseUrl` for mounted routers); both are still there when the response closes.
 * Patterns, not paths, so the field stays low-cardinality.
 */
export function matchedRoute(req: IncomingMessage): string | null {
  const { route, baseUrl } = req as IncomingMessage & {
    route?: { path?: unknown };
    baseUrl?: unknown;
  };
  if (route === undefined || route.path === undefined) return null;
  const prefix = typeof baseUrl === 'string' ? baseUrl : '';
  return `${prefix}${String(route.path)}`;
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
