/**
 * TEST-ONLY. Real OpenTelemetry SDK parts wired for in-process unit tests: spans are kept in
 * memory, metrics can be collected on demand, /metrics is served by a real Prometheus exporter.
 * Nothing is exported over the network and no instrumentation is installed, so there is no HTTP
 * server span; tests that need one start it themselves (see `inServerSpan`).
 *
 * Excluded from the app build (tsconfig.app.json) and only imported by *.spec.ts files.
 */
import type { RequestListener } from 'node:http';
import {
  context,
  SpanKind,
  type Attributes,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import type { AppTelemetry } from '../app.js';

/** A reader that only collects when asked, for asserting on counter values. */
class OnDemandMetricReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface CounterPoint {
  readonly attributes: Attributes;
  readonly value: number;
}

export interface InMemoryTelemetry extends AppTelemetry {
  /** Spans ended so far. */
  finishedSpans(): ReadableSpan[];
  /** Current data points of a sum instrument, e.g. `dice.rolls`; empty when never recorded. */
  counterPoints(name: string): Promise<CounterPoint[]>;
  shutdown(): Promise<void>;
}

let contextManagerInstalled = false;

/** startActiveSpan only nests spans with a context manager; install the one the library uses. */
function ensureContextManager(): void {
  if (contextManagerInstalled) return;
  context.setGlobalContextManager(
    new AsyncLocalStorageContextManager().enable(),
  );
  contextManagerInstalled = true;
}

export function createInMemoryTelemetry(): InMemoryTelemetry {
  ensureContextManager();
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
  const reader = new OnDemandMetricReader();
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [reader, prometheus] });
  const meter = meterProvider.getMeter('dice-api-test');

  return {
    tracer: tracerProvider.getTracer('dice-api-test'),
    meter,
    requestCounter: meter.createCounter('request_counter', {
      description: 'Number of requests',
      unit: '1',
    }),
    metricsHandler: (req, res) => prometheus.getMetricsRequestHandler(req, res),
    finishedSpans: () => spans.getFinishedSpans(),
    counterPoints: async (name) => {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((candidate) => candidate.descriptor.name === name);
      if (metric === undefined) return [];
      if (metric.dataPointType !== DataPointType.SUM)
        throw new Error(`${name} is not a sum`);
      return metric.dataPoints.map(({ attributes, value }) => ({
        attributes,
        value,
      }));
    },
    shutdown: async () => {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

/**
 * Wraps a request listener in a SERVER span made active for the request, as the http
 * instrumentation does in the real process.
 */
export function inServerSpan(
  tracer: Tracer,
  listener: RequestListener,
): RequestListener {
  return (req, res) => {
    tracer.startActiveSpan(
      `${req.method} (test server span)`,
      { kind: SpanKind.SERVER },
      (span) => {
        res.once('close', () => span.end());
        listener(req, res);
      },
    );
  };
}
