import { detectModuleSystem } from './module-system';

const entry = 'apps/a/src/main.ts';

describe('detectModuleSystem', () => {
  it('is ESM for "type": "module", an .mts entry, or an esbuild build that only outputs esm', () => {
    expect(detectModuleSystem({ packageType: 'module', entry }).system).toBe(
      'esm',
    );
    expect(detectModuleSystem({ entry: 'apps/a/src/main.mts' }).system).toBe(
      'esm',
    );
    expect(
      detectModuleSystem({
        entry,
        build: {
          executor: '@nx/esbuild:esbuild',
          options: { format: ['esm'] },
        },
      }),
    ).toEqual({
      system: 'esm',
      reason: 'its build outputs ES modules only (format: ["esm"])',
    });
  });

  it('is CommonJS otherwise, including builds that output both formats or say nothing', () => {
    expect(detectModuleSystem({ entry }).system).toBe('commonjs');
    expect(detectModuleSystem({ packageType: 'commonjs', entry }).system).toBe(
      'commonjs',
    );
    for (const format of [['cjs'], ['esm', 'cjs'], [], undefined])
      expect(
        detectModuleSystem({
          entry,
          build: { executor: '@nx/esbuild:esbuild', options: { format } },
        }).system,
      ).toBe('commonjs');
  });
});
