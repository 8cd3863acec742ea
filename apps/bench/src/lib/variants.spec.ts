import { DATADOG_ENV, servesMetrics, variantSpecs, withOwnOffs } from './variants.js';

describe('variantSpecs', () => {
  it('runs the built-in variants, extras and the baseline fully on', () => {
    const specs = variantSpecs(
      { OTEL_BSP_MAX_QUEUE_SIZE: '8192' },
      [{ id: 'gzip', env: { X: '1' } }],
      true,
    );
    expect(specs.map((s) => [s.id, s.program, s.collector])).toEqual([
      ['limit', 'limit', undefined],
      ['off', 'dice-api', undefined],
      ['on', 'dice-api', 'up'],
      ['down', 'dice-api', 'down'],
      ['ratio10', 'dice-api', 'up'],
      ['peer', 'peer', 'up'],
      ['peer-off', 'peer', undefined],
      ['dd', 'datadog', 'up'],
      ['dd-off', 'datadog', undefined],
      ['gzip', 'dice-api', 'up'],
      ['baseline', 'baseline', 'up'],
    ]);
    // every instrumented variant names its own off; ours all share dice-api's
    expect(specs.map((s) => [s.id, s.family, s.offId])).toEqual([
      ['limit', 'none', undefined],
      ['off', 'none', undefined],
      ['on', 'ours', 'off'],
      ['down', 'ours', 'off'],
      ['ratio10', 'ours', 'off'],
      ['peer', 'peer', 'peer-off'],
      ['peer-off', 'none', undefined],
      ['dd', 'peer', 'dd-off'],
      ['dd-off', 'none', undefined],
      ['gzip', 'ours', 'off'],
      ['baseline', 'ours', 'off'],
    ]);
    const on = specs.find((s) => s.id === 'on');
    const baseline = specs.find((s) => s.id === 'baseline');
    expect(baseline?.env).toEqual(on?.env);
    expect(on?.env).toMatchObject({
      OTEL_TRACES_SAMPLER: 'always_on',
      DICE_FAULT: 'off',
      OTEL_BSP_MAX_QUEUE_SIZE: '8192',
    });
    expect(specs.find((s) => s.id === 'off')?.env).toMatchObject({
      OTEL_SDK_DISABLED: 'true',
    });
    expect(specs.find((s) => s.id === 'ratio10')?.env).toMatchObject({
      ...on?.env,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    });
    // the getting-started setup: same sampler and --on-env, none of dice-api's own switches
    expect(specs.find((s) => s.id === 'peer')?.env).toEqual({
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_BSP_MAX_QUEUE_SIZE: '8192',
    });
    // the offs: the same apps, tracer not started
    expect(specs.find((s) => s.id === 'peer-off')?.env).toEqual({ PEER_TRACER: 'off' });
    expect(specs.find((s) => s.id === 'dd-off')?.env).toEqual({ PEER_TRACER: 'off' });
    // dd-trace: its defaults and what stops it sending anything but traces, no OTEL_* variables
    // (dd-trace reads OTEL_TRACES_SAMPLER too, and would then apply its 100 traces/s limit)
    const dd = specs.find((s) => s.id === 'dd')?.env ?? {};
    expect(dd).toEqual(DATADOG_ENV);
    expect(Object.keys(dd).filter((k) => !k.startsWith('DD_'))).toEqual([]);
    expect(dd).toMatchObject({
      DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
      DD_REMOTE_CONFIGURATION_ENABLED: 'false',
      DD_PROFILING_ENABLED: 'false',
      DD_APPSEC_ENABLED: 'false',
    });
  });

  it('scrapes only the apps with a Prometheus page', () => {
    const scraped = variantSpecs({}, [], true)
      .filter(servesMetrics)
      .map((s) => s.id);
    expect(scraped).toEqual(['off', 'on', 'down', 'ratio10', 'peer', 'baseline']);
  });

  it('adds each peer\'s own off', () => {
    expect(withOwnOffs(['off', 'on', 'dd'])).toEqual(['off', 'on', 'dd', 'dd-off']);
    expect(withOwnOffs(['peer', 'peer-off'])).toEqual(['peer', 'peer-off']);
  });

  it('keeps only the built-in variants asked for, extras and the baseline always', () => {
    expect(variantSpecs({}, [{ id: 'gzip', env: {} }], true, ['off', 'on', 'peer']).map((s) => s.id)).toEqual([
      'off',
      'on',
      'peer',
      'gzip',
      'baseline',
    ]);
  });

  it('has no baseline unless asked', () => {
    expect(variantSpecs({}, []).map((s) => s.id)).toEqual([
      'limit',
      'off',
      'on',
      'down',
      'ratio10',
      'peer',
      'peer-off',
      'dd',
      'dd-off',
    ]);
  });
});
