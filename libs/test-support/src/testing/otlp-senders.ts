/**
 * Real upstream OTLP exporters (0.301.x) as senders for this package's own specs, one per signal
 * and protocol, configured only through constructor options: these exporters also read OTEL_*
 * variables, and the specs keep process.env out of it.
 */
import { context, SeverityNumber, SpanKind, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as JsonMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import * as grpc from '@grpc/grpc-js';
import type { OtlpProtocol, OtlpSignal } from '../lib/otlp-types.js';

export const PROTOCOLS: readonly OtlpProtocol[] = [
  'grpc',
  'http/protobuf',
  'http/json',
];

export const RESOURCE = {
  'service.name': 'sender-spec',
  'service.version': '9.9.9',
};

export interface SenderOptions {
  protocol: OtlpProtocol;
  /** For grpc the receiver's endpoint; for HTTP the full signal URL (receiver.url(signal)). */
  url: string;
  headers?: Record<string, string>;
  gzip?: boolean;
  /** PEM: the CA to trust, plus a client certificate and key for mTLS. */
  tls?: { ca: string; cert?: string; key?: string };
  /** Bounds retries on failure (the exporters retry transient errors until this passes). */
  timeoutMillis?: number;
}

/** What all the exporters here share. */
export interface Sender<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

export function createSpanSender(
  options: SenderOptions,
): Sender<ReadableSpan[]> {
  switch (options.protocol) {
    case 'grpc':
      return new GrpcTraceExporter(grpcConfig(options));
    case 'http/protobuf':
      return new ProtoTraceExporter(httpConfig(options));
    case 'http/json':
      return new JsonTraceExporter(httpConfig(options));
  }
}

export function createMetricSender(
  options: SenderOptions,
): Sender<ResourceMetrics> {
  // The manual reader below decides temporality; the preference only matters to periodic readers.
  const temporalityPreference = AggregationTemporalityPreference.CUMULATIVE;
  switch (options.protocol) {
    case 'grpc':
      return new GrpcMetricExporter({
        ...grpcConfig(options),
        temporalityPreference,
      });
    case 'http/protobuf':
      return new ProtoMetricExporter({
        ...httpConfig(options),
        temporalityPreference,
      });
    case 'http/json':
      return new JsonMetricExporter({
        ...httpConfig(options),
        temporalityPreference,
      });
  }
}

export function createLogSender(
  options: SenderOptions,
): Sender<ReadableLogRecord[]> {
  switch (options.protocol) {
    case 'grpc':
      return new GrpcLogExporter(grpcConfig(options));
    case 'http/protobuf':
      return new ProtoLogExporter(httpConfig(options));
    case 'http/json':
      return new JsonLogExporter(httpConfig(options));
  }
}

function grpcConfig(options: SenderOptions) {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(options.headers ?? {})) {
    metadata.set(key, value);
  }
  const tls = options.tls;
  return {
    url: options.url,
    metadata,
    compression: options.gzip
      ? CompressionAlgorithm.GZIP
      : CompressionAlgorithm.NONE,
    timeoutMillis: options.timeoutMillis ?? 10_000,
    credentials: tls
      ? grpc.credentials.createSsl(
          Buffer.from(tls.ca),
          tls.key ? Buffer.from(tls.key) : null,
          tls.cert ? Buffer.from(tls.cert) : null,
        )
      : grpc.credentials.createInsecure(),
  };
}

function httpConfig(options: SenderOptions) {
  const tls = options.tls;
  return {
    url: options.url,
    headers: options.headers ?? {},
    compression: options.gzip
      ? CompressionAlgorithm.GZIP
      : CompressionAlgorithm.NONE,
    timeoutMillis: options.timeoutMillis ?? 10_000,
    // A factory, not agent options: the exporters' default factory loads node:http(s) with a
    // dynamic import(), which jest refuses without --experimental-vm-modules. keepAlive off so no
    // pooled socket outlives a test.
    httpAgentOptions: (protocol: string) =>
      protocol === 'https:'
        ? new HttpsAgent({
            keepAlive: false,
            ca: tls?.ca,
            cert: tls?.cert,
            key: tls?.key,
          })
        : new HttpAgent({ keepAlive: false }),
  };
}

/** Sends once and resolves with the exporter's verdict; always shuts the exporter down. */
export async function sendOnce<T>(
  sender: Sender<T>,
  items: T,
): Promise<ExportResult> {
  try {
    return await new Promise<ExportResult>((resolve) =>
      sender.export(items, resolve),
    );
  } finally {
    await sender.shutdown().catch(() => undefined);
  }
}

export function senderFor(
  signal: OtlpSignal,
  options: SenderOptions,
): () => Promise<ExportResult> {
  switch (signal) {
    case 'traces':
      return async () =>
        sendOnce(createSpanSender(options), await sampleSpans());
    case 'metrics':
      return async () =>
        sendOnce(createMetricSender(options), await sampleMetrics());
    case 'logs':
      return async () =>
        sendOnce(createLogSender(options), (await sampleLogs()).records);
  }
}

/** A server span with one child, made by the real SDK. */
export async function sampleSpans(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(RESOURCE),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('sender-spec-scope', '1.2.3');
  const parent = tracer.startSpan('GET /rolldice', {
    kind: SpanKind.SERVER,
    attributes: { 'http.route': '/rolldice', big: 2 ** 40 },
  });
  tracer
    .startSpan('do_roll', {}, trace.setSpan(context.active(), parent))
    .end();
  parent.end();
  await provider.forceFlush();
  const spans = [...memory.getFinishedSpans()];
  await provider.shutdown();
  return spans;
}

/** A reader that only collects on demand, so a spec decides when and with which temporality. */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {
    // nothing buffered
  }
  protected override async onShutdown(): Promise<void> {
    // nothing to release
  }
}

/**
 * One metric of every kind the JS SDK makes: a monotonic counter (unit s, like system.cpu.time),
 * an up-down counter, a gauge, an explicit-bucket histogram and an exponential histogram.
 */
export async function sampleMetrics(
  temporality: 'cumulative' | 'delta' = 'cumulative',
): Promise<ResourceMetrics> {
  const reader = new OnDemandReader({
    aggregationTemporalitySelector: () =>
      temporality === 'delta'
        ? AggregationTemporality.DELTA
        : AggregationTemporality.CUMULATIVE,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(RESOURCE),
    readers: [reader],
    views: [
      {
        instrumentName: 'roll.spread',
        aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
      },
    ],
  });
  const meter = provider.getMeter('sender-spec-meter', '4.5.6');
  meter
    .createCounter('cpu.time', { unit: 's', description: 'CPU seconds' })
    .add(1.5, { 'cpu.mode': 'user' });
  meter.createUpDownCounter('in.flight').add(-2);
  meter
    .createObservableGauge('temperature', { unit: 'Cel' })
    .addCallback((result) => result.observe(21.5, { room: 'lab' }));
  const histogram = meter.createHistogram('roll.latency', {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [10, 100] },
  });
  for (const value of [5, 50, 500]) histogram.record(value);
  const spread = meter.createHistogram('roll.spread');
  for (const value of [1, 2, 4, 8]) spread.record(value);

  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0)
    throw new AggregateError(errors, 'metric collection failed');
  await provider.shutdown();
  return resourceMetrics;
}

/** Two log records, the second inside a span so it carries trace context. */
export async function sampleLogs(): Promise<{
  records: ReadableLogRecord[];
  traceId: string;
  spanId: string;
}> {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(RESOURCE),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const logger = provider.getLogger('sender-spec-logger', '7.8.9');
  logger.emit({
    severityNumber: SeverityNumber.INFO,
    severityText: 'info',
    body: 'dice rolled',
    attributes: { 'roll.value': 7 },
  });
  const spanContext = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
  };
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: 'error',
    body: { msg: 'roll failed', code: 500 },
    context: trace.setSpanContext(context.active(), spanContext),
  });
  await provider.forceFlush();
  const records = [...memory.getFinishedLogRecords()];
  await provider.shutdown();
  return { records, traceId: spanContext.traceId, spanId: spanContext.spanId };
}
