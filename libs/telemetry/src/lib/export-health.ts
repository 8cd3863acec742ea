import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

export interface ExportHealthReporter {
  warn(message: string): void;
  info(message: string): void;
}

export interface ExportHealthStats {
  /** Spans the backend acknowledged. */
  exported: number;
  /** Spans in batches the exporter gave up on (backend down, timeout, rejected). */
  failed: number;
  /** Outages seen so far: a run of failed exports ended by a success counts once. */
  outages: number;
  /** True between the first failure of an outage and the next success. */
  down: boolean;
}

/**
 * Wraps a span exporter so a lost collector costs the app one warning line per outage, not one
 * per batch: the first failure logs a warning naming the endpoint and the error, later failures
 * are only counted, and the first success after them logs one recovery line with the number of
 * spans lost. Export results are passed through unchanged, so the batch processor's own
 * accounting (and its otel.sdk.* self-metrics) stays correct. The wrapped exporter never throws
 * into the caller: a synchronous throw becomes a failed result.
 */
export class ExportHealthSpanExporter implements SpanExporter {
  private readonly stats: ExportHealthStats = {
    exported: 0,
    failed: 0,
    outages: 0,
    down: false,
  };
  private failedThisOutage = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly endpoint: string,
    private readonly reporter: ExportHealthReporter,
  ) {}

  export(
    spans: ReadableSpan[],
    resultCallback: (result: ExportResult) => void,
  ): void {
    const done = (result: ExportResult) => {
      this.record(spans.length, result);
      resultCallback(result);
    };
    try {
      this.inner.export(spans, done);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: toError(error) });
    }
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
  }

  getStats(): Readonly<ExportHealthStats> {
    return { ...this.stats };
  }

  private record(count: number, result: ExportResult): void {
    if (result.code === ExportResultCode.SUCCESS) {
      this.stats.exported += count;
      if (this.stats.down) {
        this.stats.down = false;
        this.reporter.info(
          `trace export to ${this.endpoint} recovered; ${this.failedThisOutage} span(s) were lost during the outage`,
        );
      }
      return;
    }
    this.stats.failed += count;
    if (!this.stats.down) {
      this.stats.down = true;
      this.stats.outages += 1;
      this.failedThisOutage = 0;
      const reason = result.error?.message ?? 'unknown error';
      this.reporter.warn(
        `trace export to ${this.endpoint} is failing (${reason}); spans are dropped until it recovers, requests are unaffected`,
      );
    }
    this.failedThisOutage += count;
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
