import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromModel, loadConfigFile } from './from-file.js';
import { DEFAULT_INSTRUMENTATIONS } from './model.js';
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

const defaults = { serviceName: 'fallback' };

const FULL = `file_format: "1.0"
resource:
  attributes:
    - name: service.name
      value: file-svc
    - name: replicas
      value: 3
      type: int
  attributes_list: "team=a,service.name=ignored"
  detection/development:
    detectors:
      - host:
      - service:
propagator:
  composite:
    - tracecontext:
    - b3multi:
  composite_list: "baggage,tracecontext"
tracer_provider:
  processors:
    - batch:
        schedule_delay: 500
        max_queue_size: 100
        max_export_batch_size: 50
        exporter:
          otlp_http:
            endpoint: https://c:4318/custom/traces
            encoding: json
            headers:
              - name: Authorization
                value: Bearer x
            headers_list: "x-tenant=shop"
            compression: gzip
            timeout: 2000
            tls:
              ca_file: /ca.pem
    - simple:
        exporter:
          console:
  limits:
    attribute_value_length_limit: 64
  sampler:
    parent_based:
      root:
        trace_id_ratio_based:
          ratio: 0.25
meter_provider:
  readers:
    - pull:
        exporter:
          prometheus/development:
    - periodic:
        interval: 10000
        exporter:
          otlp_grpc:
            endpoint: collector:4317
            tls:
              insecure: true
            temporality_preference: low_memory
logger_provider:
  processors:
    - batch:
        exporter:
          otlp_grpc:
            endpoint: http://c:4317
attribute_limits:
  attribute_count_limit: 32
`;

describe('the declarative configuration file', () => {
  it('maps every supported part of the schema onto the model', () => {
    const path = file('full.yaml', FULL);
    const config = configFromModel(loadConfigFile(path), path, defaults);
    expect(config.source).toEqual({ kind: 'file', path });
    expect(config.resource).toEqual({
      serviceName: 'file-svc',
      serviceVersion: undefined,
      attributes: { 'service.name': 'file-svc', replicas: 3, team: 'a' },
      detectors: ['host', 'os', 'service'],
    });
    expect(config.propagators).toEqual(['tracecontext', 'b3multi', 'baggage']);
    expect(config.traces.pipelines).toEqual([
      {
        exporter: {
          kind: 'otlp',
          otlp: {
            protocol: 'http/json',
            endpoint: 'https://c:4318/custom/traces',
            endpointSource:
              'tracer_provider.processors[0].batch.exporter.otlp_http.endpoint',
            headers: { authorization: 'Bearer x', 'x-tenant': 'shop' },
            compression: 'gzip',
            timeoutMillis: 2000,
            tls: {
              secure: true,
              ca: {
                path: '/ca.pem',
                source:
                  'tracer_provider.processors[0].batch.exporter.otlp_http.tls.ca_file',
              },
              clientKey: undefined,
              clientCertificate: undefined,
            },
          },
        },
        processor: {
          kind: 'batch',
          scheduledDelayMillis: 500,
          exportTimeoutMillis: 30_000,
          maxQueueSize: 100,
          maxExportBatchSize: 50,
        },
      },
      { exporter: { kind: 'console' }, processor: { kind: 'simple' } },
    ]);
    expect(config.traces.sampler).toMatchObject({
      type: 'parentbased',
      root: { type: 'traceidratio', ratio: 0.25 },
    });
    expect(config.traces.limits).toMatchObject({
      attributeValueLengthLimit: 64,
      attributeCountLimit: 32,
    });
    expect(config.metrics.readers).toEqual([
      { kind: 'prometheus' },
      expect.objectContaining({
        kind: 'periodic',
        exportIntervalMillis: 10_000,
        exportTimeoutMillis: 10_000,
        temporality: 'lowmemory',
        exporter: {
          kind: 'otlp',
          otlp: expect.objectContaining({
            protocol: 'grpc',
            endpoint: 'collector:4317',
            tls: expect.objectContaining({ secure: false }),
          }),
        },
      }),
    ]);
    expect(config.logs.pipelines).toHaveLength(1);
    expect(config.logs.limits.attributeCountLimit).toBe(32);
    expect(config.instrumentations).toEqual([
      ...DEFAULT_INSTRUMENTATIONS,
      'pino',
    ]);
  });

  it('refuses what the library cannot honour, naming the key', () => {
    const path = file(
      'views.yaml',
      `file_format: "1.0"
meter_provider:
  readers:
    - periodic:
        exporter:
          console:
  views:
    - selector:
        instrument_name: x
      stream:
        name: y
`,
    );
    expect(() => configFromModel(loadConfigFile(path), path, defaults)).toThrow(
      `${path}: meter_provider.views is not supported by @otel-dice/telemetry; supported here: readers, exemplar_filter`,
    );
  });

  it('refuses an exporter it does not build', () => {
    const path = file(
      'file-exporter.yaml',
      `file_format: "1.0"
tracer_provider:
  processors:
    - simple:
        exporter:
          otlp_file/development:
            output_stream: stdout
`,
    );
    expect(() => configFromModel(loadConfigFile(path), path, defaults)).toThrow(
      /tracer_provider\.processors\[0\]\.simple\.exporter\.otlp_file\/development is not supported.*otlp_http, otlp_grpc, console/,
    );
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
    const config = resolveTelemetryConfig({
      defaultServiceName: 'fallback',
      env: {
        OTEL_CONFIG_FILE: path,
        OTEL_TRACES_EXPORTER: 'console',
        OTEL_SERVICE_NAME: 'env-name',
      },
    });
    expect(config.source).toEqual({ kind: 'file', path });
    expect(config.diagLevel).toBe('debug');
    expect(config.traces.pipelines).toEqual([]);
    expect(config.propagators).toEqual([]);
    expect(config.resource.serviceName).toBe('fallback');
    expect(config.notes).toEqual([
      'OTEL_CONFIG_FILE is set, so these variables are not read (use ${VAR} in the file instead): OTEL_SERVICE_NAME, OTEL_TRACES_EXPORTER',
    ]);
  });
});
