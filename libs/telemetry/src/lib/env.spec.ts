import {
  DEFAULT_BATCH_CONFIG,
  isSdkDisabled,
  parseResourceAttributes,
  resolveBatchConfig,
  resolveInstrumentationNames,
  resolveLogLevel,
  resolveSampler,
  resolveServiceName,
  resolveTraceEndpoint,
  resolveTracesExporter,
  TelemetryConfigError,
} from './env.js';

describe('resolveServiceName', () => {
  const all = {
    OTEL_SERVICE_NAME: 'from-otel',
    APP_SERVICE_NAME: 'from-seed',
    OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs',
  };
  it.each([
    ['explicit option wins over everything', 'explicit', all, 'explicit'],
    ['OTEL_SERVICE_NAME beats the seed variable', undefined, all, 'from-otel'],
    [
      'APP_SERVICE_NAME beats OTEL_RESOURCE_ATTRIBUTES',
      undefined,
      { ...all, OTEL_SERVICE_NAME: undefined },
      'from-seed',
    ],
    [
      'service.name in OTEL_RESOURCE_ATTRIBUTES beats the default',
      undefined,
      { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' },
      'from-attrs',
    ],
    ['default when nothing is set', undefined, {}, 'fallback'],
    [
      'blank values count as unset',
      '  ',
      { OTEL_SERVICE_NAME: ' ', APP_SERVICE_NAME: '' },
      'fallback',
    ],
  ])('%s', (_label, explicit, env, expected) => {
    expect(resolveServiceName(env, explicit, 'fallback')).toBe(expected);
  });
});

describe('resolveTraceEndpoint', () => {
  const all = {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4317',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4317',
    TRACE_ENDPOINT: 'http://seed:4317',
  };
  it.each([
    ['explicit option', 'http://explicit:4317', all, 'http://explicit:4317'],
    ['signal-specific OTEL variable', undefined, all, 'http://traces:4317'],
    [
      'generic OTEL variable',
      undefined,
      { ...all, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' },
      'http://generic:4317',
    ],
    [
      'seed TRACE_ENDPOINT',
      undefined,
      { TRACE_ENDPOINT: 'http://seed:4317' },
      'http://seed:4317',
    ],
    ['default', undefined, {}, 'http://localhost:4317'],
  ])('%s', (_label, explicit, env, expected) => {
    expect(resolveTraceEndpoint(env, explicit)).toBe(expected);
  });
});

describe('isSdkDisabled', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    [' true ', true],
    ['false', false],
    ['1', false],
    [undefined, false],
  ])('OTEL_SDK_DISABLED=%s -> %s', (value, expected) => {
    expect(isSdkDisabled({ OTEL_SDK_DISABLED: value })).toBe(expected);
  });
});

describe('parseResourceAttributes', () => {
  it('parses pairs, percent-decodes values and skips malformed entries', () => {
    expect(
      parseResourceAttributes({
        OTEL_RESOURCE_ATTRIBUTES:
          'deployment.environment.name=prod, team=dice%20ops,broken,=novalue,bad=%E0%A4%A,k=v=w',
      }),
    ).toEqual({
      'deployment.environment.name': 'prod',
      team: 'dice ops',
      k: 'v=w',
    });
  });
  it('is empty when unset', () => {
    expect(parseResourceAttributes({})).toEqual({});
  });
});

describe('resolveSampler', () => {
  it('defaults to parentbased_always_on', () => {
    expect(resolveSampler({})).toEqual({ name: 'parentbased_always_on' });
  });
  it('reads the ratio for ratio samplers', () => {
    expect(
      resolveSampler({
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }),
    ).toEqual({ name: 'parentbased_traceidratio', ratio: 0.25 });
    expect(resolveSampler({ OTEL_TRACES_SAMPLER: 'TraceIdRatio' })).toEqual({
      name: 'traceidratio',
      ratio: 1,
    });
  });
  it('names the variable on bad input', () => {
    expect(() => resolveSampler({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(
      /OTEL_TRACES_SAMPLER="sometimes"/,
    );
    expect(() =>
      resolveSampler({
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '1.5',
      }),
    ).toThrow(
      /OTEL_TRACES_SAMPLER_ARG="1.5" is invalid: must be a number between 0 and 1/,
    );
  });
});

describe('resolveBatchConfig', () => {
  it('uses defaults when unset', () => {
    expect(resolveBatchConfig({})).toEqual(DEFAULT_BATCH_CONFIG);
  });
  it('reads OTEL_BSP_* and clamps the batch to the queue', () => {
    expect(
      resolveBatchConfig({
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_BSP_EXPORT_TIMEOUT: '3000',
        OTEL_BSP_MAX_QUEUE_SIZE: '100',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '500',
      }),
    ).toEqual({
      scheduledDelayMillis: 200,
      exportTimeoutMillis: 3000,
      maxQueueSize: 100,
      maxExportBatchSize: 100,
    });
  });
  it.each(['0', '-5', '1.5', 'lots'])(
    'rejects OTEL_BSP_MAX_QUEUE_SIZE=%s naming the variable',
    (value) => {
      let error: unknown;
      try {
        resolveBatchConfig({ OTEL_BSP_MAX_QUEUE_SIZE: value });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TelemetryConfigError);
      expect((error as TelemetryConfigError).variable).toBe(
        'OTEL_BSP_MAX_QUEUE_SIZE',
      );
    },
  );
});

describe('resolveTracesExporter', () => {
  it.each([
    [undefined, 'otlp'],
    ['console', 'console'],
    ['none', 'none'],
    ['zipkin, console', 'console'],
  ])('OTEL_TRACES_EXPORTER=%s -> %s', (value, expected) => {
    expect(resolveTracesExporter({ OTEL_TRACES_EXPORTER: value })).toBe(
      expected,
    );
  });
  it('rejects a list with nothing supported', () => {
    expect(() =>
      resolveTracesExporter({ OTEL_TRACES_EXPORTER: 'zipkin' }),
    ).toThrow(/OTEL_TRACES_EXPORTER/);
  });
});

describe('resolveLogLevel', () => {
  it('is undefined when unset and case-insensitive otherwise', () => {
    expect(resolveLogLevel({})).toBeUndefined();
    expect(resolveLogLevel({ OTEL_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(() => resolveLogLevel({ OTEL_LOG_LEVEL: 'loud' })).toThrow(
      /OTEL_LOG_LEVEL/,
    );
  });
});

describe('resolveInstrumentationNames', () => {
  it('defaults to http and express', () => {
    expect(resolveInstrumentationNames({})).toEqual(['http', 'express']);
  });
  it('honours the enabled and disabled lists', () => {
    expect(
      resolveInstrumentationNames({
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, express,pg,http',
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express',
      }),
    ).toEqual(['http', 'pg']);
  });
});
