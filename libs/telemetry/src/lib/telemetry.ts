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
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { describeConfig } from './config/describe.js';
import { settingsOf, type TelemetryConfig } from './config/model.js';
import { knownSecrets } from './config/redact.js';
import type { ConfigOverrides } from './config/overrides.js';
import { resolveConfig } from './config/resolve.js';
import type { SignalDefaults } from './config/from-env.js';
import { configureDiagnostics } from './diagnostics.js';
import {
  clearActiveTelemetry,
  getTelemetry,
  setActiveTelemetry,
} from './active.js';
import {
  instrumentedModuleNames,
  registerEsmLoaderHook,
  type EsmLoaderHookState,
} from './esm-hook.js';
import { EXPRESS_ERRORS_INSTRUMENTATION_NAME } from './express-errors.js';
import {
  describeInstrumentations,
  modulesOf,
  planInstrumentations,
} from './instrumentation-selection.js';
import { watchLateStart, watchSwitchedOff } from './late-start.js';
import {
  startLazyInstrumentations,
  type LazyInstrumentations,
} from './lazy-instrumentations.js';
import type { ExportHealthStats, TelemetryLogger } from './export-health.js';
import { createInstrumentations } from './instrumentations.js';
import { initLogs } from './logs.js';
import { UntrustedExtractPropagator } from './http-edge.js';
import { buildMetrics, type ReaderFactory } from './metrics.js';
import { createPropagator, propagatorNames } from './propagators.js';
import { libraryLogger } from './reporter.js';
import { createResource } from './resource.js';
import { createShutdown } from './shutdown.js';
import { readPemFiles } from './tls.js';
import { buildTraces } from './traces.js';

export interface TelemetryOptions {
  /** Used when neither `serviceName`, the environment nor the configuration file names the service. */
  readonly defaultServiceName: string;
  /** Beats OTEL_SERVICE_NAME > APP_SERVICE_NAME > service.name in OTEL_RESOURCE_ATTRIBUTES. */
  readonly serviceName?: string;
  readonly serviceVersion?: string;
  /** Beats OTEL_EXPORTER_OTLP_TRACES_ENDPOINT > OTEL_EXPORTER_OTLP_ENDPOINT > TRACE_ENDPOINT. */
  readonly traceEndpoint?: string;
  /** Sections of the configuration model to set in code (see ConfigOverrides). */
  readonly overrides?: ConfigOverrides;
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Receives the start-up summary, notes, and the export-outage warnings (default: one plain
   * line each on stderr).
   */
  readonly logger?: TelemetryLogger;
  /** Request paths that get no span (default /metrics and /healthz). */
  readonly ignoredPaths?: readonly string[];
  /**
   * Express layers that get a span of their own. Default none: the route still names the
   * server span, and app spans are direct children of it.
   */
  readonly expressLayerSpans?: readonly (
    | 'router'
    | 'middleware'
    | 'request_handler'
  )[];
  /**
   * Span processors of the app's own, after the configured ones. They see the SDK's span
   * objects, so with any the spans are made by `@opentelemetry/sdk-trace`'s TracerProvider
   * instead of the library's compact tracer (the start-up line names which).
   */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Replaces the configured instrumentations (by default every one, most started on first use). */
  readonly instrumentations?: Instrumentation[];
  /** Bound for shutdown(); default 5000 ms. */
  readonly shutdownTimeoutMs?: number;
  /**
   * How packages loaded with `import` get patched: `auto` (default) uses Node's synchronous
   * module hooks where available and `module.register()` otherwise; `false` registers no loader
   * hook.
   */
  readonly esmLoaderHook?: 'auto' | 'sync' | 'async' | false;
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
  /** Whether the loader hook that lets the instrumentations see `import`ed packages is in place. */
  readonly esmLoaderHook: EsmLoaderHookState;
  /** The OTLP exports' successes, failures and outages so far, per signal exported over OTLP. */
  exportHealth(): {
    readonly traces?: Readonly<ExportHealthStats>;
    readonly metrics?: Readonly<ExportHealthStats>;
    readonly logs?: Readonly<ExportHealthStats>;
  };
  /** Serves the Prometheus text exposition on the app's own server (404 when not configured there). */
  metricsHandler(req: IncomingMessage, res: ServerResponse): void;
  /** Flushes pending spans, metrics and log records, then stops. Idempotent, bounded, never rejects. */
  shutdown(): Promise<void>;
}

export const TRACER_NAME = '@otel-dice/telemetry';

/** What the testing entry swaps in; nothing an app passes. */
export interface StartInternals {
  readonly spanExporter?: SpanExporter;
  readonly logExporter?: LogRecordExporter;
  /** The exporters above in simple processors instead of the configured ones. */
  readonly simple?: boolean;
  readonly metricReaders?: readonly ReaderFactory[];
  /** `specification` for the register entry: metrics and logs over OTLP by default (zero-code.ts). */
  readonly signalDefaults?: SignalDefaults;
  /** A last change to the resolved configuration, before anything is built (a forked child's). */
  readonly adjust?: (config: TelemetryConfig) => TelemetryConfig;
}

/**
 * One call for an app that wants everything: the configuration resolved once (environment or
 * OTEL_CONFIG_FILE, then `options`), resource, traces, metrics, logs, instrumentation and a
 * bounded shutdown, all built from that one object. Call it before the app loads express, http
 * or pino (see the README): the instrumentations patch modules as they are required, and —
 * through the loader hook registered here — as they are imported; an ES module app therefore
 * starts it with `node --import`. Says once when a patched package was loaded too early
 * (late-start.ts). Throws TelemetryConfigError — one line naming the variable and what it
 * accepts — when a value cannot be used, before anything starts.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  return start(options);
}

export function start(
  options: TelemetryOptions,
  internals: StartInternals = {},
): Telemetry {
  // What the app loaded before telemetry: a package the library loads while it starts (the gRPC
  // exporter's @grpc/grpc-js) is not the app's, and not late.
  const loadedBeforeStart = Object.keys(require.cache);
  const resolved = resolveConfig(options, internals.signalDefaults);
  const config = internals.adjust ? internals.adjust(resolved) : resolved;
  // Every line the library prints passes the one redaction routine, which knows this
  // configuration's credentials (config/redact.ts).
  const secrets = knownSecrets(config);
  const logger = libraryLogger(config, options.logger);
  if (config.disabled) return disabledTelemetry(config);
  // Every file the configuration names is read (and checked) before anything is built.
  const pem = readPemFiles(config);
  const settings = settingsOf(config);
  // At the public edge the caller's context is not continued, only linked (see http-edge.ts).
  const configured = createPropagator(propagatorNames(config));
  const untrustedContext = settings.http.trust_incoming_context
    ? undefined
    : new UntrustedExtractPropagator(configured);
  // http and express are built here; every other enabled instrumentation starts when the
  // app first loads what it patches (lazy-instrumentations.ts), runtime metrics at once.
  const plan = planInstrumentations(
    options.instrumentations ? [] : settings.instrumentations,
  );
  // What the loader hook must intercept for the lazy ones to see `import`ed packages.
  const lazyModules = modulesOf(plan.lazy);
  const instrumentations =
    options.instrumentations ??
    createInstrumentations(config, {
      ignoredPaths: options.ignoredPaths,
      expressLayerSpans: options.expressLayerSpans,
      untrustedContext,
    });

  const running = getTelemetry();
  const esmLoaderHook: EsmLoaderHookState =
    options.esmLoaderHook === false
      ? { status: 'skipped', reason: 'esmLoaderHook: false' }
      : registerEsmLoaderHook({
          modules: [
            ...instrumentedModuleNames(instrumentations),
            ...lazyModules,
          ],
          mode: options.esmLoaderHook,
          nodeOptions: settings.node_options,
        });

  configureDiagnostics(config.log_level ?? undefined, secrets);
  const resource = createResource(config);
  const metrics = buildMetrics(
    { config, resource, logger },
    { pem, readers: internals.metricReaders },
  );
  const traces = buildTraces(
    {
      config,
      resource,
      meterProvider: metrics.meterProvider,
      logger,
      spanProcessors: options.spanProcessors,
    },
    {
      pem,
      exporter: internals.spanExporter,
      simple: internals.simple,
      propagator: untrustedContext ?? configured,
    },
  );
  const logs = initLogs(
    { config, resource, meterProvider: metrics.meterProvider, logger },
    { pem, exporter: internals.logExporter, simple: internals.simple },
  );
  const unpatch = registerInstrumentations({
    instrumentations,
    tracerProvider: traces.tracerProvider,
    meterProvider: metrics.meterProvider,
    loggerProvider: logs.provider,
  });
  const lazy: LazyInstrumentations = startLazyInstrumentations({
    plan,
    tracerProvider: traces.tracerProvider,
    meterProvider: metrics.meterProvider,
    loggerProvider: logs.provider,
    loadedBeforeStart,
    onError: (name, error) =>
      logger.warn(
        `the ${name} instrumentation could not be loaded, so it stays off: ${(error as Error)?.message ?? String(error)}`,
      ),
  });
  logger.info(
    `telemetry: ${describeConfig(config, traces.path)}; ${describeInstrumentations(
      options.instrumentations
        ? options.instrumentations.map((i) => i.instrumentationName)
        : [...plan.library, ...lazy.started()],
      lazy.waiting(),
    )}`,
  );
  for (const note of settings.notes) logger.warn(note);
  if (running)
    logger.warn(
      `telemetry for ${running.serviceName} is already running in this process; this second start adds another set of exporters and hooks (shut the first one down, or reach it with getTelemetry())`,
    );
  if (esmLoaderHook.status === 'failed')
    logger.warn(
      `the ES module loader hook could not be registered (${esmLoaderHook.reason}): packages loaded with import are not instrumented`,
    );
  const lateStart = watchLateStart({
    // The error capture patches express's own files: express is what the warning names.
    instrumentations: [
      ...instrumentations.filter(
        (i) => i.instrumentationName !== EXPRESS_ERRORS_INSTRUMENTATION_NAME,
      ),
      ...lazy.startedLate(),
    ],
    warn: (message) => logger.warn(message),
    alsoLate: () => lazy.catchUp(),
  });
  const switchedOff = watchSwitchedOff(
    lazy,
    settings.instrumentations,
    (note) => logger.warn(note),
  );

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
    serviceName: serviceNameOf(config),
    config,
    resource,
    tracer: traces.tracerProvider.getTracer(TRACER_NAME),
    meter: metrics.meter,
    requestCounter: metrics.requestCounter,
    esmLoaderHook,
    exportHealth: () => ({
      traces: traces.exportHealth(),
      metrics: metrics.exportHealth(),
      logs: logs.exportHealth(),
    }),
    metricsHandler: metrics.metricsHandler,
    shutdown: async () => {
      lateStart.stop();
      switchedOff.stop();
      const result = await shutdown();
      unpatch();
      lazy.stop();
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

/** The decided service name, as config/service-name.ts wrote it into the resource's attributes. */
export function serviceNameOf(config: TelemetryConfig): string {
  return String(
    config.resource?.attributes?.find((a) => a.name === 'service.name')?.value,
  );
}

function disabledTelemetry(config: TelemetryConfig): Telemetry {
  const meter = createNoopMeter();
  return {
    enabled: false,
    serviceName: serviceNameOf(config),
    config,
    resource: undefined,
    tracer: trace.getTracer(TRACER_NAME),
    meter,
    requestCounter: meter.createCounter('request_counter'),
    esmLoaderHook: { status: 'skipped', reason: 'OTEL_SDK_DISABLED=true' },
    exportHealth: () => ({}),
    metricsHandler: (_req, res) => {
      res.statusCode = 200;
      res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      res.end('# OpenTelemetry SDK disabled by OTEL_SDK_DISABLED=true\n');
    },
    shutdown: () => Promise.resolve(),
  };
}
