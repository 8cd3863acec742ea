/**
 * OTLP exporters whose code is required at their first export instead of at start.
 *
 * Why: the OTLP exporter packages bring the gRPC transport (@grpc/grpc-js) or the HTTP one, the
 * OTLP transformer and the protobuf code with them — the largest part of what the library loads
 * while the app waits to listen (docs/benchmarks.md, issue 19) — for an export that happens a
 * second (spans, logs) to a minute (metrics) after the app is up. The first export loads them
 * instead, once, off the start-up path — a synchronous require, so that export pauses the event
 * loop for as long as the load takes, once, where before the start did. Nothing else changes: every setting is given when the
 * real exporter is made, which the same factory does; shutdown and forceFlush of an exporter
 * that never exported have nothing to send. A factory that throws fails that export (the
 * export-health warning names it) and is tried again at the next.
 *
 * A metric exporter is asked for its temporality and aggregation when instruments are created,
 * long before its first export: those come from the same preferences the real exporter gets,
 * mapped as @opentelemetry/exporter-metrics-otlp-http maps them (a test compares the two).
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  AggregationType,
  InstrumentType,
  type AggregationOption,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

/** What span, log record and metric exporters have in common. */
export interface AnyExporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export class LazyExporter<T> implements AnyExporter<T> {
  private real: AnyExporter<T> | undefined;

  constructor(private readonly create: () => AnyExporter<T>) {}

  /** Whether the real exporter has been made (tests). */
  get loaded(): boolean {
    return this.real !== undefined;
  }

  /** The real exporter, made now if it was not yet (the first export; tests). */
  load(): AnyExporter<T> {
    return (this.real ??= this.create());
  }

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    let real: AnyExporter<T>;
    try {
      real = this.load();
    } catch (error) {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: error instanceof Error ? error : new Error(String(error)),
      });
      return;
    }
    real.export(items, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.real?.shutdown() ?? Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return this.real?.forceFlush?.() ?? Promise.resolve();
  }
}

/** An exporter's `temporality_preference` and `default_histogram_aggregation`. */
export interface MetricPreferences {
  readonly temporality: 'cumulative' | 'delta' | 'low_memory';
  readonly histogram:
    | 'explicit_bucket_histogram'
    | 'base2_exponential_bucket_histogram';
}

/** The temporality an OTLP metric exporter asks for, per instrument type. Pure. */
export function temporalityFor(
  preference: MetricPreferences['temporality'],
  type: InstrumentType,
): AggregationTemporality {
  const { CUMULATIVE, DELTA } = AggregationTemporality;
  if (preference === 'cumulative') return CUMULATIVE;
  if (preference === 'delta')
    return type === InstrumentType.UP_DOWN_COUNTER ||
      type === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER
      ? CUMULATIVE
      : DELTA;
  // low_memory: delta only where the SDK would otherwise keep every past point.
  return type === InstrumentType.COUNTER || type === InstrumentType.HISTOGRAM
    ? DELTA
    : CUMULATIVE;
}

/** The aggregation an OTLP metric exporter asks for, per instrument type. Pure. */
export function aggregationFor(
  histogram: MetricPreferences['histogram'],
  type: InstrumentType,
): AggregationOption {
  return histogram === 'base2_exponential_bucket_histogram' &&
    type === InstrumentType.HISTOGRAM
    ? { type: AggregationType.EXPONENTIAL_HISTOGRAM }
    : { type: AggregationType.DEFAULT };
}

export class LazyMetricExporter
  extends LazyExporter<ResourceMetrics>
  implements PushMetricExporter
{
  constructor(
    create: () => PushMetricExporter,
    private readonly preferences: MetricPreferences,
  ) {
    super(create);
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return temporalityFor(this.preferences.temporality, type);
  }

  selectAggregation(type: InstrumentType): AggregationOption {
    return aggregationFor(this.preferences.histogram, type);
  }
}
