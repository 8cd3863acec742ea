/**
 * The player's own HTTP endpoints: GET /metrics (Prometheus text, served by the telemetry
 * library's handler) and GET /healthz. Plain node:http: two routes do not need a framework.
 *
 * The library's default `ignoredPaths` keep both routes out of the traces.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_SERVER_LIMITS,
  serverOptions,
  type ServerLimits,
} from '@otel-dice/app-config';
import { guardConnections, type Telemetry } from '@otel-dice/telemetry';

/**
 * Timeouts and a connection cap (PLAYER_*_TIMEOUT_MS, PLAYER_MAX_CONNECTIONS) against slow
 * clients, and the connection guard (PLAYER_SEND_TIMEOUT_MS, PLAYER_MAX_PIPELINED_REQUESTS)
 * against clients that do not read their answers; a scrape that stalls also cannot keep
 * shutdown waiting on its socket for long.
 */
export function createStatusServer(
  metricsHandler: Telemetry['metricsHandler'],
  limits: ServerLimits = DEFAULT_SERVER_LIMITS,
): Server {
  const server = createServer(serverOptions(limits), (req, res) =>
    route(req, res, metricsHandler),
  );
  server.maxConnections = limits.maxConnections;
  guardConnections(server, limits);
  return server;
}

function route(
  req: IncomingMessage,
  res: ServerResponse,
  metricsHandler: Telemetry['metricsHandler'],
): void {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path !== '/metrics' && path !== '/healthz') {
    sendJson(res, 404, { error: 'not_found', message: 'no such route' });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    sendJson(res, 405, {
      error: 'method_not_allowed',
      message: `${path} answers GET only`,
    });
    return;
  }
  if (path === '/metrics') metricsHandler(req, res);
  else sendJson(res, 200, { status: 'ok' });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(body));
}

export function listen(
  server: Server,
  port: number,
  host: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { address, family, port: bound } = server.address() as AddressInfo;
      resolve(
        `http://${family === 'IPv6' ? `[${address}]` : address}:${bound}`,
      );
    });
  });
}

/** Stops accepting and resolves once every connection is closed (idle keep-alives at once). */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
