import type {
  MeterProvider,
  TextMapPropagator,
  TracerProvider as ApiTracerProvider,
} from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type {
  Sampler,
  SpanExporter,
  SpanProcessor,
} from '@opentelemetry/sdk-trace';
import {
  DEFAULT_SPAN_LIMITS,
  type ExporterModel,
  type ProcessorModel,
  type SamplerModel,
  type TelemetryConfig,
} from './config/model.js';
import {
  ExportHealthBatchExporter,
  ExportHealthSpanExporter,
  type ExportHealthStats,
  type TelemetryLogger,
} from './export-health.js';
import { createSpanExporter } from './exporters.js';
import { registerTracing } from './globals.js';
import { createPropagator, propagatorNames } from './propagators.js';
import { protocolOf } from './protocol-hint.js';
import { standalone, stderrReporter } from './reporter.js';
import { createResource } from './resource.js';
import { readPemFiles, type PemStore } from './tls.js';
import {
  BatchProcessor,
  type BatchExporter,
  type EncodedBatch,
} from './tracer/batch-processor.js';
import { IdPool } from './tracer/ids.js';
import { LazyExporter } from './lazy-exporter.js';
import { createBatchExporter } from './tracer/otlp-exporter.js';
import { compileSampler } from './tracer/sampling.js';
import {
  NO_PROCESSOR_METRICS,
  NO_SPAN_METRICS,
  processorMetrics,
  spanMetrics,
} from './tracer/self-metrics.js';
import type { SpanLimits } from './tracer/span.js';
import { CompactTracerProvider, type SpanPipeline } from './tracer/tracer.js';
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
 * The SDK's tracing package, required only on the SDK path: the compact tracer needs none of it,
 * and it is two dozen modules an app's start would otherwise load for nothing.
 */
function sdkTrace(): typeof import('@opentelemetry/sdk-trace') {
  return require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
}

/** The configuration model's sampler as the SDK's (the samplers sdk-node builds for it). */
export function createSampler(sampler: SamplerModel | undefined): Sampler {
  const {
    AlwaysOffSampler,
    AlwaysOnSampler,
    ParentBasedSampler,
    TraceIdRatioBasedSampler,
  } = sdkTrace();
  if (!sampler) return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  if (sampler.always_on) return new AlwaysOnSampler();
  if (sampler.always_off) return new AlwaysOffSampler();
  if (sampler.trace_id_ratio_based)
    return new TraceIdRatioBasedSampler(
      sampler.trace_id_ratio_based.ratio ?? 1,
    );
  const p = sampler.parent_based ?? {};
  const child = (s: SamplerModel | undefined) =>
    s ? createSampler(s) : undefined;
  return new ParentBasedSampler({
    root: child(p.root) ?? new AlwaysOnSampler(),
    remoteParentSampled: child(p.remote_parent_sampled),
    remoteParentNotSampled: child(p.remote_parent_not_sampled),
    localParentSampled: child(p.local_parent_sampled),
    localParentNotSampled: child(p.local_parent_not_sampled),
  });
}

/** The model's span limits, each as the SDK defaults it when unset. */
function limitsOf(config: TelemetryConfig) {
  const l = config.tracer_provider?.limits ?? {};
  return {
    attributeValueLengthLimit: l.attribute_value_length_limit ?? Infinity,
    attributeCountLimit:
      l.attribute_count_limit ?? DEFAULT_SPAN_LIMITS.attribute_count_limit,
    eventCountLimit:
      l.event_count_limit ?? DEFAULT_SPAN_LIMITS.event_count_limit,
    linkCountLimit: l.link_count_limit ?? DEFAULT_SPAN_LIMITS.link_count_limit,
    attributePerEventCountLimit:
      l.event_attribute_count_limit ??
      DEFAULT_SPAN_LIMITS.event_attribute_count_limit,
    attributePerLinkCountLimit:
      l.link_attribute_count_limit ??
      DEFAULT_SPAN_LIMITS.link_attribute_count_limit,
  };
}

/** The same for the compact tracer. */
function compactLimits(config: TelemetryConfig): SpanLimits {
  const l = limitsOf(config);
  return {
    attributes: {
      count: l.attributeCountLimit,
      valueLength: l.attributeValueLengthLimit,
    },
    eventCount: l.eventCountLimit,
    linkCount: l.linkCountLimit,
    attributesPerEvent: l.attributePerEventCountLimit,
    attributesPerLink: l.attributePerLinkCountLimit,
  };
}

/** The OTLP endpoint of an exporter model, when it is one. */
function otlpEndpoint(exporter: ExporterModel): string | undefined {
  return (exporter.otlp_grpc ?? exporter.otlp_http)?.endpoint;
}

/** Where spans go when no processor is configured: nowhere (they are made for their context). */
const NOWHERE: SpanPipeline = {
  registerScope: () => 0,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

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

type Built = Pick<
  Traces,
  'tracerProvider' | 'exportHealth' | 'forceFlush' | 'shutdown'
>;

function compactTraces(
  config: TelemetryConfig,
  resource: Resource,
  pem: PemStore,
  reporter: TelemetryLogger,
  meterProvider: MeterProvider | undefined,
  replacement: BatchExporter | undefined,
): Built {
  const batch = (
    (config.tracer_provider?.processors ?? []) as ProcessorModel[]
  )[0]?.batch;
  let health: ExportHealthBatchExporter | undefined;
  let pipeline = NOWHERE;
  if (batch !== undefined) {
    // The transport's code (gRPC or HTTP) loads at the first export, off the start-up path
    // (lazy-exporter.ts).
    const exporter =
      replacement ??
      new LazyExporter<EncodedBatch>(() =>
        createBatchExporter(batch.exporter, pem),
      );
    const endpoint = otlpEndpoint(batch.exporter) as string;
    health = new ExportHealthBatchExporter(exporter, endpoint, reporter, {
      protocol: protocolOf(batch.exporter),
    });
    pipeline = new BatchProcessor(
      {
        maxQueueSize: batch.max_queue_size,
        maxExportBatchSize: batch.max_export_batch_size,
        scheduledDelayMillis: batch.schedule_delay,
        exportTimeoutMillis: batch.export_timeout,
      },
      health,
      resource,
      (queueSize) =>
        meterProvider
          ? processorMetrics(meterProvider, batch.max_queue_size, queueSize)
          : NO_PROCESSOR_METRICS,
    );
  }
  const provider = new CompactTracerProvider({
    limits: compactLimits(config),
    decide: compileSampler(config.tracer_provider?.sampler),
    ids: new IdPool(),
    metrics: meterProvider ? spanMetrics(meterProvider) : NO_SPAN_METRICS,
    pipeline,
  });
  return {
    tracerProvider: provider,
    exportHealth: () => health?.getStats(),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

function sdkTraces(
  config: TelemetryConfig,
  resource: Resource,
  pem: PemStore,
  reporter: TelemetryLogger,
  options: TracesOptions,
  internals: TracesInternals,
): Built {
  const { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider } =
    sdkTrace();
  let exportHealth: ExportHealthSpanExporter | undefined;
  /** Wraps an OTLP exporter so a lost collector costs one warning (export-health.ts). */
  const withHealth = (
    exporter: SpanExporter,
    model: ExporterModel,
  ): SpanExporter => {
    const endpoint = otlpEndpoint(model);
    if (endpoint === undefined) return exporter;
    const health = new ExportHealthSpanExporter(exporter, endpoint, reporter, {
      protocol: protocolOf(model),
    });
    exportHealth ??= health;
    return health;
  };
  const selfObsMeterProvider = options.meterProvider;
  const exporterFor = (model: ExporterModel): SpanExporter =>
    internals.exporter ?? withHealth(createSpanExporter(model, pem), model);
  const processor = (p: ProcessorModel): SpanProcessor => {
    if (p.simple)
      return new SimpleSpanProcessor({
        exporter: exporterFor(p.simple.exporter),
        selfObsMeterProvider,
      });
    const batch = p.batch;
    // checkModel admits a simple or a batch processor, nothing else.
    if (!batch)
      throw new Error(
        'internal: a span processor that is neither simple nor batch',
      );
    return new BatchSpanProcessor({
      exporter: exporterFor(batch.exporter),
      scheduledDelayMillis: batch.schedule_delay,
      exportTimeoutMillis: batch.export_timeout,
      maxQueueSize: batch.max_queue_size,
      maxExportBatchSize: batch.max_export_batch_size,
      selfObsMeterProvider,
    });
  };
  const configured = (config.tracer_provider?.processors ??
    []) as ProcessorModel[];
  const spanProcessors = (
    internals.exporter
      ? [
          internals.simple || configured[0] === undefined
            ? { simple: { exporter: {} } }
            : configured[0],
        ]
      : configured
  )
    .map(processor)
    .concat(options.spanProcessors ?? []);
  const provider = new TracerProvider({
    resource,
    sampler: createSampler(config.tracer_provider?.sampler),
    spanLimits: limitsOf(config),
    spanProcessors,
    meterProvider: options.meterProvider,
  });
  return {
    tracerProvider: provider,
    exportHealth: () => exportHealth?.getStats(),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
