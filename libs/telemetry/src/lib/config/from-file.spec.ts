import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from './from-file.js';
import { settingsOf, type TelemetryConfig } from './model.js';
import { resolveTelemetryConfig } from './resolve.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

const FIXTURE = join(__dirname, 'fixtures', 'stable-parts.yaml');

function fromFile(
  path: string,
  env: Record<string, string> = {},
): TelemetryConfig {
  return resolveTelemetryConfig({
    defaultServiceName: 'fallback',
    env: { OTEL_CONFIG_FILE: path, ...env },
  });
}

describe('the declarative configuration file', () => {
  const config = fromFile(FIXTURE);

  it('is the model as it is, lists merged and the library defaults written in', () => {
    expect(settingsOf(config).source).toEqual({ kind: 'file', path: FIXTURE });
    expect(config.log_level).toBe('warn');
    expect(config.resource).toEqual({
      schema_url: 'https://opentelemetry.io/schemas/1.30.0',
      attributes: [
        { name: 'team', value: 'a', type: 'string' },
        { name: 'replicas', value: 3, type: 'int' },
        { name: 'service.name', value: 'fixture-svc', type: 'string' },
      ],
      'detection/development': {
        detectors: [{ host: {} }, { process: {} }, { service: {} }],
        attributes: {
          included: ['host.*', 'process.pid'],
          excluded: ['host.id'],
        },
      },
    });
    expect(config.propagator?.composite).toEqual([
      { tracecontext: {} },
      { b3multi: {} },
      { baggage: {} },
    ]);
    expect(config.tracer_provider?.processors).toEqual([
      {
        batch: {
          schedule_delay: 500,
          export_timeout: 30_000,
          max_queue_size: 100,
          max_export_batch_size: 50,
          exporter: {
            otlp_http: {
              endpoint: 'https://collector.example:4318/custom/traces',
              encoding: 'json',
              headers: [
                { name: 'x-tenant', value: 'shop' },
                { name: 'authorization', value: 'Bearer x' },
              ],
              compression: 'gzip',
              timeout: 2000,
              tls: { ca_file: '/etc/ssl/collector-ca.pem' },
            },
          },
        },
      },
      { simple: { exporter: { console: {} } } },
    ]);
    expect(config.tracer_provider?.sampler).toEqual({
      parent_based: {
        root: { trace_id_ratio_based: { ratio: 0.25 } },
      },
    });
    expect(config.tracer_provider?.limits).toMatchObject({
      attribute_value_length_limit: 64,
      attribute_count_limit: 32,
    });
    expect(config.logger_provider?.limits?.attribute_count_limit).toBe(32);
    expect(config.meter_provider?.readers[1]).toEqual({
      periodic: expect.objectContaining({
        interval: 10_000,
        timeout: 10_000, // the 30 s default clamped to the interval
        exporter: {
          otlp_grpc: expect.objectContaining({
            endpoint: 'collector.example:4317',
            tls: { insecure: true },
            temporality_preference: 'low_memory',
          }),
        },
        cardinality_limits: { histogram: 20 },
      }),
    });
    expect(config.meter_provider?.views).toHaveLength(2);
  });

  it('serves a Prometheus reader without host and port on the app’s /metrics', () => {
    expect(settingsOf(config).prometheus_on_app_port).toBe(true);
  });

  it('takes the library’s own section from distribution.otel-dice, and says another distribution’s is not used', () => {
    expect(settingsOf(config).http).toEqual({
      instrumentation: 'lean',
      trusted_proxies: ['10.0.0.0/8'],
      trust_incoming_context: false,
    });
    expect(settingsOf(config).notes).toContainEqual(
      `${FIXTURE}: distribution.some-vendor: settings for another distribution, not used`,
    );
  });

  it('honours instrumentation/development where an instrumentation offers the setting, one note for the rest', () => {
    const general = config['instrumentation/development']?.general;
    expect(general?.http).toEqual({
      server: {
        request_captured_headers: ['X-Request-Id'],
        response_captured_headers: ['Content-Type'],
      },
      client: { request_captured_headers: ['X-Request-Id'] },
    });
    // the file's list replaces the defaults, as the schema says
    expect(general?.sanitization?.url?.sensitive_query_parameters).toEqual([
      'token',
      'sig',
    ]);
    // js.<name>.enabled switches an instrumentation on
    expect(settingsOf(config).instrumentations).toEqual([
      'http',
      'express',
      'pino',
      'pg',
    ]);
    expect(settingsOf(config).notes).toContainEqual(
      `${FIXTURE}: instrumentation/development: no Node instrumentation here offers general.http.server.known_methods, general.stability_opt_in_list, js.express.ignore_layers; not applied`,
    );
  });

  it('warns once, naming it, about an exemplar filter the JS SDK cannot honour', () => {
    expect(settingsOf(config).notes).toContainEqual(
      `${FIXTURE}: meter_provider.exemplar_filter is trace_based, which cannot be honoured: the OpenTelemetry JS metrics SDK records no exemplars`,
    );
  });

  it('refuses an exporter it does not build, naming the key', () => {
    const path = file(
      'file-exporter.yaml',
      `file_format: "1.1"
tracer_provider:
  processors:
    - simple:
        exporter:
          otlp_file/development:
            output_stream: stdout
`,
    );
    expect(() => fromFile(path)).toThrow(
      /tracer_provider\.processors\[0\]\.simple\.exporter\.otlp_file\/development is not supported.*otlp_http, otlp_grpc, console/,
    );
  });

  it.each([
    [
      'a tracer configurator (it would switch tracers off)',
      `tracer_provider:
  processors:
    - simple:
        exporter:
          console:
  tracer_configurator/development:
    default_config:
      enabled: false
`,
      /tracer_provider\.tracer_configurator\/development is not supported/,
    ],
    [
      'a sampler the SDK does not have',
      `tracer_provider:
  processors:
    - simple:
        exporter:
          console:
  sampler:
    probability/development:
      ratio: 0.5
`,
      /tracer_provider\.sampler\.probability\/development is not supported/,
    ],
    [
      'a view that renames a wildcard selection',
      `meter_provider:
  readers:
    - pull:
        exporter:
          prometheus/development:
  views:
    - selector:
        instrument_name: "http.*"
      stream:
        name: renamed
`,
      /meter_provider\.views\[0\]\.stream\.name renames a stream/,
    ],
    [
      'an exponential histogram scale the SDK cannot cap',
      `meter_provider:
  readers:
    - pull:
        exporter:
          prometheus/development:
  views:
    - selector:
        instrument_type: histogram
      stream:
        aggregation:
          base2_exponential_bucket_histogram:
            max_scale: 5
`,
      /base2_exponential_bucket_histogram\.max_scale is not supported/,
    ],
    [
      'a Prometheus name translation the exporter does not do',
      `meter_provider:
  readers:
    - pull:
        exporter:
          prometheus/development:
            translation_strategy: no_translation/development
`,
      /translation_strategy is no_translation\/development/,
    ],
  ])('refuses %s, naming the key', (_what, yaml, message) => {
    const path = file('refused.yaml', `file_format: "1.1"\n${yaml}`);
    let error: Error | undefined;
    try {
      fromFile(path);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });

  it('turns schema and YAML errors into one line naming OTEL_CONFIG_FILE', () => {
    const path = file('bad.yaml', 'file_format: "1.0"\ntracer_provider: 7\n');
    let error: Error | undefined;
    try {
      loadConfigFile(path);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(
      /^OTEL_CONFIG_FILE=".*bad\.yaml" cannot be used: /,
    );
    expect(error?.message).not.toContain('\n');
    expect(() => loadConfigFile(join(dir, 'missing.yaml'))).toThrow(
      /^OTEL_CONFIG_FILE=".*missing\.yaml" cannot be used: ENOENT/,
    );
    expect(() =>
      loadConfigFile(file('format.yaml', 'file_format: "2.0"\n')),
    ).toThrow(/Unsupported file_format/);
  });

  it('is what OTEL_CONFIG_FILE selects; other OTEL_* variables are then named as not read', () => {
    const path = file(
      'small.yaml',
      `file_format: "1.0"
disabled: false
log_level: debug
`,
    );
    const small = fromFile(path, {
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_SERVICE_NAME: 'env-name',
    });
    expect(settingsOf(small).source).toEqual({ kind: 'file', path });
    expect(small.log_level).toBe('debug');
    expect(small.tracer_provider?.processors).toEqual([]);
    expect(small.propagator?.composite).toEqual([]);
    expect(
      small.resource?.attributes?.find((a) => a.name === 'service.name')?.value,
    ).toBe('fallback');
    expect(settingsOf(small).notes).toEqual([
      'OTEL_CONFIG_FILE is set, so these variables count only where the file substitutes them (${VAR}): OTEL_SERVICE_NAME, OTEL_TRACES_EXPORTER',
    ]);
  });

  it('reads OTEL_SERVICE_NAME when the file asks for the service detector, which reads it by definition', () => {
    const path = file(
      'service.yaml',
      `file_format: "1.1"
resource:
  detection/development:
    detectors:
      - service:
`,
    );
    const named = fromFile(path, { OTEL_SERVICE_NAME: 'shop' });
    expect(
      named.resource?.attributes?.find((a) => a.name === 'service.name')?.value,
    ).toBe('shop');
    expect(settingsOf(named).notes).toEqual([]);
  });
});
