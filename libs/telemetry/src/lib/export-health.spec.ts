import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { ExportHealthSpanExporter } from './export-health.js';

class ScriptedExporter implements SpanExporter {
  results: ExportResult[] = [];
  export(_spans: ReadableSpan[], cb: (r: ExportResult) => void): void {
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
