/**
 * The Prometheus port — `OTEL_EXPORTER_PROMETHEUS_HOST`/`_PORT`, and what zero-code start-up
 * serves on by default: a `node:http` server of our own in place of the exporter's
 * `startServer()`. The exporter still collects; PrometheusScrape renders with its serializer.
 *
 * Why not the exporter's server: it is a bare `http.createServer()` — Node's defaults of 60 s for
 * a request head and 300 s for a request, checked every 30 s, no connection cap, and nothing
 * against clients that pipeline requests and never read. It shares the process's file
 * descriptors with the app's port: 3,000 connections trickling headers into it were all still
 * open after 40 s, and under a 1,024 file limit 999 of them made the app fail every `/healthz`
 * for 76 s. Here it gets the protection of the apps' own ports (the same timeouts, checked
 * every second, and connection-guard.ts) and a connection cap of its own, far below the app
 * port's share of the file descriptors (80 % of the soft limit, see libs/app-config), so
 * neither port can exhaust them for the other.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_PROMETHEUS, type PrometheusSettings } from './config/model.js';
import {
  guardConnections,
  type ConnectionGuardOptions,
} from './connection-guard.js';

export interface PrometheusServerLimits extends ConnectionGuardOptions {
  /** The request head must be complete within this (408 and close otherwise). */
  readonly headersTimeoutMs: number;
  /** The whole request must be received within this. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as soon as they are accepted. */
  readonly maxConnections: number;
}

/** The model's `prometheus.server` settings (config/model.ts) as the server's limits. */
export function prometheusServerLimits(
  server: PrometheusSettings['server'],
): PrometheusServerLimits {
  return {
    headersTimeoutMs: server.headers_timeout,
    requestTimeoutMs: server.request_timeout,
    keepAliveTimeoutMs: server.keep_alive_timeout,
    maxConnections: server.max_connections,
    sendTimeoutMs: server.send_timeout,
    maxPipelinedRequests: server.max_pipelined_requests,
  };
}

/** The model's defaults (DEFAULT_PROMETHEUS in config/model.ts says why these). */
export const DEFAULT_PROMETHEUS_SERVER_LIMITS: PrometheusServerLimits =
  prometheusServerLimits(DEFAULT_PROMETHEUS.server);

/** How often Node looks for requests past their head/request timeout (its default is 30 s). */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

export interface PrometheusServerOptions {
  readonly host: string;
  readonly port: number;
  /** Each one defaults to DEFAULT_PROMETHEUS_SERVER_LIMITS. */
  readonly limits?: Partial<PrometheusServerLimits>;
}

export interface PrometheusServer {
  readonly server: Server;
  /** e.g. http://127.0.0.1:9464/metrics */
  readonly url: string;
  /** Stops listening and closes every connection, a scrape in progress too. */
  close(): Promise<void>;
}

/** Serves `scrape` on GET/HEAD `/metrics` of host:port; rejects if it cannot listen. */
export async function startPrometheusServer(
  scrape: (req: IncomingMessage, res: ServerResponse) => void,
  { host, port, limits: given = {} }: PrometheusServerOptions,
): Promise<PrometheusServer> {
  const limits = { ...DEFAULT_PROMETHEUS_SERVER_LIMITS, ...given };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
    },
    (req, res) => route(req, res, scrape),
  );
  server.maxConnections = limits.maxConnections;
  guardConnections(server, {
    sendTimeoutMs: limits.sendTimeoutMs,
    maxPipelinedRequests: limits.maxPipelinedRequests,
  });
  // Like the exporter's server: metrics alone do not keep the process alive.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, family, port: bound } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${family === 'IPv6' ? `[${address}]` : address}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function route(
  req: IncomingMessage,
  res: ServerResponse,
  scrape: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path !== '/metrics') {
    sendJson(res, 404, { error: 'not_found', message: 'no such route' });
  } else if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    sendJson(res, 405, {
      error: 'method_not_allowed',
      message: '/metrics answers GET and HEAD only',
    });
  } else {
    scrape(req, res);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
