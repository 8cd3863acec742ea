/**
 * Telemetry for an app's own tests, started through the same code path as startTelemetry() —
 * the configuration resolved the same way, the same tracer, meter provider and `/metrics` —
 * with spans and log records kept in memory as they end, and metrics collected on demand.
 *
 * Differences that make it a test harness: the environment defaults to an empty one (a test
 * does not pick up the developer's OTEL_* variables), nothing is patched unless asked for
 * (`instrument`), no ES module loader hook is registered, no resource detector runs (they may
 * answer asynchronously), and every configured trace and log exporter is replaced by the
 * in-memory one in a simple processor, so a span is there the moment it ends.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, Counter, Meter, Tracer } from '@opentelemetry/api';
import {
  InMemoryLogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  DataPointType,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { EXTENSION } from './config/model.js';
import type { ConfigOverrides } from './config/overrides.js';
import { start } from './telemetry.js';

/**
 * What a test may set. The rest of startTelemetry's options are the test harness's: no loader
 * hook, no detectors, lines discarded.
 */
export interface TestTelemetryOptions {
  /** `service.name` of the spans and metrics (default `test`). */
  readonly serviceName?: string;
  readonly serviceVersion?: string;
  /** OTEL_* variables as a deployment would set them (default: none; process.env is not read). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Instrumentation names to switch on (`http`, `express`, …). Default none: the test starts
   * the spans it needs, and the test runner's own requests are not traced.
   */
  readonly instrument?: readonly string[];
}

/** One data point of a sum (a counter): its attributes and value. */
export interface CounterPoint {
  readonly attributes: Attributes;
  readonly value: number;
}

/**
 * The running test telemetry: the parts of startTelemetry()'s handle an app's code uses, and
 * what a test reads back.
 */
export interface TestTelemetry {
  readonly enabled: boolean;
  readonly serviceName: string;
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** The seed's `request_counter`. */
  readonly requestCounter: Counter;
  /** The Prometheus exposition, as the app's `/metrics` serves it. */
  metricsHandler(req: IncomingMessage, res: ServerResponse): void;
  /** Flushes and stops; the next startTestTelemetry() gets the API globals. */
  shutdown(): Promise<void>;
  /** Spans ended so far. */
  finishedSpans(): ReadableSpan[];
  /** Log records emitted so far (with a logs exporter configured, e.g. OTEL_LOGS_EXPORTER=otlp). */
  finishedLogRecords(): ReadableLogRecord[];
  /** Everything the meter provider has, collected now. */
  collectMetrics(): Promise<ResourceMetrics>;
  /** The current data points of a sum instrument (`request_counter`); empty when never recorded. */
  counterPoints(name: string): Promise<CounterPoint[]>;
  /** Forgets the spans and log records kept so far. */
  reset(): void;
}

/** A reader that collects only when asked. */
class OnDemandReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** In-memory exporters forget what they hold on shutdown; a test looks after it. */
class KeepingSpanExporter extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
class KeepingLogRecordExporter extends InMemoryLogRecordExporter {
  override shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export function startTestTelemetry(
  options: TestTelemetryOptions = {},
): TestTelemetry {
  const spans = new KeepingSpanExporter();
  const logRecords = new KeepingLogRecordExporter();
  let reader: OnDemandReader | undefined;
  const overrides: ConfigOverrides = {
    // No resource detectors: some detect asynchronously (host.id), and a simple processor then
    // exports a span only once they are done — a test wants it at once.
    resource: { 'detection/development': { detectors: [] } },
    distribution: {
      [EXTENSION]: { instrumentations: options.instrument ?? [] },
    },
  };
  const telemetry = start(
    {
      defaultServiceName: 'test',
      serviceName: options.serviceName,
      serviceVersion: options.serviceVersion,
      env: options.env ?? {},
      logger: { warn: () => undefined, info: () => undefined },
      overrides,
      esmLoaderHook: false,
    },
    {
      spanExporter: spans,
      logExporter: logRecords,
      simple: true,
      metricReaders: [
        (producer) =>
          (reader = new OnDemandReader({ metricProducers: [producer] })),
      ],
    },
  );
  const collectMetrics = async () => {
    if (reader === undefined)
      throw new Error('telemetry is disabled: there are no metrics');
    return (await reader.collect()).resourceMetrics;
  };
  return {
    ...telemetry,
    finishedSpans: () => spans.getFinishedSpans(),
    finishedLogRecords: () => logRecords.getFinishedLogRecords(),
    collectMetrics,
    counterPoints: async (name) => {
      const metric = (await collectMetrics()).scopeMetrics
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
    reset: () => {
      spans.reset();
      logRecords.reset();
    },
  };
}
