import { getTelemetry, metricsHandler } from './active.js';
import { startTelemetry } from './telemetry.js';
import { fetchFromHandler } from './test-helpers.js';

const quiet = () => ({ warn: jest.fn(), info: jest.fn() });

describe('the running telemetry', () => {
  it('is reachable while it runs and forgotten after shutdown', async () => {
    expect(getTelemetry()).toBeUndefined();
    const telemetry = startTelemetry({
      defaultServiceName: 'svc',
      env: { OTEL_TRACES_EXPORTER: 'none' },
      instrumentations: [],
      logger: quiet(),
    });
    expect(getTelemetry()).toBe(telemetry);
    telemetry.requestCounter.add(1);
    const served = await fetchFromHandler(metricsHandler);
    expect(served.status).toBe(200);
    expect(served.body).toMatch(/^request_counter_total\{[^}]*\} 1$/m);
    await telemetry.shutdown();
    expect(getTelemetry()).toBeUndefined();
  });

  it('answers 503 with a JSON body on /metrics when telemetry was not started', async () => {
    const served = await fetchFromHandler(metricsHandler);
    expect(served.status).toBe(503);
    expect(JSON.parse(served.body)).toEqual({
      error: 'telemetry_not_started',
      message: expect.stringContaining('node --import'),
    });
  });

  it('warns when a second telemetry is started in the same process', async () => {
    const first = startTelemetry({
      defaultServiceName: 'first',
      env: { OTEL_TRACES_EXPORTER: 'none' },
      instrumentations: [],
      logger: quiet(),
    });
    const logger = quiet();
    const second = startTelemetry({
      defaultServiceName: 'second',
      env: { OTEL_TRACES_EXPORTER: 'none' },
      instrumentations: [],
      logger,
    });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^telemetry for first is already running in this process/,
      ),
    );
    expect(getTelemetry()).toBe(second);
    await first.shutdown();
    expect(getTelemetry()).toBe(second);
    await second.shutdown();
    expect(getTelemetry()).toBeUndefined();
  });
});
