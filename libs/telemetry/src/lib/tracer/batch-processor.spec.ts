import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { decodeProtobufRequest } from '@otel-dice/test-support';
import {
  BatchProcessor,
  type BatchExporter,
  type BatchSettings,
  type EncodedBatch,
} from './batch-processor.js';
import { IdPool } from './ids.js';
import { compileSampler } from './sampling.js';
import type { ProcessorMetrics } from './self-metrics.js';
import { CompactTracerProvider } from './tracer.js';

const LIMITS = {
  attributes: { count: 128, valueLength: Infinity },
  eventCount: 128,
  linkCount: 128,
  attributesPerEvent: 128,
  attributesPerLink: 128,
};

class FakeExporter implements BatchExporter {
  readonly batches: EncodedBatch[] = [];
  result: ExportResult = { code: ExportResultCode.SUCCESS };
  /** Held callbacks, when exports should not finish by themselves. */
  hold = false;
  readonly pending: (() => void)[] = [];
  shutdowns = 0;
  export(batch: EncodedBatch, done: (result: ExportResult) => void): void {
    this.batches.push(batch);
    const finish = () => done(this.result);
    if (this.hold) this.pending.push(finish);
    else finish();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    this.shutdowns++;
    return Promise.resolve();
  }
  names(): string[] {
    return this.batches.flatMap((b) =>
      (
        decodeProtobufRequest('traces', Buffer.from(b.bytes)) as {
          resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[];
        }
      ).resourceSpans.flatMap((r) =>
        r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)),
      ),
    );
  }
}

function setup(
  settings: Partial<BatchSettings> = {},
  resource = resourceFromAttributes({ a: 1 }),
) {
  const exporter = new FakeExporter();
  const counted = { dropped: 0, ok: 0, failed: [] as string[], shutdown: 0 };
  const metrics: ProcessorMetrics = {
    dropped: (n) => (counted.dropped += n),
    finished: (n, error) =>
      error ? counted.failed.push(`${n} ${error.name}`) : (counted.ok += n),
    shutdown: () => counted.shutdown++,
  };
  const processor = new BatchProcessor(
    {
      maxQueueSize: 8,
      maxExportBatchSize: 4,
      scheduledDelayMillis: 60_000,
      exportTimeoutMillis: 30_000,
      ...settings,
    },
    exporter,
    resource,
    () => metrics,
  );
  const provider = new CompactTracerProvider({
    limits: LIMITS,
    decide: compileSampler(undefined),
    ids: new IdPool(),
    metrics: { started: () => undefined, ended: () => undefined },
    pipeline: processor,
  });
  const tracer = provider.getTracer('t');
  const end = (...names: string[]) =>
    names.forEach((n) => tracer.startSpan(n).end());
  return { exporter, counted, processor, provider, end };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchProcessor', () => {
  it('exports a full batch at once, and the rest on flush', async () => {
    const { exporter, counted, provider, end } = setup();
    end('1', '2', '3');
    await tick();
    expect(exporter.batches).toHaveLength(0);
    end('4');
    await tick();
    expect(exporter.batches.map((b) => b.spans)).toEqual([4]);
    end('5', '6');
    await provider.forceFlush();
    expect(exporter.names()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(counted.ok).toBe(6);
  });

  it('exports after the schedule delay', async () => {
    const { exporter, end } = setup({ scheduledDelayMillis: 5 });
    end('late');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(exporter.names()).toEqual(['late']);
  });

  it('drops what does not fit in the queue while an export is under way, and counts it', async () => {
    const { exporter, counted, provider, end } = setup();
    exporter.hold = true;
    end('1', '2', '3', '4'); // a batch goes out and does not come back
    await tick();
    end('5', '6', '7', '8', '9', '10', '11', '12', '13', '14');
    expect(counted.dropped).toBe(2);
    exporter.hold = false;
    exporter.pending.splice(0).forEach((finish) => finish());
    await provider.forceFlush();
    expect(exporter.names()).toEqual(
      Array.from({ length: 12 }, (_, i) => `${i + 1}`),
    );
  });

  it('counts a failed export by the error name', async () => {
    const { exporter, counted, provider, end } = setup();
    class CollectorGone extends Error {
      override name = 'CollectorGone';
    }
    exporter.result = {
      code: ExportResultCode.FAILED,
      error: new CollectorGone('gone'),
    };
    end('1', '2');
    await expect(provider.forceFlush()).rejects.toBeInstanceOf(CollectorGone);
    expect(counted.failed).toEqual(['2 CollectorGone']);
  });

  it('waits for the resource to settle before the first export', async () => {
    let settle: () => void = () => undefined;
    const pending = new Promise<void>((resolve) => (settle = resolve));
    const resource = resourceFromAttributes({
      'host.id': pending.then(() => 'h-1'),
    });
    const { exporter, provider, end } = setup({}, resource);
    end('1');
    const flushed = provider.forceFlush();
    await tick();
    expect(exporter.batches).toHaveLength(0);
    settle();
    await flushed;
    const request = decodeProtobufRequest(
      'traces',
      Buffer.from(exporter.batches[0]?.bytes as Uint8Array),
    ) as {
      resourceSpans: {
        resource: {
          attributes: { key: string; value: { stringValue: string } }[];
        };
      }[];
    };
    expect(request.resourceSpans[0]?.resource.attributes).toEqual([
      expect.objectContaining({
        key: 'host.id',
        value: expect.objectContaining({ stringValue: 'h-1' }),
      }),
    ]);
  });

  it('flushes at shutdown, shuts the exporter down once, and takes nothing after', async () => {
    const { exporter, counted, provider, end } = setup();
    end('1');
    await Promise.all([provider.shutdown(), provider.shutdown()]);
    end('after');
    await provider.forceFlush();
    expect(exporter.names()).toEqual(['1']);
    expect(exporter.shutdowns).toBe(1);
    expect(counted.shutdown).toBe(1);
  });
});
