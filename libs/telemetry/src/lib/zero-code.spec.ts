import { getTelemetry } from './active.js';
import { startFromEnvironment } from './zero-code.js';

describe('startFromEnvironment', () => {
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => stderr.mockRestore());

  it('ends with one line naming the variable on an unusable value, before anything starts', () => {
    const fail = jest.fn((message: string): never => {
      throw new Error(`exit: ${message}`);
    });
    expect(() =>
      startFromEnvironment({
        env: { OTEL_TRACES_EXPORTER: 'zipkin2' },
        fail,
      }),
    ).toThrow(/^exit: cannot start telemetry: OTEL_TRACES_EXPORTER="zipkin2"/);
    expect(getTelemetry()).toBeUndefined();
  });

  it('starts from the variables alone and says when nothing names the service', async () => {
    const events = ['SIGTERM', 'SIGINT', 'beforeExit'] as const;
    const listeners = (event: (typeof events)[number]): unknown[] =>
      process.listeners(event as 'beforeExit');
    const before = new Map(events.map((e) => [e, listeners(e)]));
    const telemetry = startFromEnvironment({
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http',
      },
    });
    expect(telemetry?.enabled).toBe(true);
    expect(telemetry?.serviceName).toMatch(/^unknown_service/);
    // nobody mounts /metrics: a Prometheus reader would serve on a port of its own
    expect(
      telemetry?.config.distribution['otel-dice'].prometheus_on_app_port,
    ).toBe(false);
    const lines = stderr.mock.calls.map(([chunk]) => String(chunk));
    expect(lines).toContainEqual(
      expect.stringMatching(/set OTEL_SERVICE_NAME\n$/),
    );
    // It flushes on the way out: one new listener per event (removed again here).
    for (const event of events) {
      const added = listeners(event).filter(
        (l) => !before.get(event)?.includes(l),
      );
      expect(added).toHaveLength(1);
      process.off(event as 'beforeExit', added[0] as () => void);
    }
    await telemetry?.shutdown();
  });
});
