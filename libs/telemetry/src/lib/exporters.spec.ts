import { OTLPLogExporter as GrpcLogs } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogs } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogs } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetrics } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetrics } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetrics } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraces } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraces } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraces } from '@opentelemetry/exporter-trace-otlp-proto';
import { ConsoleLogRecordExporter } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  AggregationType,
  ConsoleMetricExporter,
  InstrumentType,
} from '@opentelemetry/sdk-metrics';
import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace';
import type { ExporterModel } from './config/model.js';

type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';
import {
  createLogExporter,
  createMetricExporter,
  createSpanExporter,
} from './exporters.js';

const noPem = { get: () => undefined };

function otlp(protocol: OtlpProtocol): ExporterModel {
  const settings = {
    endpoint:
      protocol === 'grpc' ? 'http://127.0.0.1:1' : 'http://127.0.0.1:1/v1/x',
    headers: [{ name: 'authorization', value: 'Bearer x' }],
    compression: 'gzip' as const,
    timeout: 1000,
  };
  return protocol === 'grpc'
    ? { otlp_grpc: settings }
    : {
        otlp_http: {
          ...settings,
          encoding: protocol === 'http/json' ? 'json' : 'protobuf',
        },
      };
}

const periodic = (
  exporter: ExporterModel,
  temporality: 'cumulative' | 'delta' | 'low_memory' = 'cumulative',
  histogramAggregation:
    | 'explicit_bucket_histogram'
    | 'base2_exponential_bucket_histogram' = 'explicit_bucket_histogram',
): ExporterModel =>
  Object.fromEntries(
    Object.entries(exporter).map(([kind, body]) => [
      kind,
      {
        ...body,
        temporality_preference: temporality,
        default_histogram_aggregation: histogramAggregation,
      },
    ]),
  );

describe('exporter factories: one upstream exporter class per signal and protocol', () => {
  it.each([
    ['grpc', GrpcTraces, GrpcMetrics, GrpcLogs],
    ['http/protobuf', ProtoTraces, ProtoMetrics, ProtoLogs],
    ['http/json', JsonTraces, JsonMetrics, JsonLogs],
  ] as const)('%s', async (protocol, Traces, Metrics, Logs) => {
    const exporters = [
      createSpanExporter(otlp(protocol), noPem),
      createMetricExporter(periodic(otlp(protocol)), noPem),
      createLogExporter(otlp(protocol), noPem),
    ];
    expect(exporters[0]).toBeInstanceOf(Traces);
    expect(exporters[1]).toBeInstanceOf(Metrics);
    expect(exporters[2]).toBeInstanceOf(Logs);
    await Promise.all(exporters.map((e) => e.shutdown()));
  });

  it('console', async () => {
    const console = { console: {} } as const;
    expect(createSpanExporter(console, noPem)).toBeInstanceOf(
      ConsoleSpanExporter,
    );
    expect(createLogExporter(console, noPem)).toBeInstanceOf(
      ConsoleLogRecordExporter,
    );
    expect(createMetricExporter(periodic(console), noPem)).toBeInstanceOf(
      ConsoleMetricExporter,
    );
  });

  it('passes the temporality preference and histogram aggregation to the metric exporter', async () => {
    const delta = createMetricExporter(
      periodic(otlp('http/protobuf'), 'delta'),
      noPem,
    );
    expect(delta.selectAggregationTemporality?.(InstrumentType.COUNTER)).toBe(
      AggregationTemporality.DELTA,
    );
    const low = createMetricExporter(
      periodic(otlp('grpc'), 'low_memory'),
      noPem,
    );
    expect(low.selectAggregationTemporality?.(InstrumentType.COUNTER)).toBe(
      AggregationTemporality.DELTA,
    );
    expect(
      low.selectAggregationTemporality?.(InstrumentType.UP_DOWN_COUNTER),
    ).toBe(AggregationTemporality.CUMULATIVE);
    const exponential = createMetricExporter(
      periodic(
        otlp('http/json'),
        'cumulative',
        'base2_exponential_bucket_histogram',
      ),
      noPem,
    );
    expect(exponential.selectAggregation?.(InstrumentType.HISTOGRAM)).toEqual({
      type: AggregationType.EXPONENTIAL_HISTOGRAM,
    });
    expect(exponential.selectAggregation?.(InstrumentType.COUNTER)).toEqual({
      type: AggregationType.DEFAULT,
    });
    await Promise.all([delta, low, exponential].map((e) => e.shutdown()));
  });
});
