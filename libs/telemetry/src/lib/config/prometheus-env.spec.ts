import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_PROMETHEUS,
  settingsOf,
  type TelemetryConfig,
} from './model.js';
import { PROMETHEUS_VARIABLES } from './known-variables.js';
import type { ConfigOverrides } from './overrides.js';
import { resolveTelemetryConfig } from './resolve.js';

const resolve = (
  env: Record<string, string>,
  overrides?: ConfigOverrides,
): TelemetryConfig =>
  resolveTelemetryConfig({ env, defaultServiceName: 'svc', overrides });

const prometheusOf = (config: TelemetryConfig) => settingsOf(config).prometheus;

/** The message of what `run` throws (one line), or undefined. */
function errorOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-prometheus-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

const FILE_WITH_SETTINGS = `file_format: "1.0"
meter_provider:
  readers:
    - pull:
        exporter:
          prometheus/development:
            host: 127.0.0.1
            port: 9464
distribution:
  otel-dice:
    prometheus:
      target_info: all
      cache: 250
      server:
        headers_timeout: 2000
        request_timeout: 4000
        max_connections: 8
`;

describe('TELEMETRY_PROMETHEUS_* onto the extension', () => {
  it('writes the defaults in when nothing is set', () => {
    expect(prometheusOf(resolve({}))).toEqual(DEFAULT_PROMETHEUS);
  });

  it('reads every variable, and remembers which set what', () => {
    const config = resolve({
      TELEMETRY_PROMETHEUS_TARGET_INFO: 'None',
      TELEMETRY_PROMETHEUS_CACHE_MS: '0',
      TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS: '3000',
      TELEMETRY_PROMETHEUS_REQUEST_TIMEOUT_MS: '3000',
      TELEMETRY_PROMETHEUS_KEEP_ALIVE_TIMEOUT_MS: '1000',
      TELEMETRY_PROMETHEUS_MAX_CONNECTIONS: '4',
      TELEMETRY_PROMETHEUS_SEND_TIMEOUT_MS: '500',
      TELEMETRY_PROMETHEUS_MAX_PIPELINED_REQUESTS: '2',
    });
    expect(prometheusOf(config)).toEqual({
      target_info: 'none',
      cache: 0,
      server: {
        headers_timeout: 3000,
        request_timeout: 3000,
        keep_alive_timeout: 1000,
        max_connections: 4,
        send_timeout: 500,
        max_pipelined_requests: 2,
      },
    });
    expect(settingsOf(config).sources).toMatchObject({
      'distribution.otel-dice.prometheus.cache':
        'TELEMETRY_PROMETHEUS_CACHE_MS',
      'distribution.otel-dice.prometheus.server.max_connections':
        'TELEMETRY_PROMETHEUS_MAX_CONNECTIONS',
    });
    // known variables: no "not used" note for them
    expect(settingsOf(config).notes).toEqual([]);
  });

  it.each([
    [
      'TELEMETRY_PROMETHEUS_TARGET_INFO',
      'some',
      /supported values are service, all, none/,
    ],
    ['TELEMETRY_PROMETHEUS_CACHE_MS', '-1', /between 0 and 60000/],
    ['TELEMETRY_PROMETHEUS_CACHE_MS', '1s', /between 0 and 60000/],
    ['TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS', '0', /between 1 and 3600000/],
    ['TELEMETRY_PROMETHEUS_REQUEST_TIMEOUT_MS', '1.5', /between 1 and 3600000/],
    [
      'TELEMETRY_PROMETHEUS_KEEP_ALIVE_TIMEOUT_MS',
      'forever',
      /between 1 and 3600000/,
    ],
    ['TELEMETRY_PROMETHEUS_MAX_CONNECTIONS', '0', /between 1 and 1000000/],
    [
      'TELEMETRY_PROMETHEUS_SEND_TIMEOUT_MS',
      '3600001',
      /between 1 and 3600000/,
    ],
    [
      'TELEMETRY_PROMETHEUS_MAX_PIPELINED_REQUESTS',
      '10001',
      /between 1 and 10000/,
    ],
  ])(
    '%s=%j stops the start with one line naming it',
    (variable, value, accepted) => {
      const message = errorOf(() => resolve({ [variable]: value }));
      expect(message).toMatch(new RegExp(`^${variable}="`));
      expect(message).toMatch(accepted);
      expect(message).not.toContain('\n');
    },
  );

  it('refuses a headers timeout longer than the request timeout, naming the one set', () => {
    expect(
      errorOf(() =>
        resolve({
          TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS: '30000',
          TELEMETRY_PROMETHEUS_REQUEST_TIMEOUT_MS: '20000',
        }),
      ),
    ).toBe(
      'TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS="30000" is invalid: must not exceed the request timeout (20000 ms, TELEMETRY_PROMETHEUS_REQUEST_TIMEOUT_MS)',
    );
    // against the default request timeout
    expect(
      errorOf(() =>
        resolve({ TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS: '30000' }),
      ),
    ).toBe(
      'TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS="30000" is invalid: must not exceed the request timeout (25000 ms, the default; TELEMETRY_PROMETHEUS_REQUEST_TIMEOUT_MS sets it)',
    );
    // a request timeout below the default headers timeout: the request timeout was set
    expect(
      errorOf(() =>
        resolve({ TELEMETRY_PROMETHEUS_REQUEST_TIMEOUT_MS: '5000' }),
      ),
    ).toBe(
      'TELEMETRY_PROMETHEUS_REQUEST_TIMEOUT_MS="5000" is invalid: must not be shorter than the headers timeout (10000 ms, the default; TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS sets it)',
    );
  });

  it('names a misspelt library variable, and one set with no Prometheus reader', () => {
    expect(
      settingsOf(resolve({ TELEMETRY_PROMETHEUS_CACHE: '0' })).notes,
    ).toEqual([
      'not used by @otel-dice/telemetry (misspelt, or meant for another SDK): TELEMETRY_PROMETHEUS_CACHE',
    ]);
    expect(
      settingsOf(
        resolve({
          OTEL_METRICS_EXPORTER: 'otlp',
          TELEMETRY_PROMETHEUS_TARGET_INFO: 'all',
        }),
      ).notes,
    ).toEqual([
      'TELEMETRY_PROMETHEUS_TARGET_INFO set but not used: OTEL_METRICS_EXPORTER has no prometheus',
    ]);
    expect(PROMETHEUS_VARIABLES).toHaveLength(8);
  });
});

describe("a configuration file's distribution['otel-dice'].prometheus", () => {
  it('is honoured, and a TELEMETRY_PROMETHEUS_* variable beats it', () => {
    const path = file('settings.yaml', FILE_WITH_SETTINGS);
    const fromFile = resolve({ OTEL_CONFIG_FILE: path });
    expect(prometheusOf(fromFile)).toEqual({
      target_info: 'all',
      cache: 250,
      server: {
        ...DEFAULT_PROMETHEUS.server,
        headers_timeout: 2000,
        request_timeout: 4000,
        max_connections: 8,
      },
    });
    const withEnv = resolve({
      OTEL_CONFIG_FILE: path,
      TELEMETRY_PROMETHEUS_TARGET_INFO: 'service',
      TELEMETRY_PROMETHEUS_MAX_CONNECTIONS: '2',
    });
    expect(prometheusOf(withEnv).target_info).toBe('service');
    expect(prometheusOf(withEnv).server.max_connections).toBe(2);
    expect(prometheusOf(withEnv).cache).toBe(250);
  });

  it.each([
    [
      'target_info: everything',
      /prometheus\.target_info is "everything"; supported values are service, all, none/,
    ],
    ['cache: -5', /prometheus\.cache must be an integer between 0 and 60000/],
    [
      'server:\n        max_connections: 0',
      /prometheus\.server\.max_connections must be an integer between 1 and 1000000/,
    ],
    [
      'server:\n        send_timeout: "1000"',
      /prometheus\.server\.send_timeout must be an integer/,
    ],
    [
      'server:\n        read_timeout: 5',
      /prometheus\.server\.read_timeout is not supported/,
    ],
    ['scrape_interval: 5', /prometheus\.scrape_interval is not supported/],
  ])('refuses %j with the key path', (setting, message) => {
    const path = file(
      'bad.yaml',
      `file_format: "1.0"\ndistribution:\n  otel-dice:\n    prometheus:\n      ${setting}\n`,
    );
    const error = errorOf(() => resolve({ OTEL_CONFIG_FILE: path }));
    expect(error).toMatch(
      new RegExp(
        `^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: distribution\\.otel-dice\\.`,
      ),
    );
    expect(error).toMatch(message);
    expect(error).not.toContain('\n');
  });

  it('refuses a headers timeout longer than the request timeout, whichever source set each', () => {
    const path = file('settings.yaml', FILE_WITH_SETTINGS);
    expect(
      errorOf(() =>
        resolve({
          OTEL_CONFIG_FILE: path,
          TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS: '5000',
        }),
      ),
    ).toBe(
      'TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS="5000" is invalid: must not exceed the request timeout (4000 ms, OTEL_CONFIG_FILE (distribution.otel-dice.prometheus.server.request_timeout))',
    );
  });

  it('names a misspelt library variable with a file too', () => {
    const path = file('settings.yaml', FILE_WITH_SETTINGS);
    expect(
      settingsOf(
        resolve({
          OTEL_CONFIG_FILE: path,
          TELEMETRY_PROMETHEUS_TARGETINFO: 'all',
        }),
      ).notes,
    ).toContain(
      'not used by @otel-dice/telemetry (misspelt, or meant for another SDK): TELEMETRY_PROMETHEUS_TARGETINFO',
    );
  });
});

describe('code overrides of the prometheus settings', () => {
  it('are merged key by key over the environment', () => {
    const config = resolve(
      { TELEMETRY_PROMETHEUS_CACHE_MS: '500' },
      {
        distribution: {
          'otel-dice': { prometheus: { server: { max_connections: 3 } } },
        },
      },
    );
    expect(prometheusOf(config).cache).toBe(500);
    expect(prometheusOf(config).server.max_connections).toBe(3);
    expect(prometheusOf(config).server.headers_timeout).toBe(10_000);
  });

  it('go through the same checks, named as options', () => {
    expect(
      errorOf(() =>
        resolve(
          {},
          { distribution: { 'otel-dice': { prometheus: { cache: -1 } } } },
        ),
      ),
    ).toMatch(
      /^options\.overrides\.distribution\.otel-dice\.prometheus\.cache must be an integer between 0 and 60000$/,
    );
    expect(
      errorOf(() =>
        resolve(
          {},
          {
            distribution: {
              'otel-dice': {
                prometheus: { server: { headers_timeout: 60_000 } },
              },
            },
          },
        ),
      ),
    ).toBe(
      'options.overrides.distribution.otel-dice.prometheus.server.headers_timeout="60000" is invalid: must not exceed the request timeout (25000 ms, the default; TELEMETRY_PROMETHEUS_REQUEST_TIMEOUT_MS sets it)',
    );
  });
});
