import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type {
  LogRecordExporter,
  ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  ExportHealthLogRecordExporter,
  ExportHealthMetricExporter,
  ExportHealthSpanExporter,
  ExportSkippedError,
} from './export-health.js';

class ScriptedExporter implements SpanExporter {
  results: ExportResult[] = [];
  calls = 0;
  export(_spans: ReadableSpan[], cb: (r: ExportResult) => void): void {
    this.calls += 1;
    const next = this.results.shift() ?? { code: ExportResultCode.SUCCESS };
    setImmediate(() => cb(next));
  }
  shutdown() {
    return Promise.resolve();
  }
}

const fail: ExportResult = {
  code: ExportResultCode.FAILED,
  error: new Error('14 UNAVAILABLE: connect ECONNREFUSED'),
};
const ok: ExportResult = { code: ExportResultCode.SUCCESS };
const spans = (n: number) => new Array(n).fill({}) as ReadableSpan[];
const exportOnce = (e: SpanExporter, n: number) =>
  new Promise<ExportResult>((resolve) => e.export(spans(n), resolve));

describe('ExportHealthSpanExporter', () => {
  it('warns once per outage and reports recovery with the spans lost', async () => {
    const inner = new ScriptedExporter();
    inner.results = [ok, fail, fail, fail, ok, fail, ok];
    const warn = jest.fn();
    const info = jest.fn();
    const exporter = new ExportHealthSpanExporter(
      inner,
      'http://127.0.0.1:4317',
      { warn, info },
      { probeIntervalMs: 0 }, // every batch sent: the circuit breaker is tested below
    );
    const codes = [];
    for (const n of [1, 2, 3, 4, 5, 6, 7])
      codes.push((await exportOnce(exporter, n)).code);

    expect(codes).toEqual([0, 1, 1, 1, 0, 1, 0]); // results passed through unchanged
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0][0]).toMatch(
      /http:\/\/127\.0\.0\.1:4317 is failing \(14 UNAVAILABLE/,
    );
    expect(info.mock.calls.map((c) => c[0])).toEqual([
      expect.stringMatching(/recovered; 9 span\(s\) were lost/),
      expect.stringMatching(/recovered; 6 span\(s\) were lost/),
    ]);
    expect(exporter.getStats()).toEqual({
      exported: 1 + 5 + 7,
      failed: 2 + 3 + 4 + 6,
      outages: 2,
      down: false,
      skipped: 0,
    });
  });

  it('while down, fails batches between probes without sending them, and closes on success', async () => {
    const inner = new ScriptedExporter();
    inner.results = [fail, fail, ok];
    const info = jest.fn();
    let clock = 0;
    const exporter = new ExportHealthSpanExporter(
      inner,
      'http://127.0.0.1:4317',
      { warn: jest.fn(), info },
      { probeIntervalMs: 1000, now: () => clock },
    );

    expect((await exportOnce(exporter, 1)).code).toBe(ExportResultCode.FAILED); // sent, fails
    clock = 500;
    const skipped = await exportOnce(exporter, 2);
    expect(skipped.code).toBe(ExportResultCode.FAILED);
    expect(skipped.error).toBeInstanceOf(ExportSkippedError);
    expect(skipped.error?.name).toBe('ExportSkippedError'); // the error_type on /metrics
    expect(inner.calls).toBe(1);

    clock = 999;
    await exportOnce(exporter, 3); // skipped: skipping does not move the next probe
    clock = 1000;
    expect((await exportOnce(exporter, 4)).error).not.toBeInstanceOf(
      ExportSkippedError,
    ); // the probe is sent, and fails: the next one is a second later
    expect(inner.calls).toBe(2);
    clock = 1999;
    await exportOnce(exporter, 5);
    expect(inner.calls).toBe(2);

    clock = 2000;
    expect((await exportOnce(exporter, 6)).code).toBe(ExportResultCode.SUCCESS);
    expect((await exportOnce(exporter, 7)).code).toBe(ExportResultCode.SUCCESS); // closed again
    expect(inner.calls).toBe(4);
    expect(info.mock.calls[0][0]).toMatch(/15 span\(s\) were lost/);
    expect(exporter.getStats()).toEqual({
      exported: 13,
      failed: 15,
      outages: 1,
      down: false,
      skipped: 10,
    });
  });

  it('keeps one outage when a batch sent before it began is answered late', async () => {
    // Two exports in flight at once; the later one fails first, then the earlier one succeeds.
    const pending: ((r: ExportResult) => void)[] = [];
    const inner: SpanExporter = {
      export: (_spans, cb) => void pending.push(cb),
      shutdown: () => Promise.resolve(),
    };
    const warn = jest.fn();
    const info = jest.fn();
    const exporter = new ExportHealthSpanExporter(
      inner,
      'http://127.0.0.1:4317',
      { warn, info },
      { probeIntervalMs: 0 },
    );
    const early = exportOnce(exporter, 1);
    const late = exportOnce(exporter, 2);
    pending[1](fail);
    pending[0](ok); // sent before the outage: not a sign of recovery
    await Promise.all([early, late]);
    expect(exporter.getStats()).toMatchObject({ down: true, outages: 1 });
    expect(info).not.toHaveBeenCalled();

    const probe = exportOnce(exporter, 3); // sent during the outage: its answer counts
    pending[2](fail);
    await probe;
    const next = exportOnce(exporter, 4);
    pending[3](ok);
    await next;
    expect(warn).toHaveBeenCalledTimes(1);
    expect(info.mock.calls.map((c) => c[0])).toEqual([
      expect.stringMatching(/recovered; 5 span\(s\) were lost/),
    ]);
    expect(exporter.getStats()).toMatchObject({ down: false, outages: 1 });
  });

  it('turns a synchronous throw into a failed result', async () => {
    const throwing: SpanExporter = {
      export: () => {
        throw new Error('boom');
      },
      shutdown: () => Promise.resolve(),
    };
    const exporter = new ExportHealthSpanExporter(throwing, 'x', {
      warn: jest.fn(),
      info: jest.fn(),
    });
    const result = await exportOnce(exporter, 1);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toBe('boom');
  });
});

describe('the outage warning keeps credentials out', () => {
  it('masks user info in the endpoint and in the error text', async () => {
    const inner = new ScriptedExporter();
    inner.results = [
      {
        code: ExportResultCode.FAILED,
        error: new Error(
          'request to https://user:pa55word@collector:4318/v1/traces failed',
        ),
      },
    ];
    const warn = jest.fn();
    const exporter = new ExportHealthSpanExporter(
      inner,
      'https://user:pa55word@collector:4318/v1/traces',
      { warn, info: jest.fn() },
    );
    await exportOnce(exporter, 1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe(
      'trace export to https://***@collector:4318/v1/traces is failing (request to https://***@collector:4318/v1/traces failed); span(s) are dropped until it recovers, requests are unaffected',
    );
  });
});

describe('ExportHealthLogRecordExporter / ExportHealthMetricExporter', () => {
  it('warn once per outage in their own words', async () => {
    const results = [fail, fail, ok];
    const logs: LogRecordExporter = {
      export: (_l, cb) => cb(results.shift() ?? ok),
      shutdown: () => Promise.resolve(),
      forceFlush: () => Promise.resolve(),
    };
    const warn = jest.fn();
    const info = jest.fn();
    const exporter = new ExportHealthLogRecordExporter(
      logs,
      'http://127.0.0.1:4318/v1/logs',
      { warn, info },
      { probeIntervalMs: 0 },
    );
    const records = (n: number) => new Array(n).fill({}) as ReadableLogRecord[];
    for (const n of [2, 3, 4])
      await new Promise((resolve) => exporter.export(records(n), resolve));
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      expect.stringMatching(
        /^log export to http:\/\/127\.0\.0\.1:4318\/v1\/logs is failing .*log record\(s\) are dropped/,
      ),
    ]);
    expect(info.mock.calls[0][0]).toMatch(
      /recovered; 5 log record\(s\) were lost/,
    );
    expect(exporter.getStats()).toMatchObject({ exported: 4, failed: 5 });
  });

  it('counts metric streams and passes temporality and aggregation through', async () => {
    const metrics: PushMetricExporter = {
      export: (_m, cb) => cb(fail),
      shutdown: () => Promise.resolve(),
      forceFlush: () => Promise.resolve(),
      selectAggregationTemporality: () => AggregationTemporality.DELTA,
    };
    const warn = jest.fn();
    const exporter = new ExportHealthMetricExporter(metrics, 'http://c:4317', {
      warn,
      info: jest.fn(),
    });
    const collection = {
      resource: {},
      scopeMetrics: [{ metrics: [{}, {}] }, { metrics: [{}] }],
    } as unknown as ResourceMetrics;
    await new Promise((resolve) => exporter.export(collection, resolve));
    expect(warn.mock.calls[0][0]).toMatch(
      /^metric export to http:\/\/c:4317 is failing/,
    );
    expect(exporter.getStats().failed).toBe(3);
    expect(
      exporter.selectAggregationTemporality?.(InstrumentType.COUNTER),
    ).toBe(AggregationTemporality.DELTA);
    expect(exporter.selectAggregation).toBeUndefined();
  });
});

describe('the outage warning names the protocol that would fit', () => {
  it('adds OTEL_EXPORTER_OTLP_PROTOCOL when gRPC meets an HTTP/1.1 endpoint', async () => {
    const inner = new ScriptedExporter();
    inner.results = [
      {
        code: ExportResultCode.FAILED,
        error: Object.assign(
          new Error(
            '14 UNAVAILABLE: No connection established. Last error: Protocol error',
          ),
          { code: 14 },
        ),
      },
    ];
    const warn = jest.fn();
    const exporter = new ExportHealthSpanExporter(
      inner,
      'http://collector:4318',
      { warn, info: jest.fn() },
      { protocol: 'grpc' },
    );
    await exportOnce(exporter, 1);
    expect(warn.mock.calls).toEqual([
      [
        'trace export to http://collector:4318 is failing (14 UNAVAILABLE: No connection established. Last error: Protocol error); span(s) are dropped until it recovers, requests are unaffected. the endpoint answers HTTP/1.1, not gRPC: if it is an OTLP/HTTP endpoint (port 4318 by convention), set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
      ],
    ]);
  });
});
