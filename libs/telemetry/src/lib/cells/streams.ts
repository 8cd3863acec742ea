/**
 * Which metric streams an instrument of the fast path feeds, decided once when it is created, by
 * the rules of @opentelemetry/sdk-metrics' MeterSharedState and ViewRegistry, from the same
 * ViewOptions the SDK meter provider gets (metrics.ts builds them from the model's views):
 *
 * - every view whose selectors match makes one stream for all readers: the view's name,
 *   description, aggregation, attribute processors, and cardinality limit (2000 when the view
 *   sets none — the SDK's default for a view's stream);
 * - no view matches: one stream per reader, with that reader's default aggregation and
 *   cardinality limit (readers that agree share one).
 *
 * Why this has to exist: the SDK applies views and cardinality limits inside its own storage; a
 * MetricProducer's output is appended to a collection as it is (MetricReader.collect), so the
 * fast path applies them itself or they would silently not apply.
 *
 * Aggregations the fast path does not implement (last value, exponential histograms) make the
 * instrument `unsupported`: it is then created on the SDK meter instead.
 */
import type { Attributes, MetricAdvice, ValueType } from '@opentelemetry/api';
import {
  AggregationType,
  InstrumentType,
  type AggregationOption,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import type { AggregationSpec } from './accumulation.js';

/** What the SDK's createInstrumentDescriptor makes of an instrument's options. */
export interface InstrumentDescriptor {
  readonly name: string;
  readonly type: InstrumentType;
  readonly description: string;
  readonly unit: string;
  readonly valueType: ValueType;
  readonly advice: MetricAdvice;
}

export interface MeterScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

/** The part of a metric reader a stream's defaults come from. */
export interface ReaderDefaults {
  selectAggregation(type: InstrumentType): AggregationOption;
  selectCardinalityLimit(type: InstrumentType): number;
}

export type AttributesProcess = (attributes: Attributes) => Attributes;

export interface StreamSpec {
  readonly descriptor: InstrumentDescriptor;
  readonly aggregation: Exclude<AggregationSpec, { kind: 'drop' }>;
  /** The view's attribute processors, applied when an attribute set is first seen. */
  readonly process: AttributesProcess | undefined;
  /** At most this many series, the overflow series included. */
  readonly cardinalityLimit: number;
  /** Indices of the readers that collect this stream. */
  readonly readers: readonly number[];
}

/** sdk-metrics' default histogram boundaries. */
const DEFAULT_BOUNDARIES = [
  0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000,
];

const SDK_VIEW_CARDINALITY_LIMIT = 2000;

/** The SDK's PatternPredicate: `*` (the first one) matches anything, the rest literally. Pure. */
export function namePattern(
  pattern: string | undefined,
): (name: string) => boolean {
  if (pattern === undefined || pattern === '*') return () => true;
  const regexp = new RegExp(
    `^${pattern.replace(/[\^$\\.+?()[\]{}|]/g, '\\$&').replace('*', '.*')}$`,
  );
  return (name) => regexp.test(name);
}

/** Whether a view selects the instrument of `scope` (the SDK's ViewRegistry.findViews). Pure. */
export function viewSelects(
  view: ViewOptions,
  instrument: InstrumentDescriptor,
  scope: MeterScope,
): boolean {
  const exact = (pattern: string | undefined, value: string | undefined) =>
    pattern === undefined || value === pattern;
  return (
    (view.instrumentType === undefined ||
      view.instrumentType === instrument.type) &&
    namePattern(view.instrumentName)(instrument.name) &&
    exact(view.instrumentUnit, instrument.unit) &&
    exact(view.meterName, scope.name) &&
    (scope.version === undefined || exact(view.meterVersion, scope.version)) &&
    (scope.schemaUrl === undefined ||
      exact(view.meterSchemaUrl, scope.schemaUrl))
  );
}

/**
 * An aggregation option resolved for an instrument (the SDK's toAggregation, then the default
 * aggregation's choice by instrument type), or `unsupported`. Pure.
 */
export function resolveAggregation(
  option: AggregationOption,
  instrument: InstrumentDescriptor,
): AggregationSpec | 'unsupported' {
  const monotonic =
    instrument.type === InstrumentType.COUNTER ||
    instrument.type === InstrumentType.OBSERVABLE_COUNTER ||
    instrument.type === InstrumentType.HISTOGRAM;
  switch (option.type) {
    case AggregationType.DROP:
      return { kind: 'drop' };
    case AggregationType.SUM:
      return { kind: 'sum', monotonic };
    case AggregationType.EXPLICIT_BUCKET_HISTOGRAM:
      if (option.options == null)
        return {
          kind: 'histogram',
          boundaries: DEFAULT_BOUNDARIES,
          recordMinMax: true,
        };
      return {
        kind: 'histogram',
        boundaries: cleanBoundaries(option.options.boundaries),
        recordMinMax: option.options.recordMinMax ?? true,
      };
    case AggregationType.DEFAULT:
      switch (instrument.type) {
        case InstrumentType.COUNTER:
        case InstrumentType.UP_DOWN_COUNTER:
        case InstrumentType.OBSERVABLE_COUNTER:
        case InstrumentType.OBSERVABLE_UP_DOWN_COUNTER:
          return { kind: 'sum', monotonic };
        case InstrumentType.HISTOGRAM:
          return {
            kind: 'histogram',
            boundaries: instrument.advice.explicitBucketBoundaries
              ? cleanBoundaries(instrument.advice.explicitBucketBoundaries)
              : DEFAULT_BOUNDARIES,
            recordMinMax: true,
          };
        default:
          return 'unsupported';
      }
    default:
      return 'unsupported';
  }
}

/** Sorted, without the infinities (the SDK's ExplicitBucketHistogramAggregation). Pure. */
export function cleanBoundaries(boundaries: readonly number[]): number[] {
  const sorted = [...boundaries].sort((a, b) => a - b);
  const minusInfinity = sorted.lastIndexOf(-Infinity);
  const infinity = sorted.indexOf(Infinity);
  return sorted.slice(
    minusInfinity + 1,
    infinity === -1 ? undefined : infinity,
  );
}

function processorsOf(view: ViewOptions): AttributesProcess | undefined {
  const processors = view.attributesProcessors;
  if (!processors || processors.length === 0) return undefined;
  // A processor may look at the context; the model's (attribute_keys filters) do not, which is
  // what lets the fast path apply them once per attribute set.
  return (attributes) =>
    processors.reduce<Attributes>(
      (current, processor) => processor.process(current),
      attributes,
    );
}

/** The streams of an instrument, or `unsupported` (see the file comment). Pure. */
export function resolveStreams(
  instrument: InstrumentDescriptor,
  scope: MeterScope,
  views: readonly ViewOptions[],
  readers: readonly ReaderDefaults[],
): StreamSpec[] | 'unsupported' {
  const all = readers.map((_, i) => i);
  const matching = views.filter((view) => viewSelects(view, instrument, scope));
  const streams: StreamSpec[] = [];
  if (matching.length > 0) {
    for (const view of matching) {
      const aggregation = resolveAggregation(
        view.aggregation ?? { type: AggregationType.DEFAULT },
        instrument,
      );
      if (aggregation === 'unsupported') return 'unsupported';
      if (aggregation.kind === 'drop') continue;
      streams.push({
        descriptor: {
          ...instrument,
          name: view.name ?? instrument.name,
          description: view.description ?? instrument.description,
        },
        aggregation,
        process: processorsOf(view),
        cardinalityLimit:
          view.aggregationCardinalityLimit ?? SDK_VIEW_CARDINALITY_LIMIT,
        readers: all,
      });
    }
    return streams;
  }
  const shared = new Map<string, number>();
  for (const [index, reader] of readers.entries()) {
    const aggregation = resolveAggregation(
      reader.selectAggregation(instrument.type),
      instrument,
    );
    if (aggregation === 'unsupported') return 'unsupported';
    if (aggregation.kind === 'drop') continue;
    const cardinalityLimit = reader.selectCardinalityLimit(instrument.type);
    const key = JSON.stringify([aggregation, cardinalityLimit]);
    const found = shared.get(key);
    if (found !== undefined) {
      (streams[found]?.readers as number[]).push(index);
      continue;
    }
    shared.set(key, streams.length);
    streams.push({
      descriptor: instrument,
      aggregation,
      process: undefined,
      cardinalityLimit,
      readers: [index],
    });
  }
  return streams;
}
