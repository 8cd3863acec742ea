/**
 * The telemetry running in this process, reachable from anywhere in it.
 *
 * An app started with `node --import` has its telemetry started in a module the app never
 * imports (the register entry, or a start module of its own that a bundler may also have copied
 * into the app's bundle). OpenTelemetry's own globals already live on `globalThis`, for the same
 * reason; this does the same for the library's handle, so the app can serve `/metrics` from its
 * own server and notice a second start.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Telemetry } from './telemetry.js';

const ACTIVE = Symbol.for('@otel-dice/telemetry.active');

type GlobalWithActive = typeof globalThis & { [ACTIVE]?: Telemetry };

/** The telemetry started in this process and not shut down yet, if any. */
export function getTelemetry(): Telemetry | undefined {
  return (globalThis as GlobalWithActive)[ACTIVE];
}

export function setActiveTelemetry(telemetry: Telemetry): void {
  (globalThis as GlobalWithActive)[ACTIVE] = telemetry;
}

/** Forgets `telemetry` if it is the active one (a later start may have replaced it). */
export function clearActiveTelemetry(telemetry: Telemetry): void {
  const g = globalThis as GlobalWithActive;
  if (g[ACTIVE] === telemetry) delete g[ACTIVE];
}

/**
 * GET /metrics for an app whose telemetry was started elsewhere (`node --import`): serves the
 * running telemetry's Prometheus exposition, or answers 503 with a JSON body saying telemetry was
 * not started in this process.
 */
export function metricsHandler(
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const telemetry = getTelemetry();
  if (telemetry) {
    telemetry.metricsHandler(req, res);
    return;
  }
  res.statusCode = 503;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(
    JSON.stringify({
      error: 'telemetry_not_started',
      message:
        'telemetry was not started in this process: start the app with node --import (see @otel-dice/telemetry)',
    }),
  );
}
