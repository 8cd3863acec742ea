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
  /** Of `failed`: spans in batches failed at once while down, without being serialized or sent. */
  skipped: number;
}

export interface ExportHealthOptions {
  /**
   * While export is failing, the first batch after this many milliseconds is sent as a probe and
   * the batches in between fail at once, unsent (default 1000; 0 sends every batch).
   */
  probeIntervalMs?: number;
  /** Monotonic clock in ms (tests). */
  now?: () => number;
}

/** The error a batch fails with when it was not sent because export is down between probes. */
export class ExportSkippedError extends Error {
  override readonly name = 'ExportSkippedError';
}

/**
 * Wraps a span exporter so a lost collector costs the app one warning line per outage, not one
 * per batch: the first failure logs a warning naming the endpoint and the error, later failures
 * are only counted, and the first success after them logs one recovery line with the number of
 * spans lost. Export results are passed through unchanged, so the batch processor's own
 * accounting (and its otel.sdk.* self-metrics) stays correct. The wrapped exporter never throws
 * into the caller: a synchronous throw becomes a failed result.
 *
 * While export is down it is also a circuit breaker: serializing a batch costs about as much as
 * sending it, and a collector that refused the last batch will most likely refuse the next. So
 * between probes (one batch a second by default) batches fail at once with ExportSkippedError —
 * counted like any failed batch, `error_type="ExportSkippedError"` in the batch processor's
 * metrics — and the first success closes the circuit again. The price: spans ended in the last
 * probe interval before the collector comes back are lost as well.
 */
export class ExportHealthSpanExporter implements SpanExporter {
  private readonly stats: ExportHealthStats = {
    exported: 0,
    failed: 0,
    outages: 0,
    down: false,
    skipped: 0,
  };
  private failedThisOutage = 0;
  private nextProbeAt = 0;
  private readonly probeIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly inner: SpanExporter,
    private readonly endpoint: string,
    private readonly reporter: ExportHealthReporter,
    options: ExportHealthOptions = {},
  ) {
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.now = options.now ?? (() => performance.now());
  }

  export(
    spans: ReadableSpan[],
    resultCallback: (result: ExportResult) => void,
  ): void {
    const done = (result: ExportResult) => {
      this.record(spans.length, result);
      resultCallback(result);
    };
    if (this.stats.down && this.now() < this.nextProbeAt) {
      this.stats.skipped += spans.length;
      done({
        code: ExportResultCode.FAILED,
        error: new ExportSkippedError(
          `trace export to ${this.endpoint} is down; batch not sent until the next probe`,
        ),
      });
      return;
    }
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
    // A skipped batch does not move the probe: only a batch that was sent and failed does.
    if (!(result.error instanceof ExportSkippedError))
      this.nextProbeAt = this.now() + this.probeIntervalMs;
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
