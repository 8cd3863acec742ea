import { settingsOf } from './model.js';
import { resolveTelemetryConfig } from './resolve.js';

describe('resolveTelemetryConfig: code options beat the environment', () => {
  const env = {
    OTEL_SERVICE_NAME: 'from-env',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
    OTEL_PROPAGATORS: 'b3',
    OTEL_RESOURCE_ATTRIBUTES: 'team=a',
  };
  const attributes = (config: ReturnType<typeof resolveTelemetryConfig>) =>
    Object.fromEntries(
      (config.resource?.attributes ?? []).map((a) => [a.name, a.value]),
    );

  it('serviceName, serviceVersion and traceEndpoint', () => {
    const config = resolveTelemetryConfig({
      env,
      defaultServiceName: 'fallback',
      serviceName: 'from-code',
      serviceVersion: '2.0.0',
      traceEndpoint: 'https://other:4317',
    });
    expect(attributes(config)).toMatchObject({
      'service.name': 'from-code',
      'service.version': '2.0.0',
    });
    expect(config.tracer_provider?.processors[0]).toMatchObject({
      batch: { exporter: { otlp_grpc: { endpoint: 'https://other:4317' } } },
    });
    expect(settingsOf(config).sources).toMatchObject({
      'tracer_provider.processors[0].batch.exporter.otlp_grpc.endpoint':
        'options.traceEndpoint',
    });
  });

  it('overrides replace whole sections; resource attributes merge by name', () => {
    const config = resolveTelemetryConfig({
      env,
      defaultServiceName: 'fallback',
      overrides: {
        propagator: { composite: [{ tracecontext: {} }] },
        resource: {
          attributes: [{ name: 'region', value: 'eu' }],
          'detection/development': { detectors: [] },
        },
        meter_provider: { readers: [] },
        distribution: { 'otel-dice': { instrumentations: ['http'] } },
      },
    });
    expect(config.propagator?.composite).toEqual([{ tracecontext: {} }]);
    expect(attributes(config)).toEqual({
      team: 'a',
      region: 'eu',
      'service.name': 'from-env',
    });
    expect(config.resource?.['detection/development']?.detectors).toEqual([]);
    expect(config.meter_provider?.readers).toEqual([]);
    expect(settingsOf(config).instrumentations).toEqual(['http']);
    // untouched sections keep what the environment said
    expect(config.tracer_provider?.processors).toHaveLength(1);
  });

  it('checks overrides as a file would be, naming options.overrides', () => {
    expect(() =>
      resolveTelemetryConfig({
        env: {},
        defaultServiceName: 'x',
        overrides: {
          tracer_provider: {
            processors: [{ simple: { exporter: { zipkin: {} } } }],
          },
        },
      }),
    ).toThrow(
      /^options\.overrides\.tracer_provider\.processors\[0\]\.simple\.exporter\.zipkin is not supported/,
    );
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
