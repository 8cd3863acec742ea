/**
 * Spans made by the library's compact tracer (tracer/): one batch processor that encodes each
 * span to OTLP when it ends and sends batches through upstream's transports, behind the
 * export-health wrapper, with the SDK's own span metrics kept in metric cells. What buildTraces
 * (traces.ts) builds when tracer-path.ts says the configuration is one the compact tracer covers.
 */
import type { MeterProvider } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  otlpEndpoint,
  type ProcessorModel,
  type TelemetryConfig,
} from './config/model.js';
import {
  ExportHealthBatchExporter,
  type TelemetryLogger,
} from './export-health.js';
import { LazyExporter } from './lazy-exporter.js';
import { protocolOptions } from './protocol-hint.js';
import { limitsOf } from './sdk-traces.js';
import type { PemStore } from './tls.js';
import type { Built } from './traces.js';
import {
  BatchProcessor,
  type BatchExporter,
  type EncodedBatch,
} from './tracer/batch-processor.js';
import { IdPool } from './tracer/ids.js';
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

/** Where spans go when no processor is configured: nowhere (they are made for their context). */
const NOWHERE: SpanPipeline = {
  registerScope: () => 0,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

export function compactTraces(
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
    health = new ExportHealthBatchExporter(
      exporter,
      endpoint,
      reporter,
      protocolOptions(batch.exporter, config),
    );
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
