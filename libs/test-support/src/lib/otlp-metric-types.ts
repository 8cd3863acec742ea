/**
 * OTLP metrics as the receivers record them (`Received*`) and as the decoder hands them over
 * (`Wire*`, see otlp-types.ts for the conventions). One ReceivedMetric per Metric message, with the
 * resource and scope of its ResourceMetrics/ScopeMetrics inlined.
 */
import type {
  Attributes,
  ReceivedScope,
  WireKeyValue,
  WireResource,
  WireScope,
} from './otlp-types.js';

/** Which member of Metric.data was set. */
export type MetricKind =
  | 'gauge'
  | 'sum'
  | 'histogram'
  | 'exponentialHistogram'
  | 'summary';

/** AggregationTemporality by name; 'unspecified' is the proto3 default (0). */
export type AggregationTemporality = 'unspecified' | 'delta' | 'cumulative';

/** What every kind of data point carries. */
export interface ReceivedDataPointBase {
  attributes: Attributes;
  /** 0n when the sender left it unset. */
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  /** DataPointFlags; bit 0 = no recorded value. */
  flags: number;
}

/** A gauge or sum point: asDouble as a number, asInt as a number (bigint beyond 2^53). */
export interface ReceivedNumberDataPoint extends ReceivedDataPointBase {
  value: number | bigint;
  /** Which member of the value oneof was set; undefined when neither was. */
  valueType: 'double' | 'int' | undefined;
}

/** Counts are numbers: exact up to 2^53, far beyond anything a test produces. */
export interface ReceivedHistogramDataPoint extends ReceivedDataPointBase {
  count: number;
  /** undefined when the sender did not set it (optional in the schema). */
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
  bucketCounts: number[];
  explicitBounds: number[];
}

export interface ReceivedExponentialBuckets {
  offset: number;
  bucketCounts: number[];
}

export interface ReceivedExponentialHistogramDataPoint
  extends ReceivedDataPointBase {
  count: number;
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: ReceivedExponentialBuckets;
  negative: ReceivedExponentialBuckets;
}

export interface ReceivedSummaryDataPoint extends ReceivedDataPointBase {
  count: number;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
}

interface ReceivedMetricBase {
  name: string;
  description: string;
  unit: string;
  /** Resource attributes of the ResourceMetrics the metric arrived in (e.g. service.name). */
  resource: Attributes;
  scope: ReceivedScope;
}

export interface ReceivedGauge extends ReceivedMetricBase {
  kind: 'gauge';
  dataPoints: ReceivedNumberDataPoint[];
}

export interface ReceivedSum extends ReceivedMetricBase {
  kind: 'sum';
  isMonotonic: boolean;
  aggregationTemporality: AggregationTemporality;
  dataPoints: ReceivedNumberDataPoint[];
}

export interface ReceivedHistogram extends ReceivedMetricBase {
  kind: 'histogram';
  aggregationTemporality: AggregationTemporality;
  dataPoints: ReceivedHistogramDataPoint[];
}

export interface ReceivedExponentialHistogram extends ReceivedMetricBase {
  kind: 'exponentialHistogram';
  aggregationTemporality: AggregationTemporality;
  dataPoints: ReceivedExponentialHistogramDataPoint[];
}

export interface ReceivedSummary extends ReceivedMetricBase {
  kind: 'summary';
  dataPoints: ReceivedSummaryDataPoint[];
}

/** One OTLP Metric, discriminated by `kind` (narrow with `metric.kind === 'sum'`). */
export type ReceivedMetric =
  | ReceivedGauge
  | ReceivedSum
  | ReceivedHistogram
  | ReceivedExponentialHistogram
  | ReceivedSummary;

export interface WireDataPointBase {
  attributes: WireKeyValue[];
  startTimeUnixNano: string;
  timeUnixNano: string;
  flags: number;
}

export interface WireNumberDataPoint extends WireDataPointBase {
  value?: 'asDouble' | 'asInt';
  asDouble?: number;
  asInt?: string;
}

export interface WireHistogramDataPoint extends WireDataPointBase {
  count: string;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts: string[];
  explicitBounds: number[];
}

export interface WireExponentialBuckets {
  offset: number;
  bucketCounts: string[];
}

export interface WireExponentialHistogramDataPoint extends WireDataPointBase {
  count: string;
  sum?: number;
  min?: number;
  max?: number;
  scale: number;
  zeroCount: string;
  zeroThreshold: number;
  positive?: WireExponentialBuckets | null;
  negative?: WireExponentialBuckets | null;
}

export interface WireSummaryDataPoint extends WireDataPointBase {
  count: string;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
}

export interface WireMetric {
  name: string;
  description: string;
  unit: string;
  data?: MetricKind;
  gauge?: { dataPoints: WireNumberDataPoint[] } | null;
  sum?: {
    dataPoints: WireNumberDataPoint[];
    aggregationTemporality: number;
    isMonotonic: boolean;
  } | null;
  histogram?: {
    dataPoints: WireHistogramDataPoint[];
    aggregationTemporality: number;
  } | null;
  exponentialHistogram?: {
    dataPoints: WireExponentialHistogramDataPoint[];
    aggregationTemporality: number;
  } | null;
  summary?: { dataPoints: WireSummaryDataPoint[] } | null;
}

export interface WireScopeMetrics {
  scope?: WireScope | null;
  metrics: WireMetric[];
}

export interface WireResourceMetrics {
  resource?: WireResource | null;
  scopeMetrics: WireScopeMetrics[];
}

export interface WireExportMetricsServiceRequest {
  resourceMetrics: WireResourceMetrics[];
}
