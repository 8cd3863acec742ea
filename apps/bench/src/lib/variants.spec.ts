import { variantSpecs } from './variants.js';

describe('variantSpecs', () => {
  it('runs the four variants of the issue, extras and the baseline fully on', () => {
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
  });

  it('has no baseline unless asked', () => {
    expect(variantSpecs({}, []).map((s) => s.id)).toEqual([
      'limit',
      'off',
      'on',
      'down',
    ]);
  });
});
