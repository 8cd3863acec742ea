import type {
  Counter,
  MeterProvider,
  TextMapPropagator,
  TracerProvider as ApiTracerProvider,
} from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import {
  settingsOf,
  type ExporterModel,
  type ProcessorModel,
  type SamplerModel,
  type TelemetryConfig,
} from './config/model.js';
import {
  ExportHealthSpanExporter,
  type ExportHealthStats,
  type TelemetryLogger,
} from './export-health.js';
import { createSpanExporter } from './exporters.js';
import { registerTracing } from './globals.js';
import { createPropagator, propagatorNames } from './propagators.js';
import { PreAggregatedMeterProvider } from './self-metrics.js';
import {
  createDecider,
  LeanTracerProvider,
  PresetIdGenerator,
  type DropCounter,
} from './lean-tracer.js';
import { standalone, stderrReporter } from './reporter.js';
import { createResource } from './resource.js';
import { readPemFiles, type PemStore } from './tls.js';

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
}

export interface Traces {
  /**
   * What spans are started through (registered globally, given to the instrumentations);
   * flushing and shutting it down reach the SDK's tracer provider.
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
}

export interface BuiltTraces extends Traces {
  /** The SDK tracer provider behind `tracerProvider`. */
  readonly provider: TracerProvider;
  /** Takes back the globals this registered (none if another telemetry holds them). */
  readonly unregister: () => void;
}

/** The configuration model's sampler as the SDK's (the samplers sdk-node builds for it). */
export function createSampler(sampler: SamplerModel | undefined): Sampler {
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

/** The SDK's span limits from the model's (every limit written in by resolve). */
function spanLimits(config: TelemetryConfig) {
  const l = config.tracer_provider?.limits ?? {};
  return {
    attributeValueLengthLimit: l.attribute_value_length_limit ?? undefined,
    attributeCountLimit: l.attribute_count_limit ?? undefined,
    eventCountLimit: l.event_count_limit ?? undefined,
    linkCountLimit: l.link_count_limit ?? undefined,
    attributePerEventCountLimit: l.event_attribute_count_limit ?? undefined,
    attributePerLinkCountLimit: l.link_attribute_count_limit ?? undefined,
  };
}

/** The OTLP endpoint of an exporter model, when it is one. */
function otlpEndpoint(exporter: ExporterModel): string | undefined {
  return (exporter.otlp_grpc ?? exporter.otlp_http)?.endpoint;
}

/**
 * The seed's init_traces: a tracer provider whose spans go, by default, through one
 * BatchSpanProcessor to OTLP/gRPC — or to whatever processors the configuration names. The batch
 * processor never blocks a request: ending a span is an array push. With the collector refusing
 * connections each batch fails at once and is dropped; with it hanging, the queue fills and
 * further spans are dropped. Both are counted in `otel_sdk_processor_span_processed_total{error_type=…}`
 * instead of hoarded.
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
  let exportHealth: ExportHealthSpanExporter | undefined;

  /** Wraps an OTLP exporter so a lost collector costs one warning (export-health.ts). */
  const withHealth = (
    exporter: SpanExporter,
    model: ExporterModel,
  ): SpanExporter => {
    const endpoint = otlpEndpoint(model);
    if (endpoint === undefined) return exporter;
    const health = new ExportHealthSpanExporter(exporter, endpoint, reporter);
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
  ).map(processor);
  const samplerModel = config.tracer_provider?.sampler;
  const sampler = createSampler(samplerModel);
  // The tracer updates its own metrics for every span: summed in plain numbers
  // (self-metrics.ts) rather than hashed per update by the SDK's instruments.
  const selfMetrics =
    options.meterProvider &&
    new PreAggregatedMeterProvider(options.meterProvider);
  // Spans the sampler drops are made without the SDK (lean-tracer.ts), except on the stock path
  // (TELEMETRY_HTTP_INSTRUMENTATION=upstream), which is the upstream setup throughout.
  const lean = settingsOf(config).http.instrumentation === 'lean';
  const ids = new PresetIdGenerator();
  const provider = new TracerProvider({
    resource: options.resource ?? createResource(config),
    sampler,
    ...(lean ? { idGenerator: ids } : {}),
    spanLimits: spanLimits(config),
    spanProcessors,
    meterProvider: selfMetrics,
  });
  const tracerProvider: ApiTracerProvider = lean
    ? new LeanTracerProvider(provider, {
        decide: createDecider(samplerModel),
        sampler,
        ids,
        countDrop: dropCounter(selfMetrics),
      })
    : provider;
  const unregister =
    options.register === false
      ? () => undefined
      : registerTracing(
          tracerProvider,
          internals.propagator ?? createPropagator(propagatorNames(config)),
        );
  return {
    provider,
    unregister,
    tracerProvider,
    exportHealth: () => exportHealth?.getStats(),
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      unregister();
    },
  };
}

/**
 * The spans the lean tracer drops, counted where the SDK counts the spans it starts:
 * `otel.sdk.span.started{otel.span.parent.origin, otel.span.sampling_result="DROP"}` — the same
 * pre-aggregated instrument the SDK tracer's self-metrics use.
 */
function dropCounter(
  selfMetrics: PreAggregatedMeterProvider | undefined,
): DropCounter {
  if (selfMetrics === undefined) return () => undefined;
  // Asked for at the first drop, never before: by then the SDK tracer behind the lean one has
  // registered the counter under its versioned meter, and this finds that one (the meter's
  // version, otel_scope_version on /metrics, is the SDK's, not empty).
  let started: Counter | undefined;
  const attributes = {
    none: dropped('none'),
    local: dropped('local'),
    remote: dropped('remote'),
  };
  return (origin) => {
    started ??= selfMetrics
      .getMeter('@opentelemetry/sdk-trace')
      .createCounter('otel.sdk.span.started', {
        unit: '{span}',
        description: 'The number of created spans.',
      });
    started.add(1, attributes[origin]);
  };
}

function dropped(origin: string) {
  return {
    'otel.span.parent.origin': origin,
    'otel.span.sampling_result': 'DROP',
  };
}
