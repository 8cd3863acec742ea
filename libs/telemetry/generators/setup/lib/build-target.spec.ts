import type { TargetConfiguration } from '@nx/devkit';
import {
  ESBUILD_EXECUTOR,
  keepDependenciesExternal,
  WEBPACK_EXECUTOR,
} from './build-target';

const esbuild = (
  options: Record<string, unknown>,
  configurations?: Record<string, Record<string, unknown>>,
): TargetConfiguration => ({
  executor: ESBUILD_EXECUTOR,
  options: { main: 'apps/a/src/main.ts', ...options },
  ...(configurations ? { configurations } : {}),
});

describe('keepDependenciesExternal', () => {
  it('sets thirdParty: false on a bundling esbuild build', () => {
    const edit = keepDependenciesExternal(esbuild({ bundle: true }));
    expect(edit).toMatchObject({ changed: true, bundles: true, notes: [] });
    expect(edit.target?.options).toEqual({
      main: 'apps/a/src/main.ts',
      bundle: true,
      thirdParty: false,
    });
  });

  it('treats a missing bundle option as bundling (the executor default)', () => {
    expect(
      keepDependenciesExternal(esbuild({})).target?.options.thirdParty,
    ).toBe(false);
  });

  it('also turns it off in configurations that turn it on, and leaves the others untouched', () => {
    const production = { thirdParty: true, minify: true };
    const development = { sourcemap: true };
    const edit = keepDependenciesExternal(
      esbuild({ bundle: true, thirdParty: false }, { production, development }),
    );
    expect(edit.changed).toBe(true);
    expect(edit.target?.configurations).toEqual({
      production: { thirdParty: false, minify: true },
      development,
    });
  });

  it('returns the same target when nothing needs to change', () => {
    const target = esbuild(
      { bundle: true, thirdParty: false },
      { production: {} },
    );
    const edit = keepDependenciesExternal(target);
    expect(edit.changed).toBe(false);
    expect(edit.target).toBe(target);
  });

  it('leaves an unbundled esbuild build alone: every require stays a require', () => {
    const target = esbuild({ bundle: false });
    expect(keepDependenciesExternal(target)).toEqual({
      target,
      changed: false,
      bundles: false,
      notes: [],
    });
  });

  it('points at a custom esbuild config file it cannot check', () => {
    const edit = keepDependenciesExternal(
      esbuild({ esbuildConfig: 'apps/a/esbuild.config.js' }),
    );
    expect(edit.notes).toEqual([
      expect.stringContaining('apps/a/esbuild.config.js'),
    ]);
  });

  it('only warns for webpack when externalDependencies is not "all"', () => {
    expect(
      keepDependenciesExternal({ executor: WEBPACK_EXECUTOR, options: {} })
        .notes,
    ).toEqual([]);
    const edit = keepDependenciesExternal({
      executor: WEBPACK_EXECUTOR,
      options: { externalDependencies: 'none' },
    });
    expect(edit).toMatchObject({ changed: false, bundles: true });
    expect(edit.notes.join()).toContain('externalDependencies is "none"');
  });

  it('needs nothing for tsc/swc builds, and says what to check for unknown or inferred ones', () => {
    expect(keepDependenciesExternal({ executor: '@nx/js:tsc' }).notes).toEqual(
      [],
    );
    expect(
      keepDependenciesExternal({ executor: '@nx/rollup:rollup' }).notes.join(),
    ).toContain('@nx/rollup:rollup');
    expect(keepDependenciesExternal(undefined).notes.join(' ')).toContain(
      'inferred by a plugin',
    );
  });

  it('reads an inferred webpack build from webpack.config (Nx 23 Nest apps): bundled, external by default', () => {
    // The shape @nx/nest 23 writes: NxAppWebpackPlugin, no externalDependencies.
    const nest = `module.exports = { plugins: [new NxAppWebpackPlugin({ target: 'node', main: './src/main.ts' })] };`;
    expect(keepDependenciesExternal(undefined, nest)).toEqual({
      target: undefined,
      changed: false,
      bundles: true,
      notes: [],
    });
    expect(
      keepDependenciesExternal(
        undefined,
        nest.replace(
          "target: 'node'",
          "externalDependencies: 'all', target: 'node'",
        ),
      ).notes,
    ).toEqual([]);
    expect(
      keepDependenciesExternal(
        undefined,
        nest.replace(
          "target: 'node'",
          "externalDependencies: ['pg'], target: 'node'",
        ),
      ).notes.join(),
    ).toContain("externalDependencies is ['pg']");
  });
});
