import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  EncodingBatchSpanProcessor,
  type EncodedSpanExporter,
} from './encoding-span-processor.js';
import { encodeExportRequest, EncodedSpan } from './otlp-span-encoding.js';

class CapturingExporter implements EncodedSpanExporter {
  readonly batches: EncodedSpan[][] = [];
  result: ExportResult = { code: ExportResultCode.SUCCESS };

  export(spans: EncodedSpan[], done: (result: ExportResult) => void): void {
    this.batches.push(spans);
    done(this.result);
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('EncodingBatchSpanProcessor', () => {
  function setUp(ratio = 1) {
    const exporter = new CapturingExporter();
    const reference = new InMemorySpanExporter();
    const processor = new EncodingBatchSpanProcessor({
      exporter,
      maxExportBatchSize: 4,
      maxQueueSize: 8,
      scheduledDelayMillis: 60_000,
    });
    const provider = new TracerProvider({
      sampler:
        ratio === 1
          ? new AlwaysOnSampler()
          : new ParentBasedSampler({
              root: new TraceIdRatioBasedSampler(ratio),
            }),
      spanProcessors: [
        processor,
        new SimpleSpanProcessor({ exporter: reference }),
      ],
    });
    return { exporter, reference, processor, tracer: provider.getTracer('t') };
  }

  it('queues each span encoded, exports full batches, and the request is the upstream one', async () => {
    const { exporter, reference, processor, tracer } = setUp();
    for (let i = 0; i < 6; i++)
      tracer.startSpan(`span ${i}`, { attributes: { i } }).end();
    // a full batch of four went out at once, the other two wait for the delay
    expect(exporter.batches.map((b) => b.length)).toEqual([4]);
    await processor.forceFlush();
    expect(exporter.batches.map((b) => b.length)).toEqual([4, 2]);
    const encoded = exporter.batches.flat();
    expect(encoded.every((span) => span instanceof EncodedSpan)).toBe(true);
    expect(Buffer.from(encodeExportRequest(encoded))).toEqual(
      Buffer.from(
        ProtobufTraceSerializer.serializeRequest(
          reference.getFinishedSpans(),
        ) as Uint8Array,
      ),
    );
  });

  it('never encodes a span the sampler did not keep', async () => {
    const { exporter, processor, tracer } = setUp(0);
    for (let i = 0; i < 10; i++) tracer.startSpan('dropped').end();
    await processor.forceFlush();
    expect(exporter.batches).toEqual([]);
  });

  it('drops what does not fit in the queue and counts it, as the SDK processor does', async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 60_000,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const exporter = new CapturingExporter();
    exporter.export = (spans) => {
      // never answers: the one export in flight keeps the queue from draining
      exporter.batches.push(spans);
    };
    const processor = new EncodingBatchSpanProcessor({
      exporter,
      maxExportBatchSize: 4,
      maxQueueSize: 8,
      scheduledDelayMillis: 60_000,
      exportTimeoutMillis: 50,
      selfObsMeterProvider: meterProvider,
    });
    const tracer = new TracerProvider({
      sampler: new AlwaysOnSampler(),
      spanProcessors: [processor],
    }).getTracer('t');
    for (let i = 0; i < 20; i++) tracer.startSpan('s').end();
    // 4 in the export that hangs, 8 queued, 8 dropped
    expect(exporter.batches.map((b) => b.length)).toEqual([4]);
    const { resourceMetrics } = await reader.collect();
    const processed = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((m) => m.descriptor.name === 'otel.sdk.processor.span.processed');
    expect(
      processed?.dataPoints.map((p) => [p.attributes['error.type'], p.value]),
    ).toEqual([['queue_full', 8]]);
    await processor.shutdown().catch(() => undefined);
    await meterProvider.shutdown();
  });
});
