import type { Instrumentation } from '@opentelemetry/instrumentation';
import {
  sawPackage,
  isLoaded,
  lateStartMessage,
  watchedPackages,
  watchLateStart,
  watchSwitchedOff,
} from './late-start.js';

interface Definition {
  name: string;
  moduleExports?: unknown;
}

/** Like InstrumentationBase: live definitions in _modules, fresh ones from getModuleDefinitions(). */
function instrumentation(...names: string[]): {
  instrumentation: Instrumentation;
  definitions: Definition[];
} {
  const definitions: Definition[] = names.map((name) => ({ name }));
  return {
    definitions,
    instrumentation: {
      _modules: definitions,
      getModuleDefinitions: () => names.map((name) => ({ name })),
    } as unknown as Instrumentation,
  };
}

const EXPRESS = '/app/node_modules/express/index.js';
const PINO = '/app/node_modules/pino/pino.js';

function harness(names: string[][], loaded: string[]) {
  const made = names.map((n) => instrumentation(...n));
  const warnings: string[] = [];
  let later: (() => void) | undefined;
  let cancelled = false;
  const watch = watchLateStart({
    instrumentations: made.map((m) => m.instrumentation),
    warn: (message) => warnings.push(message),
    loadedPaths: () => loaded,
    later: (check) => {
      later = check;
      return () => {
        cancelled = true;
      };
    },
  });
  return {
    made,
    warnings,
    loaded,
    runLater: () => later?.(),
    watch,
    cancelled: () => cancelled,
  };
}

describe('isLoaded', () => {
  it('matches a file inside the package, not a package whose name only starts the same', () => {
    expect(isLoaded('express', [EXPRESS], '/')).toBe(true);
    expect(
      isLoaded('express', ['/app/node_modules/express-session/index.js'], '/'),
    ).toBe(false);
    expect(
      isLoaded('@scope/pkg', ['/app/node_modules/@scope/pkg/dist/i.js'], '/'),
    ).toBe(true);
    expect(
      isLoaded('pg', ['C:\\app\\node_modules\\pg\\lib\\index.js'], '\\'),
    ).toBe(true);
  });
});

describe('watchedPackages', () => {
  it('skips builtins and reads patch state from the live definitions', () => {
    const express = instrumentation('express');
    const http = instrumentation('http', 'https');
    const packages = watchedPackages([
      express.instrumentation,
      http.instrumentation,
    ]);
    expect(packages.map((p) => p.name)).toEqual(['express']);
    expect(packages[0].patched()).toBe(false);
    express.definitions[0].moduleExports = {};
    expect(packages[0].patched()).toBe(true);
  });

  it('cannot tell the patch state without live definitions', () => {
    const [pkg] = watchedPackages([
      {
        getModuleDefinitions: () => [{ name: 'express' }],
      } as unknown as Instrumentation,
    ]);
    expect(pkg.patched()).toBeUndefined();
  });
});

describe('watchLateStart', () => {
  it('says at start which packages were loaded before it (CommonJS required too early)', () => {
    const h = harness([['express'], ['pino']], [EXPRESS, PINO]);
    expect(h.warnings).toEqual([lateStartMessage(['express', 'pino'])]);
    h.runLater();
    expect(h.warnings).toHaveLength(1);
  });

  it('says later when a package showed up that its instrumentation never saw (ESM imported too early)', () => {
    const h = harness([['express']], []);
    expect(h.warnings).toEqual([]);
    h.loaded.push(EXPRESS);
    h.runLater();
    expect(h.warnings).toEqual([lateStartMessage(['express'])]);
    h.runLater();
    expect(h.warnings).toHaveLength(1);
  });

  it('stays silent when the hooks patched the package as it loaded', () => {
    const h = harness([['express']], []);
    h.loaded.push(EXPRESS);
    h.made[0].definitions[0].moduleExports = {};
    h.runLater();
    expect(h.warnings).toEqual([]);
  });

  it('stays silent for packages that are never loaded, and can be stopped', () => {
    const h = harness([['express']], []);
    h.runLater();
    expect(h.warnings).toEqual([]);
    h.watch.stop();
    expect(h.cancelled()).toBe(true);
  });

  it('watches nothing when no instrumentation patches a package', () => {
    const h = harness([['http']], [EXPRESS]);
    expect(h.warnings).toEqual([]);
  });
});

describe('lateStartMessage', () => {
  it('is one line that names the packages, the consequence for express and the fix', () => {
    const message = lateStartMessage(['express']);
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^express was loaded before telemetry started/);
    expect(message).toContain('http.route');
    expect(message).toContain('node --import @otel-dice/telemetry/register');
    expect(lateStartMessage(['pg', 'pino'])).toMatch(
      /^pg, pino were loaded before telemetry started, so their instrumentation cannot patch them\. /,
    );
  });
});

describe('sawPackage', () => {
  it('counts a package as seen when its main file or any file inside it was patched', () => {
    expect(sawPackage({ name: 'express' })).toBe(false);
    expect(sawPackage({ name: 'express', moduleExports: {} })).toBe(true);
    // knex: the main definition patches nothing, its files do
    expect(
      sawPackage({ name: 'knex', files: [{}, { moduleExports: {} }] }),
    ).toBe(true);
    // seen but not patched (an unsupported version): not late either
    expect(
      sawPackage({ name: 'knex', moduleVersion: '0.1.0', files: [{}] }),
    ).toBe(true);
    expect(sawPackage({ name: 'knex', files: [{}] })).toBe(false);
  });
});

describe('watchSwitchedOff', () => {
  it('says it once, at the first check that has something to say', () => {
    const warned: string[] = [];
    let check: () => void = () => undefined;
    let loaded: { module: string; instrumentation: string }[] = [];
    watchSwitchedOff(
      { switchedOff: () => loaded },
      ['redis'],
      (n) => warned.push(n),
      (c) => {
        check = c;
        return () => undefined;
      },
    );
    check();
    expect(warned).toEqual([]);
    loaded = [{ module: 'ioredis', instrumentation: 'ioredis' }];
    check();
    check();
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/^ioredis is loaded but not instrumented/);
  });
});
