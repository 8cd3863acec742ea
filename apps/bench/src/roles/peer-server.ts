/**
 * The peers' app: Express 5 with dice-api's routes and dice logic, instrumented only through a
 * `PeerTracing` — the getting-started OpenTelemetry setup (peer-telemetry.ts) or Datadog's
 * dd-trace (datadog-peer.ts), or either one's no-op when its tracer is not started (the peer's
 * own "off"). GET /rolldice draws a face 1..6 in a `do_roll` span (attribute `roll.value`,
 * counter `dice.rolls`), runs `do_important_job` in its own span, counts `request_counter` and
 * answers the face as text with `Cache-Control: no-store` — what dice-api does for a single roll
 * with DICE_FAULT=off, with the same Express settings. /metrics is the tracer's Prometheus page
 * where it has one, /healthz and the JSON 404 as in dice-api.
 *
 * What dice-api does on top, and the peers do not: the `rolls` query parameter (absent in the
 * bench's requests, so one regex test of `undefined`) and the access-log wrapper (pino at warn:
 * a `close` listener and a level check per request). Both are dice-api's own cost, counted
 * against the library in the comparison.
 *
 * Loaded only after the tracer started, so its instrumentations can patch express and http.
 */
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import express from 'express';

/**
 * What the app asks of a tracer. `S` is the tracer's own span type: the app sets its one
 * attribute through `setAttribute`, so each tracer is called exactly as its users call it
 * (`span.setAttribute` for OpenTelemetry, `span.setTag` for dd-trace).
 */
export interface PeerTracing<S> {
  /** Runs `work` in a new child span of the active one, made active; ended afterwards, a throw recorded. */
  inSpan<T>(name: string, work: (span: S) => T): T;
  setAttribute(span: S, key: string, value: number): void;
  /** The seed's `request_counter`, +1. */
  countRequest(): void;
  /** `dice.rolls` +1 with attribute `roll.value`. */
  countRoll(face: number): void;
  /** The Prometheus page, for a tracer whose metrics are scraped; undefined when none is served. */
  metricsHandler?: express.RequestHandler;
}

export function createPeerApp<S>(tracing: PeerTracing<S>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  app.get('/rolldice', (_req, res) => {
    tracing.countRequest();
    res.set('Cache-Control', 'no-store');
    const face = tracing.inSpan('do_roll', (span) => {
      const value = randomInt(1, 7);
      tracing.setAttribute(span, 'roll.value', value);
      tracing.countRoll(value);
      return value;
    });
    tracing.inSpan('do_important_job', () => {
      randomInt(1, 10_001);
    });
    res.status(200).type('text/plain').send(String(face));
  });
  const { metricsHandler } = tracing;
  if (metricsHandler) app.get('/metrics', metricsHandler);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use((_req: express.Request, res: express.Response) => {
    res.status(404).json({ error: 'not_found', message: 'no such route' });
  });
  return app;
}

/** Child-process entry: listen on APP_HOST_NAME:APP_PORT, flush and stop on SIGTERM/SIGINT. */
export function servePeer(
  app: express.Express,
  shutdown: () => Promise<void>,
  env: NodeJS.ProcessEnv = process.env,
): Server | undefined {
  const host = env['APP_HOST_NAME'] ?? '127.0.0.1';
  const port = Number(env['APP_PORT']);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.stderr.write(
      `peer server: APP_PORT must be a port number, got ${JSON.stringify(env['APP_PORT'])}\n`,
    );
    process.exitCode = 1;
    return undefined;
  }
  const server = createServer(app);
  const stop = () => {
    server.close(() => {
      void shutdown().finally(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  server.listen(port, host);
  return server;
}
