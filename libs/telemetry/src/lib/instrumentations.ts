import type { IncomingMessage } from 'node:http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resolveInstrumentationNames, type Env } from './env.js';

/** Scrapes and probes: a span per Prometheus scrape (every second) is noise, not signal. */
export const DEFAULT_IGNORED_PATHS: readonly string[] = ['/metrics', '/healthz'];

export interface InstrumentationOptions {
  env?: Env;
  /** Incoming request paths (query string ignored) that get no span. */
  ignoredPaths?: readonly string[];
}

/** Path of a request target without its query string, for the ignore list. Pure. */
export function requestPath(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function isIgnoredRequest(req: IncomingMessage, ignored: readonly string[]): boolean {
  return ignored.includes(requestPath(req.url));
}

/**
 * Only what an Express service needs: HTTP server/client spans (route, status code, 5xx =
 * ERROR, the http.server.request.duration histogram, W3C context in and out) and Express
 * router/handler spans. Express middleware layers (query parser, json, our logger) get no span:
 * they cost a span each on every request and tell nothing the handler span does not.
 *
 * Anything else named in OTEL_NODE_ENABLED_INSTRUMENTATIONS (e.g. `http,express,pg`) is loaded
 * from @opentelemetry/auto-instrumentations-node on demand, so the default start-up does not
 * require its ~45 instrumentation packages.
 */
export function createInstrumentations(options: InstrumentationOptions = {}): Instrumentation[] {
  const env = options.env ?? process.env;
  const ignored = options.ignoredPaths ?? DEFAULT_IGNORED_PATHS;
  const names = resolveInstrumentationNames(env);
  const instrumentations: Instrumentation[] = [];
  if (names.includes('http')) {
    instrumentations.push(
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => isIgnoredRequest(req, ignored),
      }),
    );
  }
  if (names.includes('express')) {
    instrumentations.push(
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
    );
  }
  const others = names.filter((n) => n !== 'http' && n !== 'express');
  if (others.length > 0) instrumentations.push(...loadAutoInstrumentations(others));
  return instrumentations;
}

function loadAutoInstrumentations(names: string[]): Instrumentation[] {
  // Loaded lazily on purpose (see createInstrumentations): a plain require, not an import.
  const auto = require('@opentelemetry/auto-instrumentations-node') as typeof import('@opentelemetry/auto-instrumentations-node');
  const config: Record<string, { enabled: boolean }> = {
    // ours above, configured for this library: never a second instance
    '@opentelemetry/instrumentation-http': { enabled: false },
    '@opentelemetry/instrumentation-express': { enabled: false },
  };
  for (const name of names) config[`@opentelemetry/instrumentation-${name}`] = { enabled: true };
  return auto.getNodeAutoInstrumentations(config) as Instrumentation[];
}
