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
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { describeConfig } from './config/describe.js';
import type { TelemetryConfig } from './config/model.js';
import { knownSecrets } from './config/redact.js';
import {
  resolveTelemetryConfig,
  type ConfigOverrides,
} from './config/resolve.js';
import type { Env } from './config/values.js';
import { configureDiagnostics } from './diagnostics.js';
import {
  clearActiveTelemetry,
  getTelemetry,
  setActiveTelemetry,
} from './active.js';
import {
  instrumentedModuleNames,
  registerEsmLoaderHook,
  type EsmLoaderHookMode,
  type EsmLoaderHookState,
} from './esm-hook.js';
import { watchLateStart } from './late-start.js';
import type {
  ExportHealthLogRecordExporter,
  ExportHealthMetricExporter,
  ExportHealthReporter,
  ExportHealthSpanExporter,
} from './export-health.js';
import {
  createInstrumentations,
  type ExpressLayerKind,
} from './instrumentations.js';
import { initLogs } from './logs.js';
import { UntrustedExtractPropagator } from './http-edge.js';
import { initMetrics } from './metrics.js';
import { createPropagator } from './propagators.js';
import { redactingReporter } from './reporter.js';
import { createResource } from './resource.js';
import { createShutdown } from './shutdown.js';
import { exportersOf, readPemFiles } from './tls.js';
import { initTraces, stderrReporter } from './traces.js';

export interface TelemetryOptions {
  /** Used when neither `serviceName`, the environment nor the configuration file names the service. */
  defaultServiceName: string;
  /** Beats OTEL_SERVICE_NAME > APP_SERVICE_NAME > service.name in OTEL_RESOURCE_ATTRIBUTES. */
  serviceName?: string;
  serviceVersion?: string;
  /** Beats OTEL_EXPORTER_OTLP_TRACES_ENDPOINT > OTEL_EXPORTER_OTLP_ENDPOINT > TRACE_ENDPOINT. */
  traceEndpoint?: string;
  /** Sections of the resolved configuration to replace in code (see ConfigOverrides). */
  overrides?: ConfigOverrides;
  /** Defaults to process.env. */
  env?: Env;
  /**
   * Receives the start-up summary, notes, and the export-outage warnings (default: one plain
   * line each on stderr).
   */
  logger?: ExportHealthReporter;
  /** Request paths that get no span (default /metrics and /healthz). */
  ignoredPaths?: readonly string[];
  /** Express layers that get their own span (default none; see createInstrumentations). */
  expressLayerSpans?: readonly ExpressLayerKind[];
  /** Replaces the configured instrumentations (http + express by default, see createInstrumentations). */
  instrumentations?: Instrumentation[];
  /** Replaces the configured span exporters (tests: an InMemorySpanExporter). */
  spanExporter?: SpanExporter;
  /** Replaces the configured log exporters (tests: an InMemoryLogRecordExporter). */
  logExporter?: LogRecordExporter;
  /** Extra metric readers besides the configured ones (tests). */
  metricReaders?: IMetricReader[];
  /** Bound for shutdown(); default 5000 ms. */
  shutdownTimeoutMs?: number;
  /**
   * How packages loaded with `import` get patched (see esm-hook.ts): `auto` (default) uses
   * Node's synchronous module hooks where available and `module.register()` otherwise; `false`
   * registers no loader hook.
   */
  esmLoaderHook?: EsmLoaderHookMode | false;
}

export interface ExportHealthBySignal {
  readonly traces?: ExportHealthSpanExporter;
  readonly metrics?: ExportHealthMetricExporter;
  readonly logs?: ExportHealthLogRecordExporter;
}

export interface Telemetry {
  /** False when OTEL_SDK_DISABLED=true: tracer and meter are no-ops, nothing is patched. */
  readonly enabled: boolean;
  readonly serviceName: string;
  /** The resolved configuration everything was built from. */
  readonly config: TelemetryConfig;
  readonly resource: Resource | undefined;
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** The seed's `request_counter` (description "Number of requests", unit "1"). */
  readonly requestCounter: Counter;
  /** Export successes/failures/outages of the (first) OTLP trace exporter, when one is in use. */
  readonly exportHealth: ExportHealthSpanExporter | undefined;
  /** The same for every signal that exports over OTLP. */
  readonly exportHealthBySignal: ExportHealthBySignal;
  /** Whether the loader hook that lets the instrumentations see `import`ed packages is in place. */
  readonly esmLoaderHook: EsmLoaderHookState;
  /** Serves the Prometheus text exposition on the app's own server (404 when not configured there). */
  metricsHandler(req: IncomingMessage, res: ServerResponse): void;
  /** Flushes pending spans, metrics and log records, then stops. Idempotent, bounded, never rejects. */
  shutdown(): Promise<void>;
}

export const TRACER_NAME = '@otel-dice/telemetry';

/**
 * One call for an app that wants everything: the configuration resolved once (environment or
 * OTEL_CONFIG_FILE, then `options`), resource, traces, metrics, logs, instrumentation and a
 * bounded shutdown. Call it before the app loads express, http or pino (see the README): the
 * instrumentations patch modules as they are required, and — through the loader hook registered
 * here — as they are imported; an ES module app therefore starts it with `node --import`. Says
 * once when a patched package was loaded too early (late-start.ts). Throws TelemetryConfigError
 * — one line naming the variable and what it accepts — when a value cannot be used, before
 * anything starts.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const config = resolveTelemetryConfig(options);
  // Every line the library prints passes the one redaction routine, which knows this
  // configuration's credentials (config/redact.ts).
  const secrets = knownSecrets(config);
  const logger = redactingReporter(options.logger ?? stderrReporter, secrets);
  if (config.disabled) return disabledTelemetry(config);
  // Every file the configuration names is read (and checked) before anything is built.
  const pem = readPemFiles(exportersOf(config));
  // At the public edge the caller's context is not continued, only linked (see http-edge.ts).
  const configured = createPropagator(config.propagators);
  const untrustedContext = config.http.trustIncomingContext
    ? undefined
    : new UntrustedExtractPropagator(configured);
  const instrumentations =
    options.instrumentations ??
    createInstrumentations({
      names: config.instrumentations,
      ignoredPaths: options.ignoredPaths,
      expressLayerSpans: options.expressLayerSpans,
      http: config.http,
      untrustedContext,
    });

  const running = getTelemetry();
  const esmLoaderHook: EsmLoaderHookState =
    options.esmLoaderHook === false
      ? { status: 'skipped', reason: 'esmLoaderHook: false' }
      : registerEsmLoaderHook({
          modules: instrumentedModuleNames(instrumentations),
          mode: options.esmLoaderHook,
        });

  configureDiagnostics(config.diagLevel, secrets);
  const resource = createResource(config.resource);
  const metrics = initMetrics({
    resource,
    config: config.metrics,
    pem,
    readers: options.metricReaders,
    reporter: logger,
  });
  const traces = initTraces({
    resource,
    config: config.traces,
    pem,
    exporter: options.spanExporter,
    meterProvider: metrics.provider,
    reporter: logger,
    propagator: untrustedContext ?? configured,
    // One switch back to the stock setup: the upstream instrumentations and the SDK's own tracer.
    leanTracer: config.http.instrumentation === 'lean',
  });
  const logs = initLogs({
    resource,
    config: config.logs,
    pem,
    exporter: options.logExporter,
    meterProvider: metrics.provider,
    reporter: logger,
  });
  const unpatch = registerInstrumentations({
    instrumentations,
    tracerProvider: traces.tracerProvider,
    meterProvider: metrics.provider,
    loggerProvider: logs.provider,
  });
  logger.info(`telemetry: ${describeConfig(config)}`);
  for (const note of config.notes) logger.warn(note);
  if (running)
    logger.warn(
      `telemetry for ${running.serviceName} is already running in this process; this second start adds another set of exporters and hooks (shut the first one down, or reach it with getTelemetry())`,
    );
  if (esmLoaderHook.status === 'failed')
    logger.warn(
      `the ES module loader hook could not be registered (${esmLoaderHook.reason}): packages loaded with import are not instrumented`,
    );
  const lateStart = watchLateStart({
    instrumentations,
    warn: (message) => logger.warn(message),
  });

  const timeoutMs = options.shutdownTimeoutMs ?? 5000;
  const shutdown = createShutdown(
    [
      // Each flushes what it holds, then closes its exporters. Prometheus pulls, so for the
      // default metrics setup this only closes the provider; an OTLP metrics reader pushes a last
      // collection.
      () => traces.shutdown(),
      () => logs.shutdown(),
      () => metrics.shutdown(),
    ],
    timeoutMs,
  );
  const telemetry: Telemetry = {
    enabled: true,
    serviceName: config.resource.serviceName,
    config,
    resource,
    tracer: traces.tracerProvider.getTracer(TRACER_NAME),
    meter: metrics.meter,
    requestCounter: metrics.requestCounter,
    exportHealth: traces.exportHealth,
    exportHealthBySignal: {
      traces: traces.exportHealth,
      metrics: metrics.exportHealth,
      logs: logs.exportHealth,
    },
    esmLoaderHook,
    metricsHandler: metrics.metricsHandler,
    shutdown: async () => {
      lateStart.stop();
      const result = await shutdown();
      unpatch();
      clearActiveTelemetry(telemetry);
      if (!result.completed) {
        logger.warn(
          `telemetry shutdown did not finish within ${timeoutMs} ms; pending data was dropped`,
        );
      }
      for (const error of result.errors)
        logger.warn(`telemetry shutdown: ${error.message}`);
    },
  };
  setActiveTelemetry(telemetry);
  return telemetry;
}

function disabledTelemetry(config: TelemetryConfig): Telemetry {
  const meter = createNoopMeter();
  return {
    enabled: false,
    serviceName: config.resource.serviceName,
    config,
    resource: undefined,
    tracer: trace.getTracer(TRACER_NAME),
    meter,
    requestCounter: meter.createCounter('request_counter'),
    exportHealth: undefined,
    exportHealthBySignal: {},
    esmLoaderHook: { status: 'skipped', reason: 'OTEL_SDK_DISABLED=true' },
    metricsHandler: (_req, res) => {
      res.statusCode = 200;
      res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      res.end('# OpenTelemetry SDK disabled by OTEL_SDK_DISABLED=true\n');
    },
    shutdown: () => Promise.resolve(),
  };
}
