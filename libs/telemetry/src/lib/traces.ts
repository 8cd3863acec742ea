import type {
  MeterProvider,
  TextMapPropagator,
  TracerProvider as ApiTracerProvider,
} from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { compactTraces } from './compact-traces.js';
import type { TelemetryConfig } from './config/model.js';
import type { ExportHealthStats, TelemetryLogger } from './export-health.js';
import { registerTracing } from './globals.js';
import { createPropagator, propagatorNames } from './propagators.js';
import { standalone, stderrReporter } from './reporter.js';
import { createResource } from './resource.js';
import { sdkTraces } from './sdk-traces.js';
import { readPemFiles, type PemStore } from './tls.js';
import type { BatchExporter } from './tracer/batch-processor.js';
import { tracerPath, type TracerPath } from './tracer/tracer-path.js';

export interface TracesOptions {
  /**
   * The resolved configuration (`resolveTelemetryConfig`). Omitted: resolved once from the
   * environment, as startTelemetry() would.
   */
  readonly config?: TelemetryConfig;
  /** Defaults to the configuration's resource. */
  readonly resource?: Resource;
  /**
   * Receives the SDK's own otel.sdk.* span metrics: the batch processor's queue size and
   * processed/dropped spans, and the tracer's started/live spans.
   */
  readonly meterProvider?: MeterProvider;
  /** Where the one-line-per-outage export warnings go; stderr by default. */
  readonly logger?: TelemetryLogger;
  /** Register as the global tracer provider, context manager and propagator (default true). */
  readonly register?: boolean;
  /**
   * Span processors of the app's own, after the configured ones (one that adds attributes to
   * every span, say). They see the SDK's span objects, so the spans are made by the SDK's
   * TracerProvider instead of the compact tracer; the start-up line says so.
   */
  readonly spanProcessors?: readonly SpanProcessor[];
}

export interface Traces {
  /**
   * What spans are started through (registered globally, given to the instrumentations);
   * flushing and shutting it down reach its span processors.
   */
  readonly tracerProvider: ApiTracerProvider;
  /** Export successes, failures and outages of the first OTLP exporter, if there is one. */
  exportHealth(): Readonly<ExportHealthStats> | undefined;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** What only the library itself passes: things already built once, and test exporters. */
export interface TracesInternals {
  readonly pem?: PemStore;
  /**
   * Replaces the configured exporters with this one, in one processor of the first configured
   * kind and settings — or a simple one with `simple` (the testing entry: a span is there the
   * moment it ends).
   */
  readonly exporter?: SpanExporter;
  readonly simple?: boolean;
  /** The propagator to register (startTelemetry's, which knows the edge rules). */
  readonly propagator?: TextMapPropagator;
  /** Replaces the compact tracer's OTLP exporter (tests: the bytes it would send). */
  readonly batchExporter?: BatchExporter;
}

export interface BuiltTraces extends Traces {
  /** Which tracer makes the spans, and why (tracer-path.ts). */
  readonly path: TracerPath;
  /** Takes back the globals this registered (none if another telemetry holds them). */
  readonly unregister: () => void;
}

/**
 * The seed's init_traces: a tracer provider whose spans go, by default, through one batch
 * processor to OTLP/gRPC — or to whatever processors the configuration names. The batch
 * processor never blocks a request: ending a span encodes it into the queue. With the collector
 * refusing connections each batch fails at once and is dropped; with it hanging, the queue fills
 * and further spans are dropped. Both are counted in
 * `otel_sdk_processor_span_processed_total{error_type=…}` instead of hoarded.
 *
 * The compact tracer (tracer/) makes the spans for one batch processor to OTLP gRPC or
 * http/protobuf; any other configuration, or TELEMETRY_TRACER=sdk, gets the SDK's
 * TracerProvider (tracer-path.ts decides, the start-up line says which).
 */
export function initTraces(options: TracesOptions = {}): Traces {
  return buildTraces(standalone(options));
}

export function buildTraces(
  options: TracesOptions & { readonly config: TelemetryConfig },
  internals: TracesInternals = {},
): BuiltTraces {
  const { config } = options;
  const reporter = options.logger ?? stderrReporter;
  const pem = internals.pem ?? readPemFiles(config);
  const resource = options.resource ?? createResource(config);
  const path: TracerPath = internals.exporter
    ? { kind: 'sdk', reason: 'an in-memory exporter' }
    : tracerPath(config, options.spanProcessors?.length ?? 0);
  const built =
    path.kind === 'compact'
      ? compactTraces(
          config,
          resource,
          pem,
          reporter,
          options.meterProvider,
          internals.batchExporter,
        )
      : sdkTraces(config, resource, pem, reporter, options, internals);
  const unregister =
    options.register === false
      ? () => undefined
      : registerTracing(
          built.tracerProvider,
          internals.propagator ?? createPropagator(propagatorNames(config)),
        );
  return {
    path,
    unregister,
    tracerProvider: built.tracerProvider,
    exportHealth: built.exportHealth,
    forceFlush: built.forceFlush,
    shutdown: async () => {
      await built.shutdown();
      unregister();
    },
  };
}

/** What each way of making spans builds (compact-traces.ts, sdk-traces.ts). */
export type Built = Pick<
  Traces,
  'tracerProvider' | 'exportHealth' | 'forceFlush' | 'shutdown'
>;
