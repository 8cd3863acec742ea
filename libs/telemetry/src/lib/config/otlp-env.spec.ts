import { TelemetryConfigError } from './errors.js';
import { ENVIRONMENT, type Variables } from './known-variables.js';
import { usesTls } from './model.js';
import {
  appendSignalPath,
  resolveOtlpEndpoint,
  resolveOtlpFromEnv,
} from './otlp-env.js';
import { readVariables, type Env } from './values.js';

/** The environment as the mappings get it: read once, parsed. */
const vars = (env: Env): Variables => readVariables(env, ENVIRONMENT).values;

describe('appendSignalPath', () => {
  it.each([
    ['http://c:4318', 'http://c:4318/v1/traces'],
    ['http://c:4318/', 'http://c:4318/v1/traces'],
    ['http://c:4318/otlp', 'http://c:4318/otlp/v1/traces'],
    ['http://c:4318/otlp/', 'http://c:4318/otlp/v1/traces'],
  ])('%s + v1/traces = %s', (base, url) => {
    expect(appendSignalPath(base, 'traces')).toBe(url);
  });
});

describe('resolveOtlpEndpoint: the specification’s endpoint rules', () => {
  it.each([
    // [what, env, signal, protocol, endpoint, source]
    ['gRPC default', {}, 'traces', 'grpc', 'http://localhost:4317', 'default'],
    [
      'HTTP default per signal',
      {},
      'logs',
      'http/protobuf',
      'http://localhost:4318/v1/logs',
      'default',
    ],
    [
      'generic HTTP endpoint + /v1/<signal>',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4318/base' },
      'metrics',
      'http/json',
      'https://c:4318/base/v1/metrics',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ],
    [
      'signal-specific HTTP endpoint used as given',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom/path',
      },
      'traces',
      'http/protobuf',
      'http://c:4318/custom/path',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    ],
    [
      'generic gRPC endpoint used as given',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' },
      'logs',
      'grpc',
      'http://c:4317',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ],
    [
      'the seed’s TRACE_ENDPOINT, lowest precedence',
      { TRACE_ENDPOINT: 'http://jaeger:4317' },
      'traces',
      'grpc',
      'http://jaeger:4317',
      'TRACE_ENDPOINT',
    ],
    [
      'OTEL_* beats TRACE_ENDPOINT',
      {
        TRACE_ENDPOINT: 'http://jaeger:4317',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
      },
      'traces',
      'grpc',
      'http://collector:4317',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ],
    [
      'TRACE_ENDPOINT is for traces only',
      { TRACE_ENDPOINT: 'http://jaeger:4317' },
      'metrics',
      'grpc',
      'http://localhost:4317',
      'default',
    ],
  ] as const)('%s', (_what, env, signal, protocol, endpoint, source) => {
    expect(resolveOtlpEndpoint(vars(env), signal, protocol)).toMatchObject({
      endpoint,
      source,
    });
  });

  it('refuses a path on a gRPC endpoint and says which protocol would take it', () => {
    expect(() =>
      resolveOtlpEndpoint(
        vars({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/v1/traces' }),
        'traces',
        'grpc',
      ),
    ).toThrow(/gRPC endpoint has no path.*http\/protobuf/);
  });
});

describe('resolveOtlpFromEnv', () => {
  it('defaults to the seed: OTLP/gRPC to localhost:4317, plain text', () => {
    const otlp = resolveOtlpFromEnv(vars({}), 'traces');
    expect(otlp).toEqual({
      kind: 'otlp_grpc',
      settings: {
        endpoint: 'http://localhost:4317',
        headers: [],
        compression: 'none',
        timeout: 10_000,
        tls: {},
      },
      sources: {},
    });
    expect(usesTls(otlp.settings)).toBe(false);
  });

  it('takes every setting per signal first, then generic', () => {
    const env = {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20a,x-tenant=shop',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'authorization=Bearer%20logs',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'none',
      OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
      OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '2000',
      OTEL_EXPORTER_OTLP_CERTIFICATE: '/ca.pem',
      OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE: '/logs-ca.pem',
    };
    expect(resolveOtlpFromEnv(vars(env), 'logs')).toEqual({
      kind: 'otlp_http',
      settings: {
        endpoint: 'https://c:4318/v1/logs',
        encoding: 'json',
        headers: [
          { name: 'authorization', value: 'Bearer logs' },
          { name: 'x-tenant', value: 'shop' },
        ],
        compression: 'none',
        timeout: 2000,
        tls: { ca_file: '/logs-ca.pem' },
      },
      sources: {
        endpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
        'tls.ca_file': 'OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE',
      },
    });
    expect(resolveOtlpFromEnv(vars(env), 'traces')).toMatchObject({
      kind: 'otlp_http',
      settings: {
        endpoint: 'https://c:4318/v1/traces',
        encoding: 'protobuf',
        headers: [
          { name: 'authorization', value: 'Bearer a' },
          { name: 'x-tenant', value: 'shop' },
        ],
        compression: 'gzip',
        timeout: 5000,
        tls: { ca_file: '/ca.pem' },
      },
    });
  });

  it.each([
    [
      'https:// means TLS',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317' },
      true,
    ],
    [
      'http:// means none, even with INSECURE=false',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317',
        OTEL_EXPORTER_OTLP_INSECURE: 'false',
      },
      false,
    ],
    [
      'host:port means TLS by default',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4317' },
      true,
    ],
    [
      'host:port with INSECURE=true means none',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4317',
        OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'true',
      },
      false,
    ],
  ])('gRPC: %s', (_what, env, secure) => {
    expect(usesTls(resolveOtlpFromEnv(vars(env), 'traces').settings)).toBe(
      secure,
    );
  });

  it('wants the mTLS key and certificate together', () => {
    let error: unknown;
    try {
      resolveOtlpFromEnv(
        vars({ OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/client.pem' }),
        'metrics',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TelemetryConfigError);
    expect((error as TelemetryConfigError).variable).toBe(
      'OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY',
    );
    expect((error as Error).message).toMatch(
      /OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is set but .*CLIENT_KEY.* is not/,
    );
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'carrier-pigeon'],
    ['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'brotli'],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', 'soon'],
    ['OTEL_EXPORTER_OTLP_INSECURE', 'yes'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'ftp://c'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'novalue'],
  ])('refuses %s=%s, naming it', (variable, value) => {
    expect(() =>
      resolveOtlpFromEnv(vars({ [variable]: value }), 'traces'),
    ).toThrow(new RegExp(`^${variable}`));
  });
});
