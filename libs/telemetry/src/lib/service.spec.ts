import { runService } from './service.js';

describe('runService: the start-up sequence', () => {
  let stderr: jest.SpyInstance;
  const lines = () => stderr.mock.calls.map(([chunk]) => String(chunk));
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stderr.mockRestore();
    process.exitCode = undefined;
  });

  it('stops on an unusable value with one line, exit code 1, and loads nothing of the app', () => {
    const main = jest.fn();
    const logger = jest.fn();
    const telemetry = runService({
      name: 'shop',
      env: { OTEL_TRACES_EXPORTER: 'zipkin2' },
      logger,
      main,
    });
    expect(telemetry).toBeUndefined();
    expect(process.exitCode).toBe(1);
    expect(lines()).toEqual([
      expect.stringMatching(
        /^shop: cannot start telemetry: OTEL_TRACES_EXPORTER="zipkin2" is invalid: .*\n$/,
      ),
    ]);
    expect(logger).not.toHaveBeenCalled();
    expect(main).not.toHaveBeenCalled();
  });

  it('holds the library’s lines until the app’s logger exists, then hands them to it, tagged', async () => {
    const received: Array<[object, string]> = [];
    const appLogger = {
      warn: (m: string) => received.push([{}, `warn ${m}`]),
      info: (m: string) => received.push([{}, `info ${m}`]),
      child: (fields: object) => ({
        warn: (m: string) => received.push([fields, `warn ${m}`]),
        info: (m: string) => received.push([fields, `info ${m}`]),
      }),
    };
    let seen: unknown;
    const telemetry = runService({
      name: 'shop',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
      instrumentations: [],
      esmLoaderHook: false,
      logger: () => appLogger,
      main: ({ telemetry: running, logger }) => {
        seen = logger;
        expect(running.serviceName).toBe('shop');
      },
    });
    expect(seen).toBe(appLogger);
    expect(received[0]).toEqual([
      { component: 'otel' },
      expect.stringMatching(/^info telemetry: service shop;/),
    ]);
    expect(lines()).toEqual([]);
    await telemetry?.shutdown();
  });

  it('masks the configuration’s credentials in the line of an app that cannot start', async () => {
    let exit: jest.SpyInstance | undefined;
    const exited = new Promise<void>((resolve) => {
      exit = jest.spyOn(process, 'exit').mockImplementation(() => {
        resolve();
        return undefined as never;
      });
    });
    runService({
      name: 'shop',
      env: {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:
          'http://ci:s3cr3t-pass@127.0.0.1:9/v1/traces',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
        OTEL_METRICS_EXPORTER: 'none',
      },
      instrumentations: [],
      esmLoaderHook: false,
      main: () =>
        Promise.reject(new Error('cannot reach ci (password s3cr3t-pass)')),
    });
    await exited;
    exit?.mockRestore();
    const failed = lines().filter((line) => line.includes('failed to start'));
    expect(failed).toEqual([
      'shop: failed to start: cannot reach ci (password ***)\n',
    ]);
    expect(lines().join('')).not.toContain('s3cr3t');
  });
});
