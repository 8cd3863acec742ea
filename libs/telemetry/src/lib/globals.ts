/**
 * The OpenTelemetry API's globals (tracer provider with its context manager and propagator,
 * meter provider, logger provider), registered by the library and taken back at shutdown.
 *
 * Why taken back: a process that starts telemetry again after shutting it down — a test suite
 * does, test after test — gets the new providers, not the old, shut-down ones. Why an owner:
 * the API refuses a second registration (and logs an error for it), so while this library's
 * first telemetry holds a global, a second start does not try (it is warned about elsewhere),
 * and only the holder takes it back.
 */
import {
  context,
  logs,
  metrics,
  propagation,
  trace,
  type LoggerProvider,
  type MeterProvider,
  type TextMapPropagator,
  type TracerProvider,
} from '@opentelemetry/api';
import { RequestContextManager } from './context.js';

type Part = 'trace' | 'metrics' | 'logs';
const OWNERS = Symbol.for('@otel-dice/telemetry.global-owners');
type WithOwners = typeof globalThis & {
  [OWNERS]?: Partial<Record<Part, object>>;
};

function owners(): Partial<Record<Part, object>> {
  const g = globalThis as WithOwners;
  return (g[OWNERS] ??= {});
}

/** Registers `register` as `part`'s global unless this library already holds it; returns the release. */
function hold(
  part: Part,
  register: () => boolean,
  release: () => void,
): () => void {
  const held = owners();
  if (held[part] !== undefined) return () => undefined;
  const token = {};
  if (!register()) return () => undefined;
  held[part] = token;
  return () => {
    if (held[part] !== token) return;
    delete held[part];
    release();
  };
}

/**
 * The configured propagator over an AsyncLocalStorage context (the stock manager with a cheaper
 * binding of server requests and responses: RequestContextManager), and the tracer provider.
 */
export function registerTracing(
  provider: TracerProvider,
  propagator: TextMapPropagator,
): () => void {
  return hold(
    'trace',
    () =>
      context.setGlobalContextManager(new RequestContextManager().enable()) &&
      propagation.setGlobalPropagator(propagator) &&
      trace.setGlobalTracerProvider(provider),
    () => {
      trace.disable();
      propagation.disable();
      context.disable();
    },
  );
}

export function registerMetrics(provider: MeterProvider): () => void {
  return hold(
    'metrics',
    () => metrics.setGlobalMeterProvider(provider),
    () => metrics.disable(),
  );
}

export function registerLogs(provider: LoggerProvider): () => void {
  return hold(
    'logs',
    () => logs.setGlobalLoggerProvider(provider),
    () => logs.disable(),
  );
}
