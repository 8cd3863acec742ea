/**
 * Spans made by @opentelemetry/sdk-trace's TracerProvider, with the samplers, limits and
 * processors the model names (as sdk-node builds them) and the export-health wrapper on every
 * OTLP exporter. What buildTraces (traces.ts) builds for any configuration the compact tracer
 * does not cover, with the app's own span processors, or with TELEMETRY_TRACER=sdk.
 */
import type { Resource } from '@opentelemetry/resources';
import type {
  Sampler,
  SpanExporter,
  SpanProcessor,
} from '@opentelemetry/sdk-trace';
import {
  DEFAULT_SPAN_LIMITS,
  otlpEndpoint,
  type ExporterModel,
  type ProcessorModel,
  type SamplerModel,
  type TelemetryConfig,
} from './config/model.js';
import {
  ExportHealthSpanExporter,
  type TelemetryLogger,
} from './export-health.js';
import { createSpanExporter } from './exporters.js';
import { protocolOptions } from './protocol-hint.js';
import type { PemStore } from './tls.js';
import type { Built, TracesInternals, TracesOptions } from './traces.js';

/**
 * The SDK's tracing package, required only on this path: the compact tracer needs none of it,
 * and it is two dozen modules an app's start would otherwise load for nothing (this file is
 * imported either way, for the limits).
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
export function limitsOf(config: TelemetryConfig) {
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

export function sdkTraces(
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
    const health = new ExportHealthSpanExporter(
      exporter,
      endpoint,
      reporter,
      protocolOptions(model, config),
    );
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
