import {
  childConfig,
  childStartLine,
  metricsEndpoint,
  processRole,
} from './child-process.js';
import { PARENT_PID_VARIABLE, parentFromEnv } from './config/from-env.js';
import { EXTENSION, settingsOf, type TelemetryConfig } from './config/model.js';
import { resolveConfig } from './config/resolve.js';
import { ENVIRONMENT } from './config/known-variables.js';
import { readVariables, type Env } from './config/values.js';

/** A configuration as the register entry resolves it (zero-code.ts). */
const registerConfig = (env: Env): TelemetryConfig =>
  resolveConfig(
    {
      env,
      defaultServiceName: 'shop',
      overrides: {
        distribution: { [EXTENSION]: { prometheus_on_app_port: false } },
      },
    },
    'specification',
  );

const parent = (env: Env) =>
  parentFromEnv(readVariables(env, ENVIRONMENT).values).parent;

describe('processRole', () => {
  it('is the app unless a parent with telemetry (or cluster) started it', () => {
    expect(processRole({ parent: parent({}), pid: 10, hasIpc: false })).toEqual(
      { kind: 'app' },
    );
    // forked by something without this library (a test runner)
    expect(processRole({ parent: parent({}), pid: 10, hasIpc: true })).toEqual({
      kind: 'app',
    });
    // the marker is its own (it set it, and something re-read it)
    expect(
      processRole({
        parent: parent({ [PARENT_PID_VARIABLE]: '10' }),
        pid: 10,
        hasIpc: false,
      }),
    ).toEqual({ kind: 'app' });
    // a marker that is not a pid is no marker
    expect(parent({ [PARENT_PID_VARIABLE]: 'x' })).toBeUndefined();
  });

  it('tells a forked child, a spawned one and a cluster worker', () => {
    const env = { [PARENT_PID_VARIABLE]: '7' };
    expect(processRole({ parent: parent(env), pid: 10, hasIpc: true })).toEqual(
      { kind: 'child', how: 'fork', parentPid: 7 },
    );
    expect(
      processRole({ parent: parent(env), pid: 10, hasIpc: false }),
    ).toEqual({ kind: 'child', how: 'spawn', parentPid: 7 });
    expect(
      processRole({
        parent: parent({ NODE_UNIQUE_ID: '1' }),
        pid: 10,
        hasIpc: true,
      }),
    ).toEqual({ kind: 'child', how: 'cluster', parentPid: undefined });
  });

  it('is read into the model by the environment mapping, whatever the source', () => {
    expect(
      settingsOf(registerConfig({ [PARENT_PID_VARIABLE]: '7' })).parent,
    ).toEqual({ pid: 7, cluster_worker: false });
    expect(settingsOf(registerConfig({})).parent).toBeUndefined();
  });
});

describe('a child', () => {
  const role = { kind: 'child', how: 'fork', parentPid: 7 } as const;
  const attributes = (config: TelemetryConfig) =>
    Object.fromEntries(
      (config.resource?.attributes ?? []).map((a) => [a.name, a.value]),
    );
  const readers = (config: TelemetryConfig) =>
    config.meter_provider?.readers ?? [];

  it('gets its own instance id when one was inherited, and its parent pid', () => {
    const inherited = registerConfig({
      OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=pod-a,x=1',
    });
    expect(attributes(childConfig(inherited, role, 10).config)).toMatchObject({
      'service.instance.id': 'pod-a-10',
      'process.parent_pid': 7,
      x: '1',
    });
    const none = childConfig(registerConfig({}), role, 10).config;
    expect(attributes(none)).toMatchObject({ 'process.parent_pid': 7 });
    expect(attributes(none)['service.instance.id']).toBeUndefined();
  });

  it('keeps the register default: metrics already pushed where traces go', () => {
    const config = registerConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
    });
    const child = childConfig(config, role, 10);
    expect(readers(child.config)).toEqual(readers(config));
    expect(child.metrics).toBe('metrics pushed over OTLP');
  });

  it('never serves Prometheus on a port: pushes where its traces go instead', () => {
    const grpc = childConfig(
      registerConfig({
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://u:pw@collector:4317',
      }),
      role,
      10,
    );
    expect(readers(grpc.config)).toEqual([
      {
        periodic: expect.objectContaining({
          exporter: {
            otlp_grpc: expect.objectContaining({
              endpoint: 'http://u:pw@collector:4317',
              temporality_preference: 'cumulative',
            }),
          },
        }),
      },
    ]);
    // the line never shows credentials
    expect(grpc.metrics).toBe(
      'metrics pushed over OTLP to http://***@collector:4317 (the parent serves Prometheus)',
    );
    const http = childConfig(
      registerConfig({
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      }),
      role,
      10,
    );
    expect(readers(http.config)).toEqual([
      {
        periodic: expect.objectContaining({
          exporter: {
            otlp_http: expect.objectContaining({
              endpoint: 'http://c:4318/v1/metrics',
            }),
          },
        }),
      },
    ]);
  });

  it('exports no metrics when its traces do not go over OTLP to a known metrics endpoint', () => {
    const none = childConfig(
      registerConfig({
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_TRACES_EXPORTER: 'console',
      }),
      role,
      10,
    );
    expect(readers(none.config)).toEqual([]);
    expect(none.metrics).toBe(
      'metrics not exported (the parent serves Prometheus; set OTEL_METRICS_EXPORTER=otlp with an OTLP endpoint to push them)',
    );
    const custom = childConfig(
      registerConfig({
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/custom',
      }),
      role,
      10,
    );
    expect(readers(custom.config)).toEqual([]);
  });

  it("keeps a Prometheus reader served on the app's own port", () => {
    const onApp = resolveConfig({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' },
      defaultServiceName: 'app',
    });
    expect(settingsOf(onApp).prometheus_on_app_port).toBe(true);
    const child = childConfig(onApp, role, 10);
    expect(readers(child.config)).toEqual(readers(onApp));
    expect(child.metrics).toBe('metrics prometheus on the app');
  });

  it('finds the metrics endpoint beside the traces one', () => {
    expect(metricsEndpoint('grpc', 'http://c:4317')).toBe('http://c:4317');
    expect(metricsEndpoint('http', 'https://c/otlp/v1/traces')).toBe(
      'https://c/otlp/v1/metrics',
    );
    expect(metricsEndpoint('http', 'https://c/ingest')).toBeUndefined();
  });

  it('says what it is in one line instead of the banner', () => {
    expect(childStartLine(role, 'shop', 10, 'metrics not exported')).toBe(
      'telemetry: forked child of service shop (pid 10, parent 7) with its own service.instance.id; metrics not exported',
    );
    expect(
      childStartLine({ kind: 'child', how: 'cluster' }, 'shop', 10, 'm'),
    ).toBe(
      'telemetry: cluster worker of service shop (pid 10) with its own service.instance.id; m',
    );
  });
});
