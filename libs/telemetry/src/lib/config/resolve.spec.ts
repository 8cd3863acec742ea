import { resolveTelemetryConfig } from './resolve.js';

describe('resolveTelemetryConfig: code options beat the environment', () => {
  const env = {
    OTEL_SERVICE_NAME: 'from-env',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
    OTEL_PROPAGATORS: 'b3',
    OTEL_RESOURCE_ATTRIBUTES: 'team=a',
  };

  it('serviceName, serviceVersion and traceEndpoint', () => {
    const config = resolveTelemetryConfig({
      env,
      defaultServiceName: 'fallback',
      serviceName: 'from-code',
      serviceVersion: '2.0.0',
      traceEndpoint: 'https://other:4317',
    });
    expect(config.resource).toMatchObject({
      serviceName: 'from-code',
      serviceVersion: '2.0.0',
    });
    const [pipeline] = config.traces.pipelines;
    expect(pipeline.exporter).toMatchObject({
      kind: 'otlp',
      otlp: {
        endpoint: 'https://other:4317',
        endpointSource: 'options.traceEndpoint',
        tls: { secure: true },
      },
    });
  });

  it('overrides replace whole sections', () => {
    const config = resolveTelemetryConfig({
      env,
      defaultServiceName: 'fallback',
      overrides: {
        propagators: ['tracecontext'],
        resourceAttributes: { region: 'eu' },
        resourceDetectors: [],
        metrics: { readers: [] },
        instrumentations: ['http'],
      },
    });
    expect(config.propagators).toEqual(['tracecontext']);
    expect(config.resource.attributes).toEqual({ team: 'a', region: 'eu' });
    expect(config.resource.detectors).toEqual([]);
    expect(config.metrics.readers).toEqual([]);
    expect(config.instrumentations).toEqual(['http']);
    // untouched sections keep what the environment said
    expect(config.traces.pipelines).toHaveLength(1);
  });

  it('validates a traceEndpoint option like a variable', () => {
    expect(() =>
      resolveTelemetryConfig({
        env: {},
        defaultServiceName: 'x',
        traceEndpoint: 'http://c:4318/v1/traces',
      }),
    ).toThrow(
      /^options\.traceEndpoint="http:\/\/c:4318\/v1\/traces" is invalid: the protocol is grpc/,
    );
  });
});
