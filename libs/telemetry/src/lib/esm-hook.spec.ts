import { join } from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { settingsOf } from './config/model.js';
import { resolveTelemetryConfig } from './config/resolve.js';
import {
  chooseMode,
  includeList,
  instrumentedModuleNames,
  interceptsImport,
  loaderOnCommandLine,
  onFirstImport,
  registerEsmLoaderHook,
} from './esm-hook.js';

function fakeInstrumentation(...names: string[]): Instrumentation {
  return {
    getModuleDefinitions: () => names.map((name) => ({ name })),
  } as unknown as Instrumentation;
}

describe('instrumentedModuleNames', () => {
  it('lists each module the instrumentations patch once, without absolute paths', () => {
    expect(
      instrumentedModuleNames([
        fakeInstrumentation('http', 'https'),
        fakeInstrumentation('express'),
        fakeInstrumentation('express', '/abs/file.js'),
        {} as Instrumentation,
      ]),
    ).toEqual(['http', 'https', 'express']);
  });
});

describe('interceptsImport', () => {
  const modules = new Set(['express', 'http', '@scope/pkg']);

  it.each([
    ['express', 'file:///app/node_modules/express/index.js'],
    ['./lib/router.js', 'file:///app/node_modules/express/lib/router.js'],
    ['http', 'node:http'],
    ['node:http', 'node:http'],
    ['@scope/pkg', 'file:///app/node_modules/@scope/pkg/index.mjs'],
    [
      './x.mjs',
      'file:///app/node_modules/.pnpm/express@5.1.0/node_modules/express/x.mjs',
    ],
  ])('intercepts %s (%s)', (specifier, url) => {
    expect(interceptsImport(modules, url, specifier)).toBe(true);
  });

  it.each([
    ['./app.js', 'file:///app/src/app.js'],
    ['express-session', 'file:///app/node_modules/express-session/index.js'],
    ['node:https', 'node:https'],
    ['./http.js', 'file:///app/src/http.js'],
    ['pino', 'file:///app/node_modules/pino/pino.js'],
  ])('leaves %s (%s) alone', (specifier, url) => {
    expect(interceptsImport(modules, url, specifier)).toBe(false);
  });
});

describe('includeList', () => {
  it('names builtins as they are and packages by name and by any file inside them', () => {
    const list = includeList(['http', 'express']);
    expect(list.slice(0, 2)).toEqual(['http', 'express']);
    const pattern = list[2] as RegExp;
    expect(pattern.test('file:///a/node_modules/express/lib/x.js')).toBe(true);
    expect(pattern.test('file:///a/node_modules/express-x/lib/x.js')).toBe(
      false,
    );
  });
});

describe('loaderOnCommandLine', () => {
  it.each([
    [['--import', '@opentelemetry/instrumentation/hook.mjs'], undefined],
    [['--experimental-loader=import-in-the-middle/hook.mjs'], undefined],
    [
      [],
      '--loader @opentelemetry/instrumentation/hook.mjs --max-old-space-size=100',
    ],
  ])('sees %j / NODE_OPTIONS=%j', (execArgv, nodeOptions) => {
    expect(loaderOnCommandLine(execArgv, nodeOptions)).toBe(true);
  });

  it('is false for other flags, including our own register entry', () => {
    expect(
      loaderOnCommandLine(
        ['--import', '@otel-dice/telemetry/register', '--enable-source-maps'],
        '--max-old-space-size=100',
      ),
    ).toBe(false);
  });
});

describe('chooseMode', () => {
  it('prefers the synchronous hooks where Node can run them', () => {
    expect(chooseMode('auto', true)).toBe('sync');
    expect(chooseMode('auto', false)).toBe('async');
    expect(chooseMode('async', true)).toBe('async');
    expect(chooseMode('sync', false)).toBe('sync');
  });
});

describe('registerEsmLoaderHook', () => {
  it('registers nothing when there is nothing to intercept', () => {
    expect(registerEsmLoaderHook({ modules: [] })).toEqual({
      status: 'skipped',
      reason: 'no instrumented modules',
    });
  });

  it('leaves a loader given on the command line alone', () => {
    expect(
      registerEsmLoaderHook({
        modules: ['express'],
        execArgv: ['--import', '@opentelemetry/instrumentation/hook.mjs'],
      }),
    ).toEqual({
      status: 'skipped',
      reason: 'an import-in-the-middle loader is given on the command line',
    });
  });
});

describe('onFirstImport: import-in-the-middle waits for the first import', () => {
  type Hook = Parameters<Parameters<typeof onFirstImport>[0]>[0]['resolve'];
  const harness = () => {
    let hook: Hook | undefined;
    let deregistered = false;
    const install = jest.fn();
    onFirstImport(
      (hooks) => {
        hook = hooks.resolve;
        return { deregister: () => (deregistered = true) };
      },
      install,
      () => undefined, // a Node without the module.import channel
    );
    const resolve = (specifier: string, conditions: string[]) =>
      hook?.(specifier, { conditions }, (s) => ({ url: s }));
    return { install, resolve, deregistered: () => deregistered };
  };

  it('installs nothing while only require() resolves, and passes every resolve on', () => {
    const { install, resolve } = harness();
    expect(resolve('express', ['node', 'require'])).toEqual({ url: 'express' });
    expect(resolve('./lib/x.js', ['node', 'require'])).toEqual({
      url: './lib/x.js',
    });
    expect(install).not.toHaveBeenCalled();
  });

  it('installs once, at the first import, and takes its own step away on the next turn', async () => {
    const { install, resolve, deregistered } = harness();
    expect(resolve('file:///app/main.mjs', ['node', 'import'])).toEqual({
      url: 'file:///app/main.mjs',
    });
    resolve('pg', ['node', 'import']);
    expect(install).toHaveBeenCalledTimes(1);
    expect(deregistered()).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(deregistered()).toBe(true);
  });
});

describe('onFirstImport with the module.import channel', () => {
  it("installs at the channel's first import and registers no resolve step", () => {
    const install = jest.fn();
    const registerHooks = jest.fn();
    let firstImport: (() => void) | undefined;
    onFirstImport(registerHooks, install, (watchers) => {
      firstImport = watchers.firstImport;
      return { stop: () => undefined };
    });
    expect(registerHooks).not.toHaveBeenCalled();
    expect(install).not.toHaveBeenCalled();
    firstImport?.();
    expect(install).toHaveBeenCalledTimes(1);
    expect(registerHooks).not.toHaveBeenCalled();
  });
});

describe('NODE_OPTIONS', () => {
  const loader =
    '--max-old-space-size=512 --import import-in-the-middle/hook.mjs';

  it('is read into the model whatever the source, and a loader there is not registered again', () => {
    const fromEnv = resolveTelemetryConfig({
      defaultServiceName: 'esm',
      env: { NODE_OPTIONS: loader },
    });
    const fromFile = resolveTelemetryConfig({
      defaultServiceName: 'esm',
      env: {
        NODE_OPTIONS: loader,
        OTEL_CONFIG_FILE: join(
          __dirname,
          'config',
          'fixtures',
          'stable-parts.yaml',
        ),
      },
    });
    for (const config of [fromEnv, fromFile]) {
      const nodeOptions = settingsOf(config).node_options;
      expect(nodeOptions).toBe(loader);
      expect(
        registerEsmLoaderHook({
          modules: ['express'],
          execArgv: [],
          nodeOptions,
          registerHooks: () => {
            throw new Error('must not register');
          },
        }),
      ).toEqual({
        status: 'skipped',
        reason: 'an import-in-the-middle loader is given on the command line',
      });
    }
  });

  it('unset or blank is absent from the model', () => {
    expect(
      settingsOf(resolveTelemetryConfig({ defaultServiceName: 'esm', env: {} }))
        .node_options,
    ).toBeUndefined();
    expect(
      settingsOf(
        resolveTelemetryConfig({
          defaultServiceName: 'esm',
          env: { NODE_OPTIONS: '  ' },
        }),
      ).node_options,
    ).toBeUndefined();
  });
});
