import { startTelemetry } from './telemetry.js';
import { fetchFromHandler, RetainingSpanExporter } from './test-helpers.js';

describe('startTelemetry', () => {
  it('is a no-op but still answers /metrics when OTEL_SDK_DISABLED=true', async () => {
    const telemetry = startTelemetry({
      defaultServiceName: 'svc',
      env: { OTEL_SDK_DISABLED: 'true', APP_SERVICE_NAME: 'seed' },
    });
    expect(telemetry.enabled).toBe(false);
    expect(telemetry.serviceName).toBe('seed');
    expect(telemetry.tracer.startSpan('x').isRecording()).toBe(false);
    const { status, body } = await fetchFromHandler(telemetry.metricsHandler);
    expect(status).toBe(200);
    expect(body).toContain('OTEL_SDK_DISABLED');
    await telemetry.shutdown();
  });

  it('throws a config error naming the variable', () => {
    expect(() =>
      startTelemetry({
        defaultServiceName: 'svc',
        env: { OTEL_BSP_MAX_QUEUE_SIZE: 'many' },
        instrumentations: [],
      }),
    ).toThrow(/OTEL_BSP_MAX_QUEUE_SIZE="many" is invalid/);
  });

  it('flushes spans and metrics on shutdown, idempotently', async () => {
    const exporter = new RetainingSpanExporter();
    const telemetry = startTelemetry({
      defaultServiceName: 'svc',
      serviceVersion: '9.9.9',
      env: { OTEL_BSP_SCHEDULE_DELAY: '60000' },
      spanExporter: exporter,
      instrumentations: [],
    });
    expect(telemetry.enabled).toBe(true);
    expect(telemetry.serviceName).toBe('svc');
    telemetry.tracer.startSpan('pending').end();
    telemetry.requestCounter.add(1);
    const { body } = await fetchFromHandler(telemetry.metricsHandler);
    expect(body).toMatch(/^request_counter_total(\{[^}]*\})? 1$/m);
    // SDK self-observability: spans started are counted on /metrics
    expect(body).toMatch(/^otel_sdk_span_started_total\{/m);

    await Promise.all([telemetry.shutdown(), telemetry.shutdown()]);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['pending']);
    expect(
      exporter.getFinishedSpans()[0].resource.attributes['service.version'],
    ).toBe('9.9.9');
    await telemetry.shutdown();
  });
});
