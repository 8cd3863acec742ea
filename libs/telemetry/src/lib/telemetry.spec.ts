import { logs, SeverityNumber } from '@opentelemetry/api';
import { start, startTelemetry } from './telemetry.js';
import {
  fetchFromHandler,
  RetainingLogRecordExporter,
  RetainingSpanExporter,
} from './test-helpers.js';

function quietLogger() {
  return { warn: jest.fn(), info: jest.fn() };
}

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

  it('throws a config error naming the variable, before anything is built', () => {
    const logger = quietLogger();
    expect(() =>
      startTelemetry({
        defaultServiceName: 'svc',
        env: { OTEL_BSP_MAX_QUEUE_SIZE: 'many' },
        instrumentations: [],
        logger,
      }),
    ).toThrow(
      /^OTEL_BSP_MAX_QUEUE_SIZE="many" is invalid: must be an integer ≥ 1$/,
    );
    expect(logger.info).not.toHaveBeenCalled();
  });

  it('refuses an unreadable certificate file at start-up', () => {
    expect(() =>
      startTelemetry({
        defaultServiceName: 'svc',
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317',
          OTEL_EXPORTER_OTLP_CERTIFICATE: '/nonexistent/ca.pem',
        },
        instrumentations: [],
        logger: quietLogger(),
      }),
    ).toThrow(
      /^OTEL_EXPORTER_OTLP_CERTIFICATE="\/nonexistent\/ca\.pem" cannot be used: cannot read the file \(ENOENT\)$/,
    );
  });

  it('states the effective configuration in one line, then its notes', async () => {
    const logger = quietLogger();
    const telemetry = startTelemetry({
      defaultServiceName: 'svc',
      env: {
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=s3cr3t',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_EXPORTER_OTLP_ENDPIONT: 'http://typo:4317',
      },
      instrumentations: [],
      logger,
    });
    expect(logger.info.mock.calls).toEqual([
      [
        "telemetry: service svc; traces none, sampler parentbased(always_on), tracer compact; metrics prometheus on the app's /metrics; logs none; propagators tracecontext,baggage; configured from the environment; instrumentations none",
      ],
    ]);
    expect(logger.warn.mock.calls).toEqual([
      [
        'OTEL_EXPORTER_OTLP_HEADERS set but not used: no signal is exported over OTLP',
      ],
      [
        expect.stringMatching(
          /^not used by @otel-dice\/telemetry.*OTEL_EXPORTER_OTLP_ENDPIONT$/,
        ),
      ],
    ]);
    await telemetry.shutdown();
  });

  it('flushes spans, metrics and log records on shutdown, idempotently', async () => {
    const exporter = new RetainingSpanExporter();
    const logExporter = new RetainingLogRecordExporter();
    const telemetry = start(
      {
        defaultServiceName: 'svc',
        serviceVersion: '9.9.9',
        env: {
          OTEL_BSP_SCHEDULE_DELAY: '60000',
          OTEL_LOGS_EXPORTER: 'otlp',
          OTEL_BLRP_SCHEDULE_DELAY: '60000',
        },
        instrumentations: [],
        logger: quietLogger(),
      },
      { spanExporter: exporter, logExporter },
    );
    expect(telemetry.enabled).toBe(true);
    expect(telemetry.serviceName).toBe('svc');
    telemetry.tracer.startSpan('pending').end();
    logs
      .getLogger('t')
      .emit({ severityNumber: SeverityNumber.INFO, body: 'pending' });
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
    expect(logExporter.getFinishedLogRecords().map((r) => r.body)).toEqual([
      'pending',
    ]);
    await telemetry.shutdown();
  });

  it('answers 404 on the app port when metrics are not served there', async () => {
    const telemetry = startTelemetry({
      defaultServiceName: 'svc',
      env: { OTEL_METRICS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none' },
      instrumentations: [],
      logger: quietLogger(),
    });
    const { status, body } = await fetchFromHandler(telemetry.metricsHandler);
    expect(status).toBe(404);
    expect(JSON.parse(body)).toEqual({
      error: 'not_found',
      message: 'metrics are not served on this port',
    });
    await telemetry.shutdown();
  });
});
