import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import {
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
