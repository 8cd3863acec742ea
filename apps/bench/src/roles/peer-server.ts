/**
 * The "peer" variant's app: Express 5 with dice-api's routes and dice logic, instrumented only by
 * the getting-started setup (peer-telemetry.ts). GET /rolldice draws a face 1..6 in a `do_roll`
 * span (attribute `roll.value`, counter `dice.rolls`), runs `do_important_job` in its own span,
 * counts `request_counter` and answers the face as text with `Cache-Control: no-store` — what
 * dice-api does for a single roll with DICE_FAULT=off, with the same Express settings. /metrics
 * is the Prometheus exporter's page, /healthz and the JSON 404 as in dice-api.
 *
 * What dice-api does on top, and the peer does not: the `rolls` query parameter (absent in the
 * bench's requests, so one regex test of `undefined`) and the access-log wrapper (pino at warn:
 * a `close` listener and a level check per request). Both are dice-api's own cost, counted
 * against the library in the comparison.
 *
 * Loaded only after startPeerTelemetry(), so the instrumentations patch express and http.
 */
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { metrics, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import express from 'express';
import type { PeerTelemetry } from './peer-telemetry.js';

const tracer = trace.getTracer('dice-peer');

function inSpan<T>(name: string, work: (span: Span) => T): T {
  return tracer.startActiveSpan(name, (span) => {
    try {
      return work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

export function createPeerApp(telemetry: PeerTelemetry): express.Express {
  const meter = metrics.getMeter('dice-peer');
  const requestCounter = meter.createCounter('request_counter', {
    description: 'Number of requests',
    unit: '1',
  });
  const rollCounter = meter.createCounter('dice.rolls', {
    description: 'Dice rolls by face shown',
    unit: '{roll}',
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  app.get('/rolldice', (_req, res) => {
    requestCounter.add(1);
    res.set('Cache-Control', 'no-store');
    const face = inSpan('do_roll', (span) => {
      const value = randomInt(1, 7);
      span.setAttribute('roll.value', value);
      rollCounter.add(1, { 'roll.value': value });
      return value;
    });
    inSpan('do_important_job', () => {
      randomInt(1, 10_001);
    });
    res.status(200).type('text/plain').send(String(face));
  });
  app.get('/metrics', (req, res) =>
    telemetry.prometheus.getMetricsRequestHandler(req, res),
  );
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
  telemetry: PeerTelemetry,
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
  const server = createServer(createPeerApp(telemetry));
  const stop = () => {
    server.close(() => {
      void telemetry.shutdown().finally(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  server.listen(port, host);
  return server;
}
