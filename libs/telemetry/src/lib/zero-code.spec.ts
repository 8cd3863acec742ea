import { getTelemetry } from './active.js';
import { startFromEnvironment, zeroCodeReaders } from './zero-code.js';

describe('zeroCodeReaders', () => {
  it('moves Prometheus from the app port (nobody mounts it) to a port of its own', () => {
    expect(
      zeroCodeReaders([
        { kind: 'prometheus' },
        { kind: 'prometheus', host: '0.0.0.0', port: 9999 },
      ]),
    ).toEqual([
      { kind: 'prometheus', host: 'localhost', port: 9464 },
      { kind: 'prometheus', host: '0.0.0.0', port: 9999 },
    ]);
  });
});

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
