import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type {
  LogRecordExporter,
  ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import type {
  AggregationOption,
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpProtocol } from './config/known-variables.js';
import { knownSecrets, redactText, redactUrl } from './config/redact.js';
import { protocolHint } from './protocol-hint.js';
import type { BatchExporter, EncodedBatch } from './tracer/batch-processor.js';

/**
 * Where the library's own lines go: the start-up summary, configuration notes, export-outage
 * warnings. A pino logger is one as it is; by default they are plain lines on stderr.
 */
export interface TelemetryLogger {
  warn(message: string): void;
  info(message: string): void;
}

export interface ExportHealthStats {
  /** Items (spans, metrics, log records) the backend acknowledged. */
  exported: number;
  /** Items in batches the exporter gave up on (backend down, timeout, rejected). */
  failed: number;
  /** Outages seen so far: a run of failed exports ended by a success counts once. */
  outages: number;
  /** True between the first failure of an outage and the next success. */
  down: boolean;
  /** Of `failed`: items in batches failed at once while down, without being serialized or sent. */
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
  /** The exporter's OTLP protocol: a failure that means the wrong one names the one that fits. */
  protocol?: OtlpProtocol;
  /** The protocol was chosen in OTEL_CONFIG_FILE: the hint names the file's setting. */
  protocolInFile?: boolean;
}

/** The error a batch fails with when it was not sent because export is down between probes. */
export class ExportSkippedError extends Error {
  override readonly name = 'ExportSkippedError';
}

/** How the warnings name a signal and what it loses. */
interface SignalWords {
  /** `trace`, `metric`, `log` */
  readonly signal: string;
  /** `span(s)`, `metric(s)`, `log record(s)` */
  readonly items: string;
}

/**
 * The bookkeeping and circuit breaker behind the three exporter wrappers below: one warning line
 * per outage (naming the endpoint — credentials masked — and the first error), one line when
 * export recovers with the number of items lost, and while down, one probe batch per
 * `probeIntervalMs` with the batches in between failed at once, unsent.
 *
 * Why a breaker: serializing a batch costs about as much as sending it, and a collector that
 * refused the last batch will most likely refuse the next. The price: items ended in the last
 * probe interval before the collector comes back are lost as well.
 */
class ExportHealth<T> {
  private readonly stats: ExportHealthStats = {
    exported: 0,
    failed: 0,
    outages: 0,
    down: false,
    skipped: 0,
  };
  private failedThisOutage = 0;
  private nextProbeAt = 0;
  /** Exports sent so far, numbered; and how many had been sent when the outage began. */
  private sent = 0;
  private sentBeforeOutage = 0;
  private readonly probeIntervalMs: number;
  private readonly now: () => number;
  private readonly endpoint: string;
  private readonly protocol: OtlpProtocol | undefined;
  private readonly protocolInFile: boolean;
  /** The endpoint's own credentials, masked wherever an exporter's message quotes them. */
  private readonly secrets: readonly string[];

  constructor(
    endpoint: string,
    private readonly words: SignalWords,
    private readonly reporter: TelemetryLogger,
    private readonly count: (batch: T) => number,
    options: ExportHealthOptions,
  ) {
    this.endpoint = redactUrl(endpoint);
    this.secrets = knownSecrets({ endpoint });
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.now = options.now ?? (() => performance.now());
    this.protocol = options.protocol;
    this.protocolInFile = options.protocolInFile ?? false;
  }

  /** Runs `send` unless the circuit is open; always calls `resultCallback` once. */
  export(
    batch: T,
    send: (batch: T, done: (result: ExportResult) => void) => void,
    resultCallback: (result: ExportResult) => void,
  ): void {
    const items = this.count(batch);
    const sentAs = this.sent + 1;
    const done = (result: ExportResult) => {
      this.record(items, result, sentAs);
      resultCallback(result);
    };
    if (this.stats.down && this.now() < this.nextProbeAt) {
      this.stats.skipped += items;
      done({
        code: ExportResultCode.FAILED,
        error: new ExportSkippedError(
          `${this.words.signal} export to ${this.endpoint} is down; batch not sent until the next probe`,
        ),
      });
      return;
    }
    this.sent = sentAs;
    try {
      send(batch, done);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: toError(error) });
    }
  }

  getStats(): Readonly<ExportHealthStats> {
    return { ...this.stats };
  }

  private record(items: number, result: ExportResult, sentAs: number): void {
    if (result.code === ExportResultCode.SUCCESS) {
      this.stats.exported += items;
      // Exports overlap (a batch processor's own timeout lets the next batch go while one is
      // still waiting): an answer to a batch sent before the outage began says nothing about
      // now. Only a batch sent since (a probe) ends the outage, so one outage stays one warning.
      if (this.stats.down && sentAs > this.sentBeforeOutage) {
        this.stats.down = false;
        this.reporter.info(
          `${this.words.signal} export to ${this.endpoint} recovered; ${this.failedThisOutage} ${this.words.items} were lost during the outage`,
        );
      }
      return;
    }
    this.stats.failed += items;
    // A skipped batch does not move the probe: only a batch that was sent and failed does.
    if (!(result.error instanceof ExportSkippedError))
      this.nextProbeAt = this.now() + this.probeIntervalMs;
    if (!this.stats.down) {
      this.stats.down = true;
      this.stats.outages += 1;
      this.failedThisOutage = 0;
      this.sentBeforeOutage = this.sent;
      const reason = redactText(
        result.error?.message ?? 'unknown error',
        this.secrets,
      );
      const hint = protocolHint(
        this.protocol,
        result.error,
        this.protocolInFile,
      );
      this.reporter.warn(
        `${this.words.signal} export to ${this.endpoint} is failing (${reason}); ${this.words.items} are dropped until it recovers, requests are unaffected${hint ? `. ${hint}` : ''}`,
      );
    }
    this.failedThisOutage += items;
  }
}

/** What the three wrappers share: the wrapped exporter's export, flush and shutdown. */
interface Wrapped<T> {
  export(batch: T, resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/** One wrapper for every signal: export goes through ExportHealth, the rest straight through. */
abstract class ExportHealthExporter<T> {
  private readonly health: ExportHealth<T>;

  protected constructor(
    private readonly wrapped: Wrapped<T>,
    endpoint: string,
    reporter: TelemetryLogger,
    words: SignalWords,
    count: (batch: T) => number,
    options: ExportHealthOptions,
  ) {
    this.health = new ExportHealth(endpoint, words, reporter, count, options);
  }

  export(batch: T, resultCallback: (result: ExportResult) => void): void {
    this.health.export(
      batch,
      (b, done) => this.wrapped.export(b, done),
      resultCallback,
    );
  }

  shutdown(): Promise<void> {
    return this.wrapped.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.wrapped.forceFlush
      ? this.wrapped.forceFlush()
      : Promise.resolve();
  }

  getStats(): Readonly<ExportHealthStats> {
    return this.health.getStats();
  }
}

/**
 * Wraps a span exporter so a lost collector costs the app one warning line per outage, not one
 * per batch (see ExportHealth). Export results are passed through unchanged, so the batch
 * processor's own accounting (and its otel.sdk.* self-metrics) stays correct; between probes
 * batches fail with ExportSkippedError, `error_type="ExportSkippedError"` in those metrics. The
 * wrapped exporter never throws into the caller: a synchronous throw becomes a failed result.
 */
export class ExportHealthSpanExporter
  extends ExportHealthExporter<ReadableSpan[]>
  implements SpanExporter
{
  constructor(
    inner: SpanExporter,
    endpoint: string,
    reporter: TelemetryLogger,
    options: ExportHealthOptions = {},
  ) {
    super(
      inner,
      endpoint,
      reporter,
      { signal: 'trace', items: 'span(s)' },
      (spans) => spans.length,
      options,
    );
  }
}

/**
 * The same for the compact tracer's batches: a batch is one encoded request; its spans are the
 * items counted.
 */
export class ExportHealthBatchExporter
  extends ExportHealthExporter<EncodedBatch>
  implements BatchExporter
{
  constructor(
    inner: BatchExporter,
    endpoint: string,
    reporter: TelemetryLogger,
    options: ExportHealthOptions = {},
  ) {
    super(
      inner,
      endpoint,
      reporter,
      { signal: 'trace', items: 'span(s)' },
      (batch) => batch.spans,
      options,
    );
  }
}

/** The same for log records (BatchLogRecordProcessor). */
export class ExportHealthLogRecordExporter
  extends ExportHealthExporter<ReadableLogRecord[]>
  implements LogRecordExporter
{
  constructor(
    inner: LogRecordExporter,
    endpoint: string,
    reporter: TelemetryLogger,
    options: ExportHealthOptions = {},
  ) {
    super(
      inner,
      endpoint,
      reporter,
      { signal: 'log', items: 'log record(s)' },
      (records) => records.length,
      options,
    );
  }
}

/**
 * The same for pushed metrics; an item is one metric stream of the collection. The temporality
 * and aggregation preferences of the wrapped exporter are passed through as they are.
 */
export class ExportHealthMetricExporter
  extends ExportHealthExporter<ResourceMetrics>
  implements PushMetricExporter
{
  readonly selectAggregationTemporality?: (
    instrumentType: InstrumentType,
  ) => AggregationTemporality;
  readonly selectAggregation?: (
    instrumentType: InstrumentType,
  ) => AggregationOption;

  constructor(
    inner: PushMetricExporter,
    endpoint: string,
    reporter: TelemetryLogger,
    options: ExportHealthOptions = {},
  ) {
    super(
      inner,
      endpoint,
      reporter,
      { signal: 'metric', items: 'metric stream(s)' },
      (metrics) =>
        metrics.scopeMetrics.reduce(
          (sum, scope) => sum + scope.metrics.length,
          0,
        ),
      options,
    );
    this.selectAggregationTemporality =
      inner.selectAggregationTemporality?.bind(inner);
    this.selectAggregation = inner.selectAggregation?.bind(inner);
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
