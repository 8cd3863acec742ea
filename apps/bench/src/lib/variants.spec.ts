import { variantSpecs } from './variants.js';

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
      ['gzip', 'dice-api', 'up'],
      ['baseline', 'baseline', 'up'],
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
  });

  it('keeps only the built-in variants asked for, extras and the baseline always', () => {
    expect(
      variantSpecs({}, [{ id: 'gzip', env: {} }], true, [
        'off',
        'on',
        'peer',
      ]).map((s) => s.id),
    ).toEqual(['off', 'on', 'peer', 'gzip', 'baseline']);
  });

  it('has no baseline unless asked', () => {
    expect(variantSpecs({}, []).map((s) => s.id)).toEqual([
      'limit',
      'off',
      'on',
      'down',
      'ratio10',
      'peer',
    ]);
  });
});
