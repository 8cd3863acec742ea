/**
 * The compact tracer's batch processor: the SDK's BatchSpanProcessor (queue limit, batch size,
 * schedule delay, export timeout, one export at a time, flush-all on forceFlush and shutdown,
 * export under suppressed tracing, resource attributes awaited before the first export, the
 * same diagnostics and self-metrics) with one difference: the queue holds each sampled span's
 * OTLP bytes, encoded when it ended (span-queue.ts), and a batch is handed to the exporter as one
 * ready ExportTraceServiceRequest.
 */
import { context, diag, TraceFlags } from '@opentelemetry/api';
import {
  BindOnceFuture,
  ExportResultCode,
  globalErrorHandler,
  suppressTracing,
  type ExportResult,
} from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { refreshAnchor } from './clock.js';
import type { ProcessorMetrics } from './self-metrics.js';
import type { CompactSpan } from './span.js';
import {
  encodeResource,
  encodeSchemaUrl,
  encodeScope,
  writeSpan,
} from './span-encoding.js';
import { SpanQueue, type ScopeBytes } from './span-queue.js';
import type { SpanPipeline } from './tracer.js';

/** One ExportTraceServiceRequest, encoded, and how many spans it holds. */
export interface EncodedBatch {
  readonly bytes: Uint8Array;
  readonly spans: number;
}

/** What sends a batch: the upstream OTLP transports behind otlp-exporter.ts. */
export interface BatchExporter {
  export(
    batch: EncodedBatch,
    resultCallback: (result: ExportResult) => void,
  ): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface BatchSettings {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
}

export class BatchProcessor implements SpanPipeline {
  private readonly queue: SpanQueue;
  private readonly maxExportBatchSize: number;
  private readonly scopes: ScopeBytes[] = [];
  private resourceBytes: Buffer | undefined = undefined;
  private resourceSchemaUrl: Buffer | undefined = undefined;
  private exporting = false;
  private timer: NodeJS.Timeout | undefined = undefined;
  private droppedSpans = 0;
  private readonly shutdownOnce: BindOnceFuture<void>;
  readonly metrics: ProcessorMetrics;

  constructor(
    private readonly settings: BatchSettings,
    private readonly exporter: BatchExporter,
    private readonly resource: Resource,
    metrics: (queueSize: () => number) => ProcessorMetrics,
  ) {
    this.maxExportBatchSize = settings.maxExportBatchSize;
    if (this.maxExportBatchSize > settings.maxQueueSize) {
      diag.warn(
        'BatchSpanProcessor: maxExportBatchSize must be smaller or equal to maxQueueSize, setting maxExportBatchSize to match maxQueueSize',
      );
      this.maxExportBatchSize = settings.maxQueueSize;
    }
    this.queue = new SpanQueue(settings.maxQueueSize);
    this.metrics = metrics(() => this.queue.length);
    this.shutdownOnce = new BindOnceFuture(this.doShutdown, this);
  }

  registerScope(
    name: string,
    version: string | undefined,
    schemaUrl: string | undefined,
  ): number {
    this.scopes.push({
      scope: encodeScope(name, version),
      schemaUrl: encodeSchemaUrl(schemaUrl),
    });
    return this.scopes.length - 1;
  }

  onEnd(span: CompactSpan): void {
    if (this.shutdownOnce.isCalled) return;
    if ((span.flags & TraceFlags.SAMPLED) === 0) return;
    if (this.queue.length >= this.settings.maxQueueSize) {
      if (this.droppedSpans === 0)
        diag.debug('maxQueueSize reached, dropping spans');
      this.droppedSpans++;
      this.metrics.dropped(1);
      return;
    }
    if (this.droppedSpans > 0) {
      diag.warn(
        `Dropped ${this.droppedSpans} spans because maxQueueSize reached`,
      );
      this.droppedSpans = 0;
    }
    try {
      this.queue.push(span.owner.scope, (w) => writeSpan(w, span));
    } catch (error) {
      // A value the encoder cannot write (a getter that throws, say) costs this span only.
      diag.error('BatchSpanProcessor: a span could not be encoded', error);
      this.metrics.finished(
        1,
        error instanceof Error ? error : new Error(String(error)),
      );
      return;
    }
    this.maybeStartTimer();
  }

  forceFlush(): Promise<void> {
    if (this.shutdownOnce.isCalled) return this.shutdownOnce.promise;
    return this.flushAll();
  }

  shutdown(): Promise<void> {
    return this.shutdownOnce.call();
  }

  private doShutdown(): Promise<void> {
    return this.flushAll().then(() => {
      this.metrics.shutdown();
      return this.exporter.shutdown();
    });
  }

  private flushAll(): Promise<void> {
    const batches = Math.ceil(this.queue.length / this.maxExportBatchSize);
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < batches; i++) flushes.push(this.flushOneBatch());
    return Promise.all(flushes).then(() => undefined);
  }

  private flushOneBatch(): Promise<void> {
    this.clearTimer();
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('Timeout')),
        this.settings.exportTimeoutMillis,
      );
      context.with(suppressTracing(context.active()), () => {
        const send = () => {
          if (this.queue.length === 0) {
            clearTimeout(timer);
            resolve();
            return;
          }
          // Spans of traces started from here on take the wall clock as it is now.
          refreshAnchor();
          const spans = Math.min(this.queue.length, this.maxExportBatchSize);
          const bytes = this.queue.take(
            spans,
            this.resourceBytes as Buffer,
            this.resourceSchemaUrl as Buffer,
            this.scopes,
          );
          this.exporter.export({ bytes, spans }, (result) => {
            clearTimeout(timer);
            this.metrics.finished(spans, result.error);
            if (result.code === ExportResultCode.SUCCESS) resolve();
            else
              reject(
                result.error ??
                  new Error('BatchSpanProcessor: span export failed'),
              );
          });
        };
        if (this.resourceBytes !== undefined) {
          send();
          return;
        }
        // The resource is encoded once, when its asynchronous attributes (if any) are in.
        const encode = () => {
          this.resourceBytes ??= encodeResource(this.resource);
          this.resourceSchemaUrl ??= encodeSchemaUrl(this.resource.schemaUrl);
        };
        if (
          this.resource.asyncAttributesPending &&
          this.resource.waitForAsyncAttributes
        ) {
          this.resource.waitForAsyncAttributes().then(
            () => {
              encode();
              send();
            },
            (error: unknown) => {
              globalErrorHandler(error as Error);
              reject(error);
            },
          );
          return;
        }
        encode();
        send();
      });
    });
  }

  private maybeStartTimer(): void {
    if (this.exporting) return;
    const flush = () => {
      this.exporting = true;
      this.flushOneBatch()
        .finally(() => {
          this.exporting = false;
          if (this.queue.length > 0) {
            this.clearTimer();
            this.maybeStartTimer();
          }
        })
        .catch((error: unknown) => {
          this.exporting = false;
          globalErrorHandler(error as Error);
        });
    };
    if (this.queue.length >= this.maxExportBatchSize) {
      flush();
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(flush, this.settings.scheduledDelayMillis);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
