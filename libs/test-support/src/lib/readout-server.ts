import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { ReceivedTelemetry } from './otlp-store.js';
import { serializeReadout } from './readout-json.js';

export interface ReadoutServerOptions {
  /** The receivers whose records are served, as one read-out. */
  receivers: readonly ReceivedTelemetry[];
  host: string;
  /** 0 lets the kernel choose. */
  port: number;
}

export interface ReadoutServer {
  readonly port: number;
  /** Stops accepting and closes idle and open connections. */
  close(): Promise<void>;
}

/**
 * A small HTTP read-out of what OTLP receivers recorded, for receivers that run where the test
 * cannot reach their memory (a container). Read-only:
 *
 * - `GET /received` -> 200 JSON `{exportCalls, exports, rejections, spans, metrics, logs}` (see
 *   readout-json.ts for the encoding)
 * - `GET /healthz`  -> 200 JSON `{"status":"ok"}`
 * - any other path -> 404 JSON, any other method -> 405 JSON with `Allow: GET, HEAD`
 */
export function startReadoutServer(
  options: ReadoutServerOptions,
): Promise<ReadoutServer> {
  const server = createServer((req, res) =>
    answer(req, res, options.receivers),
  );
  // Pollers open one connection per read; nothing should linger after close().
  server.keepAliveTimeout = 1_000;

  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new Error(
          `read-out could not listen on ${options.host}:${options.port}: ${error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port, options.host, () => {
      const address = server.address();
      const port =
        address !== null && typeof address === 'object'
          ? address.port
          : options.port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function answer(
  req: IncomingMessage,
  res: ServerResponse,
  receivers: ReadoutServerOptions['receivers'],
): void {
  const path = new URL(req.url ?? '/', 'http://readout').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, {
      error: 'method_not_allowed',
      message: `${req.method} is not supported; the read-out only answers GET`,
    });
    return;
  }
  switch (path) {
    case '/received':
      send(res, 200, serializeReadout(receivers));
      return;
    case '/healthz':
      send(res, 200, { status: 'ok' });
      return;
    default:
      send(res, 404, {
        error: 'not_found',
        message: `no ${path} here; try GET /received or GET /healthz`,
      });
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: object | string,
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
