import { ESBUILD_EXECUTOR } from './build-target';
import {
  buildStartModule,
  importStartModule,
  NODE_EXECUTOR,
  REQUIRE_BANNER,
} from './start-module';

const START = 'apps/a/src/telemetry.ts';

describe('buildStartModule', () => {
  it('adds the start module as an esbuild entry point, built next to main.js', () => {
    const edit = buildStartModule(
      {
        executor: ESBUILD_EXECUTOR,
        options: { outputPath: 'apps/a/dist', additionalEntryPoints: ['x.ts'] },
      },
      START,
    );
    expect(edit).toMatchObject({
      changed: true,
      built: 'apps/a/dist/telemetry.js',
    });
    expect(edit.target?.options.additionalEntryPoints).toEqual(['x.ts', START]);
  });

  it('gives the ES module bundle a require, in the options and every configuration with esbuildOptions', () => {
    const edit = buildStartModule(
      {
        executor: ESBUILD_EXECUTOR,
        options: {
          outputPath: 'apps/a/dist',
          esbuildOptions: { sourcemap: true },
        },
        configurations: {
          production: { esbuildOptions: { banner: { js: '// mine' } } },
          development: {},
        },
      },
      START,
    );
    expect(edit.target?.options.esbuildOptions).toEqual({
      sourcemap: true,
      banner: { js: REQUIRE_BANNER },
    });
    expect(edit.target?.configurations).toEqual({
      production: {
        esbuildOptions: { banner: { js: `${REQUIRE_BANNER}\n// mine` } },
      },
      development: {},
    });
    // Unbundled, the library is loaded from node_modules as a package: no banner needed.
    const unbundled = buildStartModule(
      { executor: ESBUILD_EXECUTOR, options: { bundle: false } },
      START,
    );
    expect(unbundled.target?.options.esbuildOptions).toBeUndefined();
  });

  it('changes nothing when it is already an entry point', () => {
    const target = {
      executor: ESBUILD_EXECUTOR,
      options: {
        outputPath: 'apps/a/dist',
        additionalEntryPoints: [START],
        esbuildOptions: { banner: { js: REQUIRE_BANNER } },
      },
    };
    const edit = buildStartModule(target, START);
    expect(edit.changed).toBe(false);
    expect(edit.target).toBe(target);
  });

  it('only says what to do for other builders', () => {
    const edit = buildStartModule(
      { executor: '@nx/js:tsc', options: {} },
      START,
    );
    expect(edit.changed).toBe(false);
    expect(edit.built).toBeUndefined();
    expect(edit.notes.join('\n')).toContain(
      'node --import <built telemetry.js>',
    );
  });
});

describe('importStartModule', () => {
  it('adds --import to the runtime arguments of nx serve, once', () => {
    const edit = importStartModule(
      {
        executor: NODE_EXECUTOR,
        options: { runtimeArgs: ['--enable-source-maps'] },
      },
      'apps/a/dist/telemetry.js',
    );
    expect(edit.target?.options.runtimeArgs).toEqual([
      '--enable-source-maps',
      '--import',
      './apps/a/dist/telemetry.js',
    ]);
    const again = importStartModule(edit.target, 'apps/a/dist/telemetry.js');
    expect(again.changed).toBe(false);
  });

  it('says how to start the app when there is no @nx/js:node target', () => {
    const edit = importStartModule(undefined, 'apps/a/dist/telemetry.js');
    expect(edit.changed).toBe(false);
    expect(edit.notes).toEqual([
      'Start the app with node --import ./apps/a/dist/telemetry.js before its main file (wherever it runs: scripts, Dockerfile).',
    ]);
  });
});
