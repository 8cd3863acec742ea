/**
 * The fast metrics path: instruments that record into pre-resolved cells (instruments.ts,
 * stream.ts), exposed to the meter provider's readers through sdk-metrics' `MetricProducer` —
 * one per reader, attached when the reader is built — so what they record is read, exported,
 * given its temporality, viewed and limited like the SDK's own instruments: the same model
 * views (streams.ts), each reader's aggregation, temporality and cardinality limit.
 *
 * An instrument whose streams need what the cells do not implement (a last-value or exponential
 * histogram aggregation from a view or a reader's preference) is created on the SDK meter
 * provider instead, and behaves exactly as any SDK instrument.
 *
 * Reached by the code that records through `cellMetricsOf(meterProvider)`: the library's meter
 * provider has one, any other has none (then the SDK's instruments are used as they are).
 */
import {
  diag,
  ValueType,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type ObservableResult,
  type MetricOptions,
  type UpDownCounter,
} from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  InstrumentType,
  type CollectionResult,
  type IMetricReader,
  type MetricData,
  type MetricProducer,
  type ScopeMetrics,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { millisToHrTime } from '@opentelemetry/core';
import {
  bindableSdkInstrument,
  CellCounter,
  CellHistogram,
  CellUpDownCounter,
  type Bindable,
} from './instruments.js';
import { Stream } from './stream.js';

export type { Recorder } from './stream.js';
import {
  resolveStreams,
  type InstrumentDescriptor,
  type MeterScope,
  type ReaderDefaults,
} from './streams.js';

/** What the selectors of a reader are asked (MetricReader has them all). */
type Reader = ReaderDefaults &
  Pick<IMetricReader, 'selectAggregationTemporality'>;

/** Something a collection asks for one reader's data. */
interface Collectable {
  readonly readers: readonly number[];
  collect(
    slot: number,
    temporality: AggregationTemporality,
    collectionMs: number,
  ): MetricData | undefined;
  readonly type: InstrumentType;
}

const NAME = /^[a-z][a-z0-9_.\-/]{0,254}$/i;

function descriptorOf(
  name: string,
  type: InstrumentType,
  options: MetricOptions | undefined,
): InstrumentDescriptor {
  if (!NAME.test(name))
    diag.warn(
      `Invalid metric name: "${name}". The metric name should be a ASCII string with a length no greater than 255 characters.`,
    );
  return {
    name,
    type,
    description: options?.description ?? '',
    unit: options?.unit ?? '',
    valueType: options?.valueType ?? ValueType.DOUBLE,
    advice: options?.advice ?? {},
  };
}

function scopeId(scope: MeterScope): string {
  return `${scope.name}:${scope.version ?? ''}:${scope.schemaUrl ?? ''}`;
}

/** A meter of the fast path: the three instruments it has, for one scope. */
export interface CellMeter {
  createCounter(name: string, options?: MetricOptions): Counter & Bindable;
  createUpDownCounter(
    name: string,
    options?: MetricOptions,
  ): UpDownCounter & Bindable;
  createHistogram(name: string, options?: MetricOptions): Histogram & Bindable;
  /**
   * An observable up-down counter of one attribute set whose value is read at each collection
   * (the span processor's queue size), until the returned function is called.
   */
  observeUpDownCounter(
    name: string,
    options: MetricOptions,
    attributes: Attributes,
    read: () => number,
  ): () => void;
}

export class CellMetrics {
  private readonly readers: (Reader | undefined)[] = [];
  private readonly scopes = new Map<
    string,
    { scope: MeterScope; collectables: Collectable[] }
  >();
  private readonly instruments = new Map<string, unknown>();

  /** Stands in for the instruments the cells cannot make (fallBackTo). */
  private sdk: MeterProvider | undefined = undefined;

  constructor(
    private readonly views: readonly ViewOptions[],
    private readonly resource: Resource,
  ) {}

  /**
   * The meter provider whose instruments stand in for those the cells cannot make: set once it
   * is built (after the readers, which need their producers first).
   */
  fallBackTo(provider: MeterProvider): void {
    this.sdk = provider;
  }

  /**
   * A producer for one reader: give it to the reader's `metricProducers`, then `attach` the
   * reader. Every reader must be attached before the first instrument is created.
   */
  producer(): MetricProducer & { attach(reader: Reader): void } {
    const index = this.readers.length;
    this.readers.push(undefined);
    return {
      attach: (reader) => {
        this.readers[index] = reader;
      },
      collect: () => Promise.resolve(this.collect(index)),
    };
  }

  meter(name: string, version?: string, schemaUrl?: string): CellMeter {
    // As the SDK's MeterProvider.getMeter has it: no version is the empty one.
    const scope: MeterScope = { name, version: version ?? '', schemaUrl };
    const sdkMeter = () => {
      if (this.sdk === undefined)
        throw new Error('internal: an instrument before the meter provider');
      return this.sdk.getMeter(
        name,
        version,
        schemaUrl ? { schemaUrl } : undefined,
      );
    };
    return {
      createCounter: (n, options) =>
        this.sync(scope, n, InstrumentType.COUNTER, options, CellCounter, () =>
          sdkMeter().createCounter(n, options),
        ),
      createUpDownCounter: (n, options) =>
        this.sync(
          scope,
          n,
          InstrumentType.UP_DOWN_COUNTER,
          options,
          CellUpDownCounter,
          () => sdkMeter().createUpDownCounter(n, options),
        ),
      createHistogram: (n, options) =>
        this.sync(
          scope,
          n,
          InstrumentType.HISTOGRAM,
          options,
          CellHistogram,
          () => sdkMeter().createHistogram(n, options),
        ),
      observeUpDownCounter: (n, options, attributes, read) =>
        this.observe(scope, n, options, attributes, read, () =>
          observeOn(sdkMeter(), n, options, attributes, read),
        ),
    };
  }

  private streamsOf(
    descriptor: InstrumentDescriptor,
    scope: MeterScope,
  ): Stream[] | undefined {
    const readers = this.readers.map((reader) => {
      if (reader === undefined)
        throw new Error(
          'internal: a metric instrument was created before every reader was attached',
        );
      return reader;
    });
    const specs = resolveStreams(descriptor, scope, this.views, readers);
    return specs === 'unsupported'
      ? undefined
      : specs.map((spec) => new Stream(spec));
  }

  private register(scope: MeterScope, collectable: Collectable): void {
    const id = scopeId(scope);
    let entry = this.scopes.get(id);
    if (entry === undefined) {
      entry = { scope, collectables: [] };
      this.scopes.set(id, entry);
    }
    entry.collectables.push(collectable);
  }

  private sync<T extends Counter | UpDownCounter | Histogram>(
    scope: MeterScope,
    name: string,
    type: InstrumentType,
    options: MetricOptions | undefined,
    Cells: new (d: InstrumentDescriptor, s: readonly Stream[]) => T & Bindable,
    sdkInstrument: () => T,
  ): T & Bindable {
    // The same instrument twice (case-insensitively, as the SDK compares names) is one.
    const key = `${scopeId(scope)}\u0000${name.toLowerCase()}`;
    const existing = this.instruments.get(key);
    if (existing !== undefined) return existing as T & Bindable;
    const descriptor = descriptorOf(name, type, options);
    const streams = this.streamsOf(descriptor, scope);
    let instrument: T & Bindable;
    if (streams === undefined) {
      instrument = bindableSdkInstrument(sdkInstrument());
    } else {
      instrument = new Cells(descriptor, streams);
      for (const stream of streams)
        this.register(scope, {
          readers: stream.spec.readers,
          type,
          collect: (slot, temporality, ms) =>
            stream.collect(slot, temporality, ms),
        });
    }
    this.instruments.set(key, instrument);
    return instrument;
  }

  private observe(
    scope: MeterScope,
    name: string,
    options: MetricOptions,
    attributes: Attributes,
    read: () => number,
    sdkInstrument: () => () => void,
  ): () => void {
    const type = InstrumentType.OBSERVABLE_UP_DOWN_COUNTER;
    const descriptor = descriptorOf(name, type, options);
    const readers = this.readers as Reader[];
    const specs = resolveStreams(descriptor, scope, this.views, readers);
    if (
      specs === 'unsupported' ||
      specs.some((s) => s.aggregation.kind !== 'sum')
    )
      return sdkInstrument();
    let observing = true;
    for (const spec of specs) {
      const state = spec.readers.map(() => ({ startMs: 0, last: 0 }));
      this.register(scope, {
        readers: spec.readers,
        type,
        collect: (slot, temporality, ms) => {
          if (!observing) return undefined;
          const value = read();
          const s = state[slot] as { startMs: number; last: number };
          if (s.startMs === 0) s.startMs = ms;
          const delta = temporality === AggregationTemporality.DELTA;
          const point = delta ? value - s.last : value;
          const startMs = s.startMs;
          if (delta) s.startMs = ms;
          s.last = value;
          return {
            descriptor: spec.descriptor,
            aggregationTemporality: temporality,
            dataPointType: DataPointType.SUM,
            isMonotonic: false,
            dataPoints: [
              {
                attributes: spec.process
                  ? spec.process(attributes)
                  : attributes,
                startTime: millisToHrTime(startMs),
                endTime: millisToHrTime(ms),
                value: point,
              },
            ],
          };
        },
      });
    }
    return () => {
      observing = false;
    };
  }

  private collect(index: number): CollectionResult {
    const reader = this.readers[index];
    const scopeMetrics: ScopeMetrics[] = [];
    if (reader !== undefined) {
      const ms = Date.now();
      for (const { scope, collectables } of this.scopes.values()) {
        const metrics: MetricData[] = [];
        for (const collectable of collectables) {
          const slot = collectable.readers.indexOf(index);
          if (slot < 0) continue;
          const data = collectable.collect(
            slot,
            reader.selectAggregationTemporality(collectable.type),
            ms,
          );
          if (data !== undefined) metrics.push(data);
        }
        if (metrics.length > 0) scopeMetrics.push({ scope, metrics });
      }
    }
    return {
      resourceMetrics: { resource: this.resource, scopeMetrics },
      errors: [],
    };
  }
}

const registries = new WeakMap<object, CellMetrics>();

/** Makes `cells` the fast path of `meterProvider`'s instruments. */
export function setCellMetrics(
  meterProvider: MeterProvider,
  cells: CellMetrics,
): void {
  registries.set(meterProvider, cells);
}

/** The fast path of a meter provider the library built, or undefined for any other. */
export function cellMetricsOf(
  meterProvider: MeterProvider,
): CellMetrics | undefined {
  return registries.get(meterProvider);
}

/**
 * A meter of the fast path when `meterProvider` has one, else the same four factories on the
 * provider's own meter (SDK instruments with `bind`, an observable with a callback).
 */
export function cellMeterOf(
  meterProvider: MeterProvider,
  name: string,
  version?: string,
): CellMeter {
  const cells = cellMetricsOf(meterProvider);
  if (cells !== undefined) return cells.meter(name, version);
  const meter = meterProvider.getMeter(name, version);
  return {
    createCounter: (n, options) =>
      bindableSdkInstrument(meter.createCounter(n, options)),
    createUpDownCounter: (n, options) =>
      bindableSdkInstrument(meter.createUpDownCounter(n, options)),
    createHistogram: (n, options) =>
      bindableSdkInstrument(meter.createHistogram(n, options)),
    observeUpDownCounter: (n, options, attributes, read) =>
      observeOn(meter, n, options, attributes, read),
  };
}

/** An SDK observable up-down counter reporting `read()`; the returned function stops it. */
function observeOn(
  meter: Meter,
  name: string,
  options: MetricOptions,
  attributes: Attributes,
  read: () => number,
): () => void {
  const instrument = meter.createObservableUpDownCounter(name, options);
  const callback = (result: ObservableResult) =>
    result.observe(read(), attributes);
  instrument.addCallback(callback);
  return () => instrument.removeCallback(callback);
}

/**
 * A Meter whose counters, up-down counters and histograms are the fast path's and whose every
 * other instrument is `sdkMeter`'s (an object whose prototype is the SDK meter: gauges,
 * observables and batch callbacks are its own).
 */
export function cellBackedMeter(sdkMeter: Meter, cells: CellMeter): Meter {
  const meter = Object.create(sdkMeter) as Meter;
  meter.createCounter = (name, options) => cells.createCounter(name, options);
  meter.createUpDownCounter = (name, options) =>
    cells.createUpDownCounter(name, options);
  meter.createHistogram = (name, options) =>
    cells.createHistogram(name, options);
  return meter;
}
