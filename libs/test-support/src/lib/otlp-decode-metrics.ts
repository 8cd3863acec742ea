import type {
  AggregationTemporality,
  ReceivedDataPointBase,
  ReceivedExponentialBuckets,
  ReceivedExponentialHistogramDataPoint,
  ReceivedHistogramDataPoint,
  ReceivedMetric,
  ReceivedNumberDataPoint,
  ReceivedSummaryDataPoint,
  WireDataPointBase,
  WireExponentialBuckets,
  WireExponentialHistogramDataPoint,
  WireExportMetricsServiceRequest,
  WireHistogramDataPoint,
  WireMetric,
  WireNumberDataPoint,
  WireSummaryDataPoint,
} from './otlp-metric-types.js';
import type { Attributes, ReceivedScope } from './otlp-types.js';
import {
  toAttributes,
  toBigInt,
  toCount,
  toSafeNumber,
  toScope,
} from './otlp-values.js';

/** Flattens an ExportMetricsServiceRequest into one record per metric, resource and scope inlined. */
export function flattenMetricsRequest(
  request: WireExportMetricsServiceRequest,
): ReceivedMetric[] {
  const metrics: ReceivedMetric[] = [];
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    const resource = toAttributes(resourceMetrics.resource?.attributes);
    for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
      const scope = toScope(scopeMetrics.scope);
      for (const metric of scopeMetrics.metrics ?? []) {
        metrics.push(toReceivedMetric(metric, resource, scope));
      }
    }
  }
  return metrics;
}

/** Data points across metrics: the unit OTLP counts metrics in (rejected_data_points). */
export function countDataPoints(metrics: readonly ReceivedMetric[]): number {
  return metrics.reduce((total, metric) => total + metric.dataPoints.length, 0);
}

export function toReceivedMetric(
  metric: WireMetric,
  resource: Attributes,
  scope: ReceivedScope,
): ReceivedMetric {
  const base = {
    name: metric.name,
    description: metric.description ?? '',
    unit: metric.unit ?? '',
    resource,
    scope,
  };
  switch (metric.data) {
    case 'gauge':
      return {
        ...base,
        kind: 'gauge',
        dataPoints: (metric.gauge?.dataPoints ?? []).map(toNumberDataPoint),
      };
    case 'sum':
      return {
        ...base,
        kind: 'sum',
        isMonotonic: metric.sum?.isMonotonic ?? false,
        aggregationTemporality: toTemporality(
          metric.sum?.aggregationTemporality,
        ),
        dataPoints: (metric.sum?.dataPoints ?? []).map(toNumberDataPoint),
      };
    case 'histogram':
      return {
        ...base,
        kind: 'histogram',
        aggregationTemporality: toTemporality(
          metric.histogram?.aggregationTemporality,
        ),
        dataPoints: (metric.histogram?.dataPoints ?? []).map(
          toHistogramDataPoint,
        ),
      };
    case 'exponentialHistogram':
      return {
        ...base,
        kind: 'exponentialHistogram',
        aggregationTemporality: toTemporality(
          metric.exponentialHistogram?.aggregationTemporality,
        ),
        dataPoints: (metric.exponentialHistogram?.dataPoints ?? []).map(
          toExponentialHistogramDataPoint,
        ),
      };
    case 'summary':
      return {
        ...base,
        kind: 'summary',
        dataPoints: (metric.summary?.dataPoints ?? []).map(toSummaryDataPoint),
      };
    default:
      // A Metric without data is invalid OTLP; refuse it rather than invent a kind.
      throw new Error(`metric "${metric.name}" carries no data`);
  }
}

export function toTemporality(
  value: number | undefined,
): AggregationTemporality {
  switch (value) {
    case 1:
      return 'delta';
    case 2:
      return 'cumulative';
    default:
      return 'unspecified';
  }
}

function pointBase(point: WireDataPointBase): ReceivedDataPointBase {
  return {
    attributes: toAttributes(point.attributes),
    startTimeUnixNano: toBigInt(point.startTimeUnixNano),
    timeUnixNano: toBigInt(point.timeUnixNano),
    flags: point.flags ?? 0,
  };
}

function toNumberDataPoint(
  point: WireNumberDataPoint,
): ReceivedNumberDataPoint {
  const base = pointBase(point);
  switch (point.value) {
    case 'asDouble':
      return { ...base, value: point.asDouble ?? 0, valueType: 'double' };
    case 'asInt':
      return {
        ...base,
        value: toSafeNumber(point.asInt ?? '0'),
        valueType: 'int',
      };
    default:
      return { ...base, value: 0, valueType: undefined };
  }
}

function toHistogramDataPoint(
  point: WireHistogramDataPoint,
): ReceivedHistogramDataPoint {
  return {
    ...pointBase(point),
    count: toCount(point.count),
    sum: point.sum,
    min: point.min,
    max: point.max,
    bucketCounts: (point.bucketCounts ?? []).map(toCount),
    explicitBounds: point.explicitBounds ?? [],
  };
}

function toExponentialHistogramDataPoint(
  point: WireExponentialHistogramDataPoint,
): ReceivedExponentialHistogramDataPoint {
  return {
    ...pointBase(point),
    count: toCount(point.count),
    sum: point.sum,
    min: point.min,
    max: point.max,
    scale: point.scale ?? 0,
    zeroCount: toCount(point.zeroCount),
    zeroThreshold: point.zeroThreshold ?? 0,
    positive: toBuckets(point.positive),
    negative: toBuckets(point.negative),
  };
}

function toBuckets(
  buckets: WireExponentialBuckets | null | undefined,
): ReceivedExponentialBuckets {
  return {
    offset: buckets?.offset ?? 0,
    bucketCounts: (buckets?.bucketCounts ?? []).map(toCount),
  };
}

function toSummaryDataPoint(
  point: WireSummaryDataPoint,
): ReceivedSummaryDataPoint {
  return {
    ...pointBase(point),
    count: toCount(point.count),
    sum: point.sum ?? 0,
    quantileValues: (point.quantileValues ?? []).map(({ quantile, value }) => ({
      quantile: quantile ?? 0,
      value: value ?? 0,
    })),
  };
}
