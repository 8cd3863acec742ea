import {
  childMetricReaders,
  childResourceAttributes,
  childStartLine,
  metricsEndpoint,
  PARENT_PID_VARIABLE,
  processRole,
} from './child-process.js';
import type { MetricReaderConfig, TracesConfig } from './config/model.js';

const otlpTraces = (
  protocol: 'grpc' | 'http/protobuf',
  endpoint: string,
): TracesConfig =>
  ({
    pipelines: [
      {
        exporter: {
          kind: 'otlp',
          otlp: {
            protocol,
            endpoint,
            endpointSource: 'OTEL_EXPORTER_OTLP_ENDPOINT',
            headers: {},
            compression: 'none',
            timeoutMillis: 10_000,
            tls: { secure: false },
          },
        },
        processor: { kind: 'simple' },
      },
    ],
  }) as unknown as TracesConfig;

const ownPort: MetricReaderConfig = {
  kind: 'prometheus',
  host: 'localhost',
  port: 9464,
};

describe('processRole', () => {
  it('is the app unless a parent with telemetry (or cluster) started it', () => {
    expect(processRole({ env: {}, pid: 10, hasIpc: false })).toEqual({
      kind: 'app',
    });
    // forked by something without this library (a test runner)
    expect(processRole({ env: {}, pid: 10, hasIpc: true })).toEqual({
      kind: 'app',
    });
    // the marker is its own (it set it, and something re-read it)
    expect(
      processRole({
        env: { [PARENT_PID_VARIABLE]: '10' },
        pid: 10,
        hasIpc: false,
      }),
    ).toEqual({
      kind: 'app',
    });
  });

  it('tells a forked child, a spawned one and a cluster worker', () => {
    const env = { [PARENT_PID_VARIABLE]: '7' };
    expect(processRole({ env, pid: 10, hasIpc: true })).toEqual({
      kind: 'child',
      how: 'fork',
      parentPid: 7,
    });
    expect(processRole({ env, pid: 10, hasIpc: false })).toEqual({
      kind: 'child',
      how: 'spawn',
      parentPid: 7,
    });
    expect(
      processRole({ env: { NODE_UNIQUE_ID: '1' }, pid: 10, hasIpc: true }),
    ).toEqual({
      kind: 'child',
      how: 'cluster',
      parentPid: undefined,
    });
  });
});

describe('a child', () => {
  const role = { kind: 'child', how: 'fork', parentPid: 7 } as const;

  it('gets its own instance id when one was inherited, and its parent pid', () => {
    expect(
      childResourceAttributes(
        { 'service.instance.id': 'pod-a', x: 1 },
        role,
        10,
      ),
    ).toEqual({
      'service.instance.id': 'pod-a-10',
      'process.parent_pid': 7,
      x: 1,
    });
    expect(childResourceAttributes({}, role, 10)).toEqual({
      'process.parent_pid': 7,
    });
    expect(childResourceAttributes({ a: 'b' }, { kind: 'app' }, 10)).toEqual({
      a: 'b',
    });
  });

  it('never serves Prometheus on a port: pushes where its traces go instead', () => {
    const grpc = childMetricReaders(
      [ownPort],
      otlpTraces('grpc', 'http://collector:4317'),
    );
    expect(grpc.readers).toEqual([
      expect.objectContaining({
        kind: 'periodic',
        exporter: {
          kind: 'otlp',
          otlp: expect.objectContaining({
            protocol: 'grpc',
            endpoint: 'http://collector:4317',
          }),
        },
      }),
    ]);
    expect(grpc.metrics).toBe(
      'metrics pushed over OTLP to http://collector:4317 (the parent serves Prometheus)',
    );
    const http = childMetricReaders(
      [ownPort],
      otlpTraces('http/protobuf', 'http://c:4318/v1/traces'),
    );
    expect(http.readers).toEqual([
      expect.objectContaining({
        exporter: {
          kind: 'otlp',
          otlp: expect.objectContaining({
            endpoint: 'http://c:4318/v1/metrics',
          }),
        },
      }),
    ]);
  });

  it('exports no metrics when its traces do not go over OTLP to a known metrics endpoint', () => {
    expect(
      childMetricReaders([ownPort], {
        pipelines: [],
      } as unknown as TracesConfig),
    ).toEqual({
      readers: [],
      metrics:
        'metrics not exported (the parent serves Prometheus; set OTEL_METRICS_EXPORTER=otlp with an OTLP endpoint to push them)',
    });
    expect(
      childMetricReaders(
        [ownPort],
        otlpTraces('http/protobuf', 'http://c/custom'),
      ).readers,
    ).toEqual([]);
  });

  it('keeps readers that open no port', () => {
    const app: MetricReaderConfig = { kind: 'prometheus' };
    expect(
      childMetricReaders([app], otlpTraces('grpc', 'http://c:4317')),
    ).toEqual({
      readers: [app],
      metrics: 'metrics prometheus on the app',
    });
  });

  it('finds the metrics endpoint beside the traces one', () => {
    expect(metricsEndpoint('grpc', 'http://c:4317')).toBe('http://c:4317');
    expect(metricsEndpoint('http/json', 'https://c/otlp/v1/traces')).toBe(
      'https://c/otlp/v1/metrics',
    );
    expect(
      metricsEndpoint('http/protobuf', 'https://c/ingest'),
    ).toBeUndefined();
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
