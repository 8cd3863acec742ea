/**
 * One metric stream of the fast path: its cells — one per attribute set, found once, kept by the
 * code that records (so a measurement is a few additions, not a hash of its attributes) — and
 * what each reader of the stream has been given.
 *
 * The bookkeeping is sdk-metrics' (DeltaMetricProcessor + TemporalMetricProcessor): a cell adds
 * up what was recorded since the last collection by any reader; a collection moves that into
 * every reader's running series and clears it; the reader collecting then reports its series —
 * all of them, kept, for cumulative temporality; those changed since its last collection, then
 * forgotten, for delta, with the start time moved to that collection. The cardinality limit
 * admits a new attribute set when it is first recorded, up to the limit less one; later ones are
 * added to the `otel.metric.overflow=true` series.
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  InstrumentType,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  clear,
  emptyAccumulation,
  mergeInto,
  recordHistogram,
  type Accumulation,
  type HistogramAccumulation,
} from './accumulation.js';
import type { StreamSpec } from './streams.js';

/** Something bound to one attribute set: recording is all it does. */
export interface Recorder {
  record(value: number): void;
}

const OVERFLOW: Attributes = { 'otel.metric.overflow': true };

/** One reader's running series of a cell. */
interface Series {
  readonly accumulation: Accumulation;
  /** Unix milliseconds. */
  startMs: number;
  /** Recorded into since the reader's last collection (delta reports only these). */
  fresh: boolean;
}

export class Cell implements Recorder {
  readonly current: Accumulation;
  /** Recorded since the last collection. */
  touched = false;
  /** Unix milliseconds of the first record since the last collection. */
  startMs = 0;
  /** Counted against the cardinality limit (on first record). */
  private admitted = false;
  /** Set when the limit was reached before this cell's first record. */
  private redirect: Cell | undefined = undefined;
  /** Per reader slot of the stream. */
  readonly series: (Series | undefined)[];

  constructor(
    readonly stream: Stream,
    readonly attributes: Attributes,
  ) {
    this.current = emptyAccumulation(stream.spec.aggregation);
    this.series = new Array<Series | undefined>(
      stream.spec.readers.length,
    ).fill(undefined);
  }

  record(value: number): void {
    if (!this.touched) {
      if (this.redirect !== undefined) {
        this.redirect.record(value);
        return;
      }
      if (!this.admitted) {
        const target = this.stream.admit(this);
        if (target !== this) {
          this.redirect = target;
          target.record(value);
          return;
        }
        this.admitted = true;
      }
      this.touched = true;
      this.startMs = Date.now();
    }
    const current = this.current;
    if (current.kind === 'sum') {
      current.value += value;
      return;
    }
    const aggregation = this.stream.spec.aggregation;
    if (aggregation.kind === 'histogram')
      recordHistogram(
        current,
        aggregation.boundaries,
        aggregation.recordMinMax,
        value,
      );
  }
}

export class Stream {
  private readonly cells = new Map<string, Cell>();
  private admitted = 0;
  private overflow: Cell | undefined = undefined;
  /** Cells with series, in the order first recorded. */
  private readonly recorded: Cell[] = [];

  constructor(readonly spec: StreamSpec) {}

  /** The cell of an attribute set (the view's processors applied first). */
  cellFor(attributes: Attributes): Cell {
    const processed = this.spec.process
      ? this.spec.process(attributes)
      : attributes;
    const key = canonicalKey(processed);
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = new Cell(this, { ...processed });
      this.cells.set(key, cell);
    }
    return cell;
  }

  /** Admits a cell's first record, or names the overflow cell that takes it instead. */
  admit(cell: Cell): Cell {
    if (cell === this.overflow) return cell;
    if (this.admitted >= this.spec.cardinalityLimit - 1) {
      this.overflow ??= this.newOverflow();
      return this.overflow;
    }
    this.admitted++;
    this.recorded.push(cell);
    return cell;
  }

  private newOverflow(): Cell {
    const cell = new Cell(this, OVERFLOW);
    this.recorded.push(cell);
    return cell;
  }

  /**
   * The stream's data for the reader in `slot`, collected at `collectionMs`, or undefined when it
   * has no data point.
   */
  collect(
    slot: number,
    temporality: AggregationTemporality,
    collectionMs: number,
  ): MetricData | undefined {
    const readers = this.spec.readers.length;
    for (const cell of this.recorded) {
      if (!cell.touched) continue;
      for (let r = 0; r < readers; r++) {
        let series = cell.series[r];
        if (series === undefined) {
          series = {
            accumulation: emptyAccumulation(this.spec.aggregation),
            startMs: cell.startMs,
            fresh: true,
          };
          cell.series[r] = series;
        }
        mergeInto(series.accumulation, cell.current);
        series.fresh = true;
      }
      clear(cell.current);
      cell.touched = false;
    }
    const endTime = millisToHrTime(collectionMs);
    const points: { attributes: Attributes; series: Series }[] = [];
    for (const cell of this.recorded) {
      const series = cell.series[slot];
      if (series === undefined) continue;
      if (temporality === AggregationTemporality.DELTA && !series.fresh) {
        // Not recorded into since this reader's last collection: nothing to report, and its
        // next data point starts from its own first record, as the SDK has it.
        cell.series[slot] = undefined;
        continue;
      }
      points.push({ attributes: cell.attributes, series });
    }
    const data = this.toMetricData(temporality, points, endTime);
    if (temporality === AggregationTemporality.DELTA)
      for (const { series } of points) {
        clear(series.accumulation);
        series.startMs = collectionMs;
        series.fresh = false;
      }
    return data;
  }

  private toMetricData(
    temporality: AggregationTemporality,
    points: readonly { attributes: Attributes; series: Series }[],
    endTime: HrTime,
  ): MetricData | undefined {
    if (points.length === 0) return undefined;
    const { descriptor, aggregation } = this.spec;
    if (aggregation.kind === 'sum')
      return {
        descriptor,
        aggregationTemporality: temporality,
        dataPointType: DataPointType.SUM,
        isMonotonic: aggregation.monotonic,
        dataPoints: points.map(({ attributes, series }) => ({
          attributes,
          startTime: millisToHrTime(series.startMs),
          endTime,
          value: (series.accumulation as { value: number }).value,
        })),
      };
    const boundaries =
      aggregation.kind === 'histogram' ? aggregation.boundaries : [];
    const recordMinMax =
      aggregation.kind === 'histogram' && aggregation.recordMinMax;
    const signed =
      descriptor.type === InstrumentType.GAUGE ||
      descriptor.type === InstrumentType.UP_DOWN_COUNTER ||
      descriptor.type === InstrumentType.OBSERVABLE_GAUGE ||
      descriptor.type === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER;
    return {
      descriptor,
      aggregationTemporality: temporality,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: points.map(({ attributes, series }) => {
        const h = series.accumulation as HistogramAccumulation;
        const minMax = recordMinMax && h.count > 0;
        return {
          attributes,
          startTime: millisToHrTime(series.startMs),
          endTime,
          value: {
            min: minMax ? h.min : undefined,
            max: minMax ? h.max : undefined,
            sum: signed ? undefined : h.sum,
            buckets: { boundaries: [...boundaries], counts: [...h.counts] },
            count: h.count,
          },
        };
      }),
    };
  }
}

/** One string per attribute set, whatever the order of its keys. Pure. */
export function canonicalKey(attributes: Attributes): string {
  return JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((key) => [key, attributes[key]]),
  );
}
