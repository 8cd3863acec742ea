import {
  resolveBatch,
  resolveConfigFromEnv,
  resolveDetectors,
  resolveExportInterval,
  resolveInstrumentations,
  resolveSampler,
  resolveServiceName,
  resolveSpanLimits,
} from './from-env.js';
import {
  DEFAULT_BSP,
  DEFAULT_INSTRUMENTATIONS,
  type TelemetryConfig,
} from './model.js';
import type { Env } from './values.js';

const defaults = { serviceName: 'fallback', serviceVersion: '1.0.0' };
const resolve = (env: Env): TelemetryConfig =>
  resolveConfigFromEnv(env, defaults);

describe('resolveConfigFromEnv: defaults are the seed’s', () => {
  const config = resolve({});

  it('traces over OTLP/gRPC to localhost:4317 through a batch processor', () => {
    expect(config.traces.pipelines).toEqual([
      {
        exporter: {
          kind: 'otlp',
          otlp: expect.objectContaining({
            protocol: 'grpc',
            endpoint: 'http://localhost:4317',
          }),
        },
        processor: DEFAULT_BSP,
      },
    ]);
    expect(config.traces.sampler).toEqual({
      type: 'parentbased',
      root: { type: 'always_on' },
    });
  });

  it("metrics on the app's own /metrics, no logs exported, W3C propagation", () => {
    expect(config.metrics.readers).toEqual([{ kind: 'prometheus' }]);
    expect(config.logs.pipelines).toEqual([]);
    expect(config.propagators).toEqual(['tracecontext', 'baggage']);
    // every instrumentation but fs, host-metrics and pino; most start on first use
    expect(config.instrumentations).toEqual(DEFAULT_INSTRUMENTATIONS);
    expect(config.instrumentations).toEqual(
      expect.arrayContaining(['http', 'express', 'pg', 'knex', 'ioredis']),
    );
    expect(config.resource).toEqual({
      serviceName: 'fallback',
      serviceVersion: '1.0.0',
      attributes: {},
      detectors: ['host', 'os', 'process', 'service'],
    });
    expect(config.disabled).toBe(false);
    expect(config.notes).toEqual([]);
  });
});

describe('resolveServiceName', () => {
  const all = {
    OTEL_SERVICE_NAME: 'from-otel',
    APP_SERVICE_NAME: 'from-seed',
  };
  const attrs = { 'service.name': 'from-attrs' };
  it.each([
    ['OTEL_SERVICE_NAME beats the seed variable', all, attrs, 'from-otel'],
    [
      'APP_SERVICE_NAME beats OTEL_RESOURCE_ATTRIBUTES',
      { APP_SERVICE_NAME: 'from-seed' },
      attrs,
      'from-seed',
    ],
    ['service.name in the resource beats the default', {}, attrs, 'from-attrs'],
    ['default when nothing is set', {}, {}, 'fallback'],
    [
      'blank values count as unset',
      { OTEL_SERVICE_NAME: ' ', APP_SERVICE_NAME: '' },
      {},
      'fallback',
    ],
  ])('%s', (_label, env, attributes, expected) => {
    expect(resolveServiceName(env, attributes, 'fallback')).toBe(expected);
  });

  it('reads service.name out of OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(
      resolve({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=shop%20api,team=a' })
        .resource,
    ).toMatchObject({
      serviceName: 'shop api',
      attributes: { 'service.name': 'shop api', team: 'a' },
    });
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
    expect(
      config.traces.pipelines.map((p) =>
        p.exporter.kind === 'otlp'
          ? `${p.processor.kind} ${p.exporter.otlp.protocol} ${p.exporter.otlp.endpoint}`
          : `${p.processor.kind} console`,
      ),
    ).toEqual([
      'batch http/protobuf http://collector:4318/v1/traces',
      'simple console',
    ]);
    expect(config.metrics.readers).toEqual([
      { kind: 'prometheus' },
      {
        kind: 'periodic',
        exporter: {
          kind: 'otlp',
          otlp: expect.objectContaining({
            endpoint: 'http://collector:4318/v1/metrics',
          }),
        },
        exportIntervalMillis: 5000,
        exportTimeoutMillis: 5000, // the 30 s default clamped to the interval
        temporality: 'delta',
        histogramAggregation: 'explicit_bucket_histogram',
      },
    ]);
    expect(config.logs.pipelines).toHaveLength(1);
    // pino's log sending is what turns the app's lines into records
    expect(config.instrumentations).toEqual([
      ...DEFAULT_INSTRUMENTATIONS,
      'pino',
    ]);
  });

  it('none switches a signal off', () => {
    const config = resolve({
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    });
    expect(config.traces.pipelines).toEqual([]);
    expect(config.metrics.readers).toEqual([]);
    expect(config.logs.pipelines).toEqual([]);
  });

  it('serves Prometheus on its own port when host or port is set', () => {
    expect(
      resolve({ OTEL_EXPORTER_PROMETHEUS_PORT: '9464' }).metrics.readers,
    ).toEqual([{ kind: 'prometheus', host: 'localhost', port: 9464 }]);
    expect(
      resolve({ OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0' }).metrics.readers,
    ).toEqual([{ kind: 'prometheus', host: '0.0.0.0', port: 9464 }]);
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
    ['OTEL_METRICS_EXEMPLAR_FILTER', 'trace_based', /records no exemplars/],
    ['OTEL_NODE_RESOURCE_DETECTORS', 'gcp', /supported values are env, host/],
    ['OTEL_RESOURCE_ATTRIBUTES', 'broken', /is not key=value/],
    [
      'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
      'Http Express',
      /"Http Express" is not an instrumentation; valid names: amqplib, /,
    ],
    [
      'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
      'http,postgres',
      /"postgres" \(did you mean pg\?\) is not an instrumentation/,
    ],
    [
      'OTEL_NODE_DISABLED_INSTRUMENTATIONS',
      'ioredos',
      /"ioredos" \(did you mean ioredis\?\)/,
    ],
  ])('%s=%s', (variable, value, accepted) => {
    const env: Record<string, string> = { [variable]: value };
    // the metric/exporter settings are only read when their reader exists
    if (variable.includes('METRICS_TEMPORALITY'))
      env.OTEL_METRICS_EXPORTER = 'otlp';
    if (variable === 'OTEL_EXPORTER_PROMETHEUS_PORT')
      env.OTEL_METRICS_EXPORTER = 'prometheus';
    if (variable === 'OTEL_METRIC_EXPORT_INTERVAL')
      env.OTEL_METRICS_EXPORTER = 'otlp';
    if (variable === 'OTEL_BLRP_SCHEDULE_DELAY')
      env.OTEL_LOGS_EXPORTER = 'otlp';
    let error: Error | undefined;
    try {
      resolve(env);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(new RegExp(`^${variable}`));
    expect(error?.message).toMatch(accepted);
    expect(error?.message).not.toContain('\n');
  });
});

describe('resolveSampler', () => {
  it('reads the ratio samplers with their argument', () => {
    expect(
      resolveSampler({
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      }),
    ).toEqual({
      type: 'parentbased',
      root: { type: 'traceidratio', ratio: 0.1 },
    });
    expect(resolveSampler({ OTEL_TRACES_SAMPLER: 'TraceIdRatio' })).toEqual({
      type: 'traceidratio',
      ratio: 1,
    });
  });

  it('refuses a ratio out of range and notes an argument nobody reads', () => {
    expect(() =>
      resolveSampler({
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '2',
      }),
    ).toThrow(
      /^OTEL_TRACES_SAMPLER_ARG="2" is invalid: must be a number between 0 and 1$/,
    );
    const notes: string[] = [];
    resolveSampler(
      { OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: '0.5' },
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
        { OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_SCHEDULE_DELAY: '200' },
        'OTEL_BSP',
        DEFAULT_BSP,
      ),
    ).toEqual({
      kind: 'batch',
      scheduledDelayMillis: 200,
      exportTimeoutMillis: 30_000,
      maxQueueSize: 100,
      maxExportBatchSize: 100,
    });
  });

  it('refuses a batch size set larger than the queue', () => {
    expect(() =>
      resolveBatch(
        {
          OTEL_BSP_MAX_QUEUE_SIZE: '100',
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200',
        },
        'OTEL_BSP',
        DEFAULT_BSP,
      ),
    ).toThrow(
      /^OTEL_BSP_MAX_EXPORT_BATCH_SIZE="200" is invalid: must not exceed OTEL_BSP_MAX_QUEUE_SIZE \(100\)$/,
    );
  });
});

describe('resolveExportInterval', () => {
  it('refuses a timeout set longer than the interval', () => {
    expect(() =>
      resolveExportInterval({
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_METRIC_EXPORT_TIMEOUT: '2000',
      }),
    ).toThrow(/^OTEL_METRIC_EXPORT_TIMEOUT="2000" is invalid/);
    expect(resolveExportInterval({})).toEqual({
      exportIntervalMillis: 60_000,
      exportTimeoutMillis: 30_000,
    });
  });
});

describe('resolveSpanLimits', () => {
  it('takes the span-specific limit first, then the general one', () => {
    expect(
      resolveSpanLimits({
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '32',
        OTEL_ATTRIBUTE_COUNT_LIMIT: '64',
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '16',
        OTEL_SPAN_EVENT_COUNT_LIMIT: '8',
        OTEL_SPAN_LINK_COUNT_LIMIT: '4',
        OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '2',
        OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '1',
      }),
    ).toEqual({
      attributeValueLengthLimit: 32,
      attributeCountLimit: 16,
      eventCountLimit: 8,
      linkCountLimit: 4,
      attributePerEventCountLimit: 2,
      attributePerLinkCountLimit: 1,
    });
  });

  it('applies the general limits to log records too', () => {
    expect(
      resolve({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '32' }).logs.limits,
    ).toEqual({ attributeValueLengthLimit: 32, attributeCountLimit: 128 });
  });
});

describe('resolveDetectors', () => {
  it.each([
    ['', ['host', 'os', 'process', 'service']],
    ['none', []],
    ['all', ['host', 'os', 'process', 'container', 'service']],
    ['env,host', ['host', 'os']],
    ['serviceinstance,process,container', ['service', 'process', 'container']],
    ['os', ['os']],
  ])('OTEL_NODE_RESOURCE_DETECTORS=%j', (raw, detectors) => {
    expect(resolveDetectors({ OTEL_NODE_RESOURCE_DETECTORS: raw })).toEqual(
      detectors,
    );
  });
});

describe('resolveInstrumentations', () => {
  it('follows OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS', () => {
    expect(resolveInstrumentations({}, false)).toEqual(
      DEFAULT_INSTRUMENTATIONS,
    );
    expect(resolveInstrumentations({}, false)).not.toContain('fs');
    expect(
      resolveInstrumentations(
        { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express,net' },
        true,
      ),
    ).toEqual([
      ...DEFAULT_INSTRUMENTATIONS.filter((n) => n !== 'express' && n !== 'net'),
      'pino',
    ]);
    expect(
      resolveInstrumentations(
        { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, pg,http' },
        true,
      ),
    ).toEqual(['http', 'pg']);
  });
});

describe('notes: what is set but not used', () => {
  it('names OTEL_* variables nothing reads (typos, other SDKs)', () => {
    expect(
      resolve({
        OTEL_EXPORTER_OTLP_ENDPIONT: 'http://c:4317',
        OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://z:9411',
        OTEL_SEMCONV_STABILITY_OPT_IN: 'http',
        OTEL_UNSET: '',
      }).notes,
    ).toEqual([
      'not used by @otel-dice/telemetry (misspelt, or meant for another SDK): OTEL_EXPORTER_OTLP_ENDPIONT, OTEL_EXPORTER_ZIPKIN_ENDPOINT',
    ]);
  });

  it('says when certificates are given for an endpoint without TLS', () => {
    expect(
      resolve({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317',
        OTEL_EXPORTER_OTLP_CERTIFICATE: '/ca.pem',
      }).notes,
    ).toEqual([
      'OTEL_EXPORTER_OTLP_CERTIFICATE not used for trace export: its endpoint does not use TLS (use https:// to turn it on)',
    ]);
  });

  it('warns that the jaeger propagator is deprecated, and keeps it', () => {
    const config = resolve({ OTEL_PROPAGATORS: 'jaeger,tracecontext' });
    expect(config.propagators).toEqual(['jaeger', 'tracecontext']);
    expect(config.notes[0]).toMatch(/jaeger propagator is deprecated/);
  });
});

describe('OTEL_SDK_DISABLED', () => {
  it('is read strictly', () => {
    expect(resolve({ OTEL_SDK_DISABLED: 'TRUE' }).disabled).toBe(true);
    expect(resolve({ OTEL_SDK_DISABLED: 'false' }).disabled).toBe(false);
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
      resolve({
        OTEL_TRACES_EXPORTER: 'console',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4317',
        OTEL_EXPORTER_OTLP_HEADERS: 'a=b',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_BLRP_SCHEDULE_DELAY: '100',
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_PROMETHEUS_PORT: '9464',
      }).notes,
    ).toEqual([
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set but not used: traces are not exported over OTLP',
      'OTEL_BLRP_SCHEDULE_DELAY set but not used: no logs are exported (OTEL_LOGS_EXPORTER)',
      'OTEL_EXPORTER_PROMETHEUS_PORT set but not used: OTEL_METRICS_EXPORTER has no prometheus',
    ]);
  });
});
