import {
  configFromEnv,
  resolveBatch,
  resolveDetectors,
  resolveExportInterval,
  resolveInstrumentations,
  resolveSampler,
  resolveSpanLimits,
} from './from-env.js';
import { ENVIRONMENT, type Variables } from './known-variables.js';
import { DEFAULT_BATCH, settingsOf, type TelemetryConfig } from './model.js';
import { resolveTelemetryConfig } from './resolve.js';
import { readVariables, type Env } from './values.js';

/** The environment as the mappings get it: read once, parsed. */
const vars = (env: Env): Variables => readVariables(env, ENVIRONMENT).values;

const resolve = (env: Env): TelemetryConfig =>
  resolveTelemetryConfig({
    env,
    defaultServiceName: 'fallback',
    serviceVersion: '1.0.0',
  });

const attribute = (config: TelemetryConfig, name: string) =>
  config.resource?.attributes?.find((a) => a.name === name)?.value;

describe('the environment mapped onto the model: defaults are the seed’s', () => {
  const config = resolve({});

  it('traces over OTLP/gRPC to localhost:4317 through a batch processor', () => {
    expect(config.tracer_provider?.processors).toEqual([
      {
        batch: {
          ...DEFAULT_BATCH,
          exporter: {
            otlp_grpc: expect.objectContaining({
              endpoint: 'http://localhost:4317',
              compression: 'none',
              timeout: 10_000,
            }),
          },
        },
      },
    ]);
    expect(config.tracer_provider?.sampler).toEqual({
      parent_based: { root: { always_on: {} } },
    });
  });

  it("metrics on the app's own /metrics, no logs exported, W3C propagation", () => {
    expect(config.meter_provider?.readers).toEqual([
      { pull: { exporter: { 'prometheus/development': {} } } },
    ]);
    expect(settingsOf(config).prometheus_on_app_port).toBe(true);
    expect(config.logger_provider?.processors).toEqual([]);
    expect(config.propagator?.composite).toEqual([
      { tracecontext: {} },
      { baggage: {} },
    ]);
    expect(settingsOf(config).instrumentations).toEqual(['http', 'express']);
    expect(config.resource?.attributes).toEqual([
      { name: 'service.name', value: 'fallback', type: 'string' },
      { name: 'service.version', value: '1.0.0', type: 'string' },
    ]);
    expect(config.resource?.['detection/development']?.detectors).toEqual([
      { host: {} },
      { process: {} },
      { service: {} },
    ]);
    expect(config.disabled).toBe(false);
    expect(settingsOf(config).source).toEqual({ kind: 'environment' });
    expect(settingsOf(config).notes).toEqual([]);
  });
});

describe('the service name, decided in one place', () => {
  const all = {
    OTEL_SERVICE_NAME: 'from-otel',
    APP_SERVICE_NAME: 'from-seed',
    OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs',
  };
  it.each([
    ['OTEL_SERVICE_NAME beats the seed variable', all, 'from-otel'],
    [
      'APP_SERVICE_NAME beats OTEL_RESOURCE_ATTRIBUTES',
      { ...all, OTEL_SERVICE_NAME: '' },
      'from-seed',
    ],
    [
      'service.name in the resource beats the default',
      { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' },
      'from-attrs',
    ],
    ['default when nothing is set', {}, 'fallback'],
    [
      'blank values count as unset',
      { OTEL_SERVICE_NAME: ' ', APP_SERVICE_NAME: '' },
      'fallback',
    ],
  ])('%s', (_label, env, expected) => {
    expect(attribute(resolve(env), 'service.name')).toBe(expected);
  });

  it('reads service.name out of OTEL_RESOURCE_ATTRIBUTES, percent-decoded', () => {
    const config = resolve({
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=shop%20api,team=a',
    });
    expect(attribute(config, 'service.name')).toBe('shop api');
    expect(attribute(config, 'team')).toBe('a');
  });
});

describe('exporters per signal', () => {
  it('takes lists, and the protocol and endpoint rules per signal', () => {
    const config = resolve({
      OTEL_TRACES_EXPORTER: 'otlp,console',
      OTEL_METRICS_EXPORTER: 'prometheus,otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'DELTA',
    });
    expect(config.tracer_provider?.processors).toEqual([
      {
        batch: expect.objectContaining({
          exporter: {
            otlp_http: expect.objectContaining({
              endpoint: 'http://collector:4318/v1/traces',
              encoding: 'protobuf',
            }),
          },
        }),
      },
      { simple: { exporter: { console: {} } } },
    ]);
    expect(config.meter_provider?.readers).toEqual([
      { pull: { exporter: { 'prometheus/development': {} } } },
      {
        periodic: {
          interval: 5000,
          timeout: 5000, // the 30 s default clamped to the interval
          exporter: {
            otlp_http: expect.objectContaining({
              endpoint: 'http://collector:4318/v1/metrics',
              temporality_preference: 'delta',
              default_histogram_aggregation: 'explicit_bucket_histogram',
            }),
          },
        },
      },
    ]);
    expect(config.logger_provider?.processors).toHaveLength(1);
    // pino's log sending is what turns the app's lines into records
    expect(settingsOf(config).instrumentations).toEqual([
      'http',
      'express',
      'pino',
    ]);
    // where each endpoint came from, for the start-up line and errors
    expect(settingsOf(config).sources).toMatchObject({
      'tracer_provider.processors[0].batch.exporter.otlp_http.endpoint':
        'OTEL_EXPORTER_OTLP_ENDPOINT',
    });
  });

  it('none switches a signal off', () => {
    const config = resolve({
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    });
    expect(config.tracer_provider?.processors).toEqual([]);
    expect(config.meter_provider?.readers).toEqual([]);
    expect(config.logger_provider?.processors).toEqual([]);
  });

  it('serves Prometheus on its own port when host or port is set', () => {
    const own = (env: Env) => {
      const config = resolve(env);
      return {
        readers: config.meter_provider?.readers,
        appPort: settingsOf(config).prometheus_on_app_port,
      };
    };
    expect(own({ OTEL_EXPORTER_PROMETHEUS_PORT: '9464' })).toEqual({
      readers: [
        {
          pull: {
            exporter: {
              'prometheus/development': { host: 'localhost', port: 9464 },
            },
          },
        },
      ],
      appPort: false,
    });
    expect(
      own({ OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0' }).readers?.[0].pull
        ?.exporter['prometheus/development'],
    ).toEqual({ host: '0.0.0.0', port: 9464 });
  });
});

describe('loud on bad input: every unusable value names its variable', () => {
  it.each([
    [
      'OTEL_TRACES_EXPORTER',
      'zipkin',
      /supported values are otlp, console, none/,
    ],
    [
      'OTEL_METRICS_EXPORTER',
      'fax',
      /supported values are prometheus, otlp, console, none/,
    ],
    [
      'OTEL_LOGS_EXPORTER',
      'syslog',
      /supported values are otlp, console, none/,
    ],
    ['OTEL_TRACES_EXPORTER', 'none,otlp', /"none" cannot be combined/],
    [
      'OTEL_PROPAGATORS',
      'xray',
      /tracecontext, baggage, b3, b3multi, jaeger, none/,
    ],
    ['OTEL_TRACES_SAMPLER', 'sometimes', /parentbased_traceidratio/],
    ['OTEL_SDK_DISABLED', 'yes', /true, false/],
    ['OTEL_LOG_LEVEL', 'loud', /none, error, warn, info, debug, verbose, all/],
    ['OTEL_BSP_MAX_QUEUE_SIZE', 'many', /integer ≥ 1/],
    ['OTEL_BLRP_SCHEDULE_DELAY', '1s', /integer ≥ 1/],
    ['OTEL_METRIC_EXPORT_INTERVAL', 'often', /integer ≥ 1/],
    ['OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'short', /integer ≥ 0/],
    ['OTEL_SPAN_EVENT_COUNT_LIMIT', '-1', /integer ≥ 0/],
    ['OTEL_EXPORTER_PROMETHEUS_PORT', '99999', /between 1 and 65535/],
    [
      'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
      'sometimes',
      /cumulative, delta, lowmemory/,
    ],
    [
      'OTEL_METRICS_EXEMPLAR_FILTER',
      'some',
      /always_off, always_on, trace_based/,
    ],
    ['OTEL_NODE_RESOURCE_DETECTORS', 'gcp', /supported values are env, host/],
    ['OTEL_RESOURCE_ATTRIBUTES', 'broken', /is not key=value/],
    [
      'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
      'Http Express',
      /not an instrumentation name/,
    ],
  ])('%s=%s', (variable, value, accepted) => {
    const env: Record<string, string> = { [variable]: value };
    let error: Error | undefined;
    try {
      configFromEnv(readVariables(env, ENVIRONMENT));
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(new RegExp(`^${variable}`));
    expect(error?.message).toMatch(accepted);
    expect(error?.message).not.toContain('\n');
  });
});

describe('an exemplar filter the JS SDK cannot honour', () => {
  it('is one warning naming it, not a refusal: exemplars are extra data, none is changed', () => {
    const config = resolve({ OTEL_METRICS_EXEMPLAR_FILTER: 'trace_based' });
    expect(config.meter_provider?.exemplar_filter).toBe('trace_based');
    expect(settingsOf(config).notes).toEqual([
      'OTEL_METRICS_EXEMPLAR_FILTER is trace_based, which cannot be honoured: the OpenTelemetry JS metrics SDK records no exemplars',
    ]);
    expect(
      settingsOf(resolve({ OTEL_METRICS_EXEMPLAR_FILTER: 'always_off' })).notes,
    ).toEqual([]);
  });
});

describe('resolveSampler', () => {
  it('reads the ratio samplers with their argument', () => {
    expect(
      resolveSampler(
        vars({
          OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
          OTEL_TRACES_SAMPLER_ARG: '0.1',
        }),
      ),
    ).toEqual({
      parent_based: { root: { trace_id_ratio_based: { ratio: 0.1 } } },
    });
    expect(
      resolveSampler(vars({ OTEL_TRACES_SAMPLER: 'TraceIdRatio' })),
    ).toEqual({
      trace_id_ratio_based: { ratio: 1 },
    });
  });

  it('refuses a ratio out of range and notes an argument nobody reads', () => {
    expect(() =>
      resolveSampler(
        vars({
          OTEL_TRACES_SAMPLER: 'traceidratio',
          OTEL_TRACES_SAMPLER_ARG: '2',
        }),
      ),
    ).toThrow(
      /^OTEL_TRACES_SAMPLER_ARG="2" is invalid: must be a number between 0 and 1$/,
    );
    const notes: string[] = [];
    resolveSampler(
      vars({
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_TRACES_SAMPLER_ARG: '0.5',
      }),
      notes,
    );
    expect(notes).toEqual([
      'OTEL_TRACES_SAMPLER_ARG is set but the sampler always_on takes no argument',
    ]);
  });
});

describe('resolveBatch', () => {
  it('reads OTEL_BSP_*, clamping a default batch size to a smaller queue', () => {
    expect(
      resolveBatch(
        vars({
          OTEL_BSP_MAX_QUEUE_SIZE: '100',
          OTEL_BSP_SCHEDULE_DELAY: '200',
        }),
        'OTEL_BSP',
      ),
    ).toEqual({
      schedule_delay: 200,
      export_timeout: 30_000,
      max_queue_size: 100,
      max_export_batch_size: 100,
    });
  });

  it('refuses a batch size set larger than the queue', () => {
    expect(() =>
      resolveBatch(
        vars({
          OTEL_BSP_MAX_QUEUE_SIZE: '100',
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200',
        }),
        'OTEL_BSP',
      ),
    ).toThrow(
      /^OTEL_BSP_MAX_EXPORT_BATCH_SIZE="200" is invalid: must not exceed OTEL_BSP_MAX_QUEUE_SIZE \(100\)$/,
    );
  });
});

describe('resolveExportInterval', () => {
  it('refuses a timeout set longer than the interval', () => {
    expect(() =>
      resolveExportInterval(
        vars({
          OTEL_METRIC_EXPORT_INTERVAL: '1000',
          OTEL_METRIC_EXPORT_TIMEOUT: '2000',
        }),
      ),
    ).toThrow(/^OTEL_METRIC_EXPORT_TIMEOUT="2000" is invalid/);
    expect(resolveExportInterval(vars({}))).toEqual({
      interval: 60_000,
      timeout: 30_000,
    });
  });
});

describe('resolveSpanLimits', () => {
  it('takes the span-specific limit first, then the general one', () => {
    expect(
      resolveSpanLimits(
        vars({
          OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '32',
          OTEL_ATTRIBUTE_COUNT_LIMIT: '64',
          OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '16',
          OTEL_SPAN_EVENT_COUNT_LIMIT: '8',
          OTEL_SPAN_LINK_COUNT_LIMIT: '4',
          OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '2',
          OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '1',
        }),
      ),
    ).toEqual({
      attribute_value_length_limit: 32,
      attribute_count_limit: 16,
      event_count_limit: 8,
      link_count_limit: 4,
      event_attribute_count_limit: 2,
      link_attribute_count_limit: 1,
    });
  });

  it('applies the general limits to log records too', () => {
    expect(
      resolve({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '32' }).logger_provider
        ?.limits,
    ).toEqual({ attribute_value_length_limit: 32, attribute_count_limit: 128 });
  });
});

describe('resolveDetectors', () => {
  it.each([
    ['', ['host', 'process', 'service']],
    ['none', []],
    ['all', ['host', 'process', 'container', 'service']],
    ['env,host', ['host']],
    ['serviceinstance,process,container', ['service', 'process', 'container']],
    ['os', ['os']],
    ['os,host', ['host']],
  ])('OTEL_NODE_RESOURCE_DETECTORS=%j', (raw, detectors) => {
    expect(
      resolveDetectors(vars({ OTEL_NODE_RESOURCE_DETECTORS: raw })),
    ).toEqual(detectors);
  });
});

describe('resolveInstrumentations', () => {
  it('follows OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS', () => {
    expect(resolveInstrumentations(vars({}), false)).toEqual([
      'http',
      'express',
    ]);
    expect(
      resolveInstrumentations(
        vars({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express' }),
        true,
      ),
    ).toEqual(['http', 'pino']);
    expect(
      resolveInstrumentations(
        vars({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, pg,http' }),
        true,
      ),
    ).toEqual(['http', 'pg']);
  });
});

describe('notes: what is set but not used', () => {
  it('names OTEL_* variables nothing reads (typos, other SDKs)', () => {
    expect(
      settingsOf(
        resolve({
          OTEL_EXPORTER_OTLP_ENDPIONT: 'http://c:4317',
          OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://z:9411',
          OTEL_SEMCONV_STABILITY_OPT_IN: 'http',
          OTEL_UNSET: '',
        }),
      ).notes,
    ).toEqual([
      'not used by @otel-dice/telemetry (misspelt, or meant for another SDK): OTEL_EXPORTER_OTLP_ENDPIONT, OTEL_EXPORTER_ZIPKIN_ENDPOINT',
    ]);
  });

  it('says when certificates are given for an endpoint without TLS', () => {
    expect(
      settingsOf(
        resolve({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317',
          OTEL_EXPORTER_OTLP_CERTIFICATE: '/ca.pem',
        }),
      ).notes,
    ).toEqual([
      'OTEL_EXPORTER_OTLP_CERTIFICATE not used for trace export: its endpoint does not use TLS (use https:// to turn it on)',
    ]);
  });

  it('warns that the jaeger propagator is deprecated, and keeps it', () => {
    const config = resolve({ OTEL_PROPAGATORS: 'jaeger,tracecontext' });
    expect(config.propagator?.composite).toEqual([
      { jaeger: {} },
      { tracecontext: {} },
    ]);
    expect(settingsOf(config).notes[0]).toMatch(
      /jaeger propagator is deprecated/,
    );
  });
});

describe('OTEL_SDK_DISABLED', () => {
  it('is read strictly', () => {
    expect(resolve({ OTEL_SDK_DISABLED: 'TRUE' }).disabled).toBe(true);
    expect(resolve({ OTEL_SDK_DISABLED: 'false' }).disabled).toBe(false);
  });
});

describe('OTEL_LOG_LEVEL', () => {
  it('becomes the schema’s log_level; none and unset leave the diagnostics off', () => {
    expect(resolve({ OTEL_LOG_LEVEL: 'debug' }).log_level).toBe('debug');
    expect(resolve({ OTEL_LOG_LEVEL: 'verbose' }).log_level).toBe('trace');
    expect(resolve({ OTEL_LOG_LEVEL: 'none' }).log_level).toBeUndefined();
    expect(resolve({}).log_level).toBeUndefined();
  });
});

describe('settings for a part that is off', () => {
  it('are still validated', () => {
    expect(() =>
      resolve({ OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'smoke-signals' }),
    ).toThrow(/^OTEL_EXPORTER_OTLP_LOGS_PROTOCOL="smoke-signals" is invalid/);
    expect(() => resolve({ OTEL_METRIC_EXPORT_INTERVAL: 'often' })).toThrow(
      /^OTEL_METRIC_EXPORT_INTERVAL="often" is invalid/,
    );
    expect(() => resolve({ OTEL_BLRP_MAX_QUEUE_SIZE: '0' })).toThrow(
      /^OTEL_BLRP_MAX_QUEUE_SIZE="0" is invalid/,
    );
  });

  it('are named in a note, with the reason they do nothing', () => {
    expect(
      settingsOf(
        resolve({
          OTEL_TRACES_EXPORTER: 'console',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4317',
          OTEL_EXPORTER_OTLP_HEADERS: 'a=b',
          OTEL_METRIC_EXPORT_INTERVAL: '1000',
          OTEL_BLRP_SCHEDULE_DELAY: '100',
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_EXPORTER_PROMETHEUS_PORT: '9464',
        }),
      ).notes,
    ).toEqual([
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set but not used: traces are not exported over OTLP',
      'OTEL_BLRP_SCHEDULE_DELAY set but not used: no logs are exported (OTEL_LOGS_EXPORTER)',
      'OTEL_EXPORTER_PROMETHEUS_PORT set but not used: OTEL_METRICS_EXPORTER has no prometheus',
    ]);
  });
});
