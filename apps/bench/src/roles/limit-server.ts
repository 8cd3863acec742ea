/**
 * The "limit" variant: the dice logic on bare node:http, no framework, no telemetry. It answers
 * GET /rolldice exactly like dice-api's single roll with DICE_FAULT=off — a face 1..6 drawn with
 * crypto.randomInt as plain text, 200, `Cache-Control: no-store` — and does the same second draw
 * dice-api's `do_important_job` does, so the only difference left is Express and telemetry.
 */
import { randomInt } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';

export function createLimitServer(): Server {
  return createServer(handle);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  if (req.method === 'GET' && path === '/rolldice') {
    const face = randomInt(1, 7);
    randomInt(1, 10_001); // dice-api's do_important_job draw
    const body = String(face);
    res.writeHead(200, {
      'Cache-Control': 'no-store',
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
    return;
  }
  if (req.method === 'GET' && path === '/healthz') {
    sendJson(res, 200, { status: 'ok' });
    return;
  }
  sendJson(res, 404, { error: 'not_found', message: 'no such route' });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Child-process entry: listen on APP_HOST_NAME:APP_PORT, stop cleanly on SIGTERM/SIGINT. */
export function serveLimit(env: NodeJS.ProcessEnv = process.env): void {
  const host = env['APP_HOST_NAME'] ?? '127.0.0.1';
  const port = Number(env['APP_PORT']);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.stderr.write(
      `limit server: APP_PORT must be a port number, got ${JSON.stringify(env['APP_PORT'])}\n`,
    );
    process.exitCode = 1;
    return;
  }
  const server = createLimitServer();
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  server.listen(port, host);
}
