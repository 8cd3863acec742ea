/**
 * The SDK's BatchSpanProcessor — same queue, batch size, delay, timeout, flush and shutdown, same
 * `otel.sdk.processor.span.*` self-metrics — except that what it queues is not the span but the
 * span's OTLP encoding, made the moment the span ends (otlp-span-encoding.ts). Its exporter
 * therefore receives batches of EncodedSpan and only has to put them in one request
 * (createEncodedSpanExporter in exporters.ts).
 *
 * Why: a span object held in the queue until its batch goes out survives young-generation
 * collections, so the garbage collector copies and promotes every span the service makes; and
 * the upstream exporter serializes each batch in one go (twice over: an estimate, then the
 * writing), a pause of milliseconds on the event loop per batch. Encoded at its end, the span
 * dies young, the queue holds a small object per span over shared off-heap chunks, and the
 * encoding is spread over the requests that made the spans.
 */
import { TraceFlags } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  type BatchSpanProcessorOptions,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { SpanEncoder, type EncodedSpan } from './otlp-span-encoding.js';

/** An exporter of already encoded spans (one OTLP request per batch). */
export interface EncodedSpanExporter {
  export(
    spans: EncodedSpan[],
    resultCallback: (result: ExportResult) => void,
  ): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export type EncodingBatchSpanProcessorOptions = Omit<
  BatchSpanProcessorOptions,
  'exporter'
> & { exporter: EncodedSpanExporter };

export class EncodingBatchSpanProcessor extends BatchSpanProcessor {
  private readonly encoder = new SpanEncoder();

  constructor(options: EncodingBatchSpanProcessorOptions) {
    // The base class only forwards what it queued to its exporter, and only reads
    // `spanContext()` and `resource` of it: EncodedSpan has both.
    super({
      ...options,
      exporter: options.exporter as unknown as SpanExporter,
    });
  }

  override onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    super.onEnd(this.encoder.encode(span) as unknown as ReadableSpan);
  }
}
