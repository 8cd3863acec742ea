import { describeConfig } from './describe.js';
import { resolveTelemetryConfig } from './resolve.js';

const resolveConfigFromEnv = (
  env: Record<string, string>,
  { serviceName }: { serviceName: string },
) => resolveTelemetryConfig({ env, defaultServiceName: serviceName });

describe('describeConfig: the one start-up line', () => {
  it('states exporters, protocols and endpoints per signal', () => {
    expect(
      describeConfig(resolveConfigFromEnv({}, { serviceName: 'dice-api' })),
    ).toBe(
      "service dice-api; traces otlp grpc http://localhost:4317, sampler parentbased(always_on), tracer compact; metrics prometheus on the app's /metrics; logs none; propagators tracecontext,baggage; configured from the environment",
    );
  });

  it('names the tracer start chose, with the reason for the SDK', () => {
    const config = resolveConfigFromEnv({}, { serviceName: 'dice-api' });
    expect(
      describeConfig(config, {
        kind: 'sdk',
        reason: "1 span processor of the app's",
      }),
    ).toContain(
      "sampler parentbased(always_on), tracer sdk (1 span processor of the app's);",
    );
    expect(
      describeConfig(
        resolveConfigFromEnv(
          { OTEL_TRACES_EXPORTER: 'console' },
          { serviceName: 'dice-api' },
        ),
      ),
    ).toContain('tracer sdk (a simple span processor);');
  });

  it('masks header values and URL credentials', () => {
    const line = describeConfig(
      resolveConfigFromEnv(
        {
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:pa55word@collector:4318',
          OTEL_EXPORTER_OTLP_HEADERS:
            'authorization=Bearer%20s3cr3t,x-tenant=shop',
          OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_LOGS_EXPORTER: 'console',
          OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
          OTEL_TRACES_SAMPLER_ARG: '0.1',
          OTEL_PROPAGATORS: 'none',
        },
        { serviceName: 'svc' },
      ),
    );
    expect(line).toBe(
      'service svc; traces otlp http/protobuf https://***@collector:4318/v1/traces (OTEL_EXPORTER_OTLP_ENDPOINT) headers authorization=***,x-tenant=*** gzip tls, sampler parentbased(traceidratio(0.1)), tracer compact; ' +
        'metrics otlp http/protobuf https://***@collector:4318/v1/metrics (OTEL_EXPORTER_OTLP_ENDPOINT) headers authorization=***,x-tenant=*** gzip tls every 60000 ms; logs console; propagators none; configured from the environment',
    );
    expect(line).not.toMatch(/s3cr3t|pa55word|shop/);
  });

  it('says when telemetry is off', () => {
    expect(
      describeConfig(
        resolveConfigFromEnv(
          { OTEL_SDK_DISABLED: 'true' },
          { serviceName: 'x' },
        ),
      ),
    ).toBe('telemetry disabled (OTEL_SDK_DISABLED)');
  });
});
