import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createNoopMeter,
  trace,
  type Counter,
  type Meter,
  type Tracer,
} from '@opentelemetry/api';
import {
  registerInstrumentations,
  type Instrumentation,
} from '@opentelemetry/instrumentation';
import type { Resource } from '@opentelemetry/resources';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { configureDiagnostics } from './diagnostics.js';
import { isSdkDisabled, resolveServiceName, type Env } from './env.js';
import type {
  ExportHealthReporter,
  ExportHealthSpanExporter,
} from './export-health.js';
import {
  createInstrumentations,
  type ExpressLayerKind,
} from './instrumentations.js';
import { initMetrics } from './metrics.js';
import { createResource } from './resource.js';
import { createShutdown } from './shutdown.js';
import { initTraces, stderrReporter } from './traces.js';

export interface TelemetryOptions {
  /** Used when neither `serviceName` nor the environment names the service. */
  defaultServiceName: string;
  /** Beats OTEL_SERVICE_NAME > APP_SERVICE_NAME > service.name in OTEL_RESOURCE_ATTRIBUTES. */
  serviceName?: string;
  serviceVersion?: string;
  /** Beats OTEL_EXPORTER_OTLP_TRACES_ENDPOINT > OTEL_EXPORTER_OTLP_ENDPOINT > TRACE_ENDPOINT. */
  traceEndpoint?: string;
  /** Defaults to process.env. */
  env?: Env;
  /** Receives the export-outage warnings (default: one plain line on stderr). */
  logger?: ExportHealthReporter;
  /** Request paths that get no span (default /metrics and /healthz). */
  ignoredPaths?: readonly string[];
  /** Express layers that get their own span (default none; see createInstrumentations). */
  expressLayerSpans?: readonly ExpressLayerKind[];
  /** Replaces the default instrumentations (http + express, see createInstrumentations). */
  instrumentations?: Instrumentation[];
  /** Replaces the span exporter (tests: an InMemorySpanExporter). */
  spanExporter?: SpanExporter;
  /** Extra metric readers besides the Prometheus one (tests). */
  metricReaders?: IMetricReader[];
  /** Bound for shutdown(); default 5000 ms. */
  shutdownTimeoutMs?: number;
}

export interface Telemetry {
  /** False when OTEL_SDK_DISABLED=true: tracer and meter are no-ops, nothing is patched. */
  readonly enabled: boolean;
  readonly serviceName: string;
  readonly resource: Resource | undefined;
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** The seed's `request_counter` (description "Number of requests", unit "1"). */
  readonly requestCounter: Counter;
  /** Export successes/failures/outages of the OTLP exporter, when it is in use. */
  readonly exportHealth: ExportHealthSpanExporter | undefined;
  /** Serves the Prometheus text exposition on the app's own server. */
  metricsHandler(req: IncomingMessage, res: ServerResponse): void;
  /** Flushes pending spans and metrics, then stops. Idempotent, bounded in time, never rejects. */
  shutdown(): Promise<void>;
}

export const TRACER_NAME = '@otel-dice/telemetry';

/**
 * One call for an app that wants everything: resource, traces, metrics, instrumentation and a
 * bounded shutdown. Call it before the app requires express or http (see the README): the
 * instrumentations patch modules as they are required. Throws TelemetryConfigError, naming the
 * variable, when an OTEL_* value cannot be used.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const logger = options.logger ?? stderrReporter;
  if (isSdkDisabled(env)) return disabledTelemetry(options, env);

  configureDiagnostics(env);
  const resource = createResource({ ...options, env });
  const metrics = initMetrics({ resource, readers: options.metricReaders });
  const traces = initTraces({
    resource,
    env,
    endpoint: options.traceEndpoint,
    exporter: options.spanExporter,
    meterProvider: metrics.provider,
    reporter: logger,
  });
  const unpatch = registerInstrumentations({
    instrumentations:
      options.instrumentations ??
      createInstrumentations({
        env,
        ignoredPaths: options.ignoredPaths,
        expressLayerSpans: options.expressLayerSpans,
      }),
    tracerProvider: traces.provider,
    meterProvider: metrics.provider,
  });
  const timeoutMs = options.shutdownTimeoutMs ?? 5000;
  const shutdown = createShutdown(
    [
      // spans first flushed then the exporter closed; metrics last collected by a final scrape
      // are not pushed anywhere (Prometheus pulls), so the meter provider only needs closing.
      () => traces.shutdown(),
      () => metrics.shutdown(),
    ],
    timeoutMs,
  );
  return {
    enabled: true,
    serviceName: String(resource.attributes['service.name']),
    resource,
    tracer: traces.provider.getTracer(TRACER_NAME),
    meter: metrics.meter,
    requestCounter: metrics.requestCounter,
    exportHealth: traces.exportHealth,
    metricsHandler: metrics.metricsHandler,
    shutdown: async () => {
      const result = await shutdown();
      unpatch();
      if (!result.completed) {
        logger.warn(
          `telemetry shutdown did not finish within ${timeoutMs} ms; pending data was dropped`,
        );
      }
      for (const error of result.errors)
        logger.warn(`telemetry shutdown: ${error.message}`);
    },
  };
}

function disabledTelemetry(options: TelemetryOptions, env: Env): Telemetry {
  const meter = createNoopMeter();
  return {
    enabled: false,
    serviceName: resolveServiceName(
      env,
      options.serviceName,
      options.defaultServiceName,
    ),
    resource: undefined,
    tracer: trace.getTracer(TRACER_NAME),
    meter,
    requestCounter: meter.createCounter('request_counter'),
    exportHealth: undefined,
    metricsHandler: (_req, res) => {
      res.statusCode = 200;
      res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      res.end('# OpenTelemetry SDK disabled by OTEL_SDK_DISABLED=true\n');
    },
    shutdown: () => Promise.resolve(),
  };
}
