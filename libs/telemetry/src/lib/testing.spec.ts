import { SpanKind } from '@opentelemetry/api';
import { startTestTelemetry } from './testing.js';

describe('startTestTelemetry', () => {
  it('keeps spans as they end and collects counters on demand, through startTelemetry’s path', async () => {
    const telemetry = startTestTelemetry({ serviceName: 'app-under-test' });
    telemetry.tracer.startActiveSpan(
      'outer',
      { kind: SpanKind.SERVER },
      (outer) => {
        telemetry.tracer.startSpan('inner').end();
        outer.end();
      },
    );
    telemetry.requestCounter.add(2, { route: '/x' });
    expect(telemetry.finishedSpans().map((s) => s.name)).toEqual([
      'inner',
      'outer',
    ]);
    const [inner, outer] = telemetry.finishedSpans();
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(outer.resource.attributes['service.name']).toBe('app-under-test');
    expect(await telemetry.counterPoints('request_counter')).toEqual([
      { attributes: { route: '/x' }, value: 2 },
    ]);
    expect(await telemetry.counterPoints('never.recorded')).toEqual([]);
    telemetry.reset();
    expect(telemetry.finishedSpans()).toEqual([]);
    await telemetry.shutdown();
  });

  it('reads no OTEL_* variable of the process and patches nothing by default', async () => {
    const saved = process.env.OTEL_TRACES_SAMPLER;
    process.env.OTEL_TRACES_SAMPLER = 'always_off';
    try {
      const telemetry = startTestTelemetry();
      telemetry.tracer.startSpan('kept').end();
      expect(telemetry.finishedSpans()).toHaveLength(1);
      // nothing patched: a server the test starts makes no spans of its own
      expect(telemetry.finishedSpans().map((s) => s.name)).toEqual(['kept']);
      await telemetry.shutdown();
    } finally {
      if (saved === undefined) delete process.env.OTEL_TRACES_SAMPLER;
      else process.env.OTEL_TRACES_SAMPLER = saved;
    }
  });

  it('starts again after a shutdown, as test after test does', async () => {
    for (const name of ['first', 'second']) {
      const telemetry = startTestTelemetry();
      telemetry.tracer.startActiveSpan(name, (span) => span.end());
      expect(telemetry.finishedSpans().map((s) => s.name)).toEqual([name]);
      await telemetry.shutdown();
    }
  });
});
