import type { Instrumentation } from '@opentelemetry/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { planInstrumentations } from './instrumentation-selection.js';
import type { InstrumentationEntry } from './instrumentation-table.js';
import type { ModuleWatchers } from './module-channels.js';
import {
  fromHookMachinery,
  fromLibrary,
  onFirstFetch,
  packageOf,
  skipTrigger,
  startLazyInstrumentations,
  type LazyInstrumentationsOptions,
} from './lazy-instrumentations.js';

type Resolve = (
  specifier: string,
  context: { parentURL?: string },
  next: (s: string, c?: unknown) => unknown,
) => unknown;

/** A fake instrumentation that records what was done to it. */
function fakeInstrumentation(name: string, log: string[]): Instrumentation {
  let config: Record<string, unknown> = { enabled: false };
  return {
    instrumentationName: `@opentelemetry/instrumentation-${name}`,
    instrumentationVersion: '0',
    setTracerProvider: () => log.push(`${name}:tracer`),
    setMeterProvider: () => log.push(`${name}:meter`),
    setConfig: (c: Record<string, unknown>) => {
      config = c;
    },
    getConfig: () => config,
    enable: () => log.push(`${name}:enable(${String(config['enabled'])})`),
    disable: () => log.push(`${name}:disable`),
  } as unknown as Instrumentation;
}

function harness(
  overrides: Partial<LazyInstrumentationsOptions> = {},
  names = ['pg', 'knex', 'ioredis', 'router', 'runtime-node', 'undici'],
) {
  const log: string[] = [];
  let resolve: Resolve | undefined;
  let deregistered = false;
  let registrations = 0;
  const lazy = startLazyInstrumentations({
    plan: planInstrumentations(names),
    tracerProvider: new TracerProvider(),
    meterProvider: new MeterProvider(),
    load: (entry: InstrumentationEntry) => fakeInstrumentation(entry.name, log),
    // As on a Node without the module channels: the resolve hook sees everything from the start
    // (the channel path has its own tests below).
    watchModules: () => undefined,
    registerHooks: (hooks) => {
      registrations++;
      resolve = hooks.resolve as Resolve;
      return { deregister: () => (deregistered = true) };
    },
    loadedPaths: () => [],
    global: {},
    afterStart: (work) => {
      work();
      return () => undefined;
    },
    ...overrides,
  });
  const resolveSpecifier = (specifier: string, parentURL?: string) =>
    resolve?.(specifier, { parentURL }, (s) => ({ url: s }));
  return {
    lazy,
    log,
    resolveSpecifier,
    deregistered: () => deregistered,
    registrations: () => registrations,
  };
}

afterEach(() => {
  // The require wrapper the harness installs is taken back by stop() in each test.
});

describe('startLazyInstrumentations', () => {
  it('starts nothing for what the library’s own code loads (an exporter’s @grpc/grpc-js), but does for the app', () => {
    const loaded: string[] = [];
    const { lazy, resolveSpecifier } = harness({ loadedPaths: () => loaded }, [
      'grpc',
      'net',
      'dns',
    ]);
    const exporter =
      'file:///app/node_modules/@opentelemetry/otlp-grpc-exporter-base/build/src/index.js';
    resolveSpecifier('@grpc/grpc-js', exporter);
    const grpcJs = '/app/node_modules/@grpc/grpc-js/build/src/resolver-dns.js';
    resolveSpecifier('dns', grpcJs);
    resolveSpecifier('net', grpcJs);
    expect(lazy.started()).toEqual([]);
    // seen, not "loaded behind the hook's back"
    loaded.push('/app/node_modules/@grpc/grpc-js/build/src/index.js');
    expect(lazy.catchUp()).toEqual([]);
    resolveSpecifier('@grpc/grpc-js', 'file:///app/src/client.js');
    resolveSpecifier('net', 'file:///app/src/server.js');
    expect(lazy.started()).toEqual(['grpc', 'net']);
    lazy.stop();
  });

  it('starts the ones that only measure (runtime metrics) after the app’s synchronous start, and counts them as started', () => {
    let later: (() => void) | undefined;
    const { lazy, log } = harness({
      afterStart: (work) => {
        later = work;
        return () => (later = undefined);
      },
    });
    expect(log).toEqual([]);
    expect(lazy.started()).toEqual(['runtime-node']);
    later?.();
    expect(log).toEqual([
      'runtime-node:tracer',
      'runtime-node:meter',
      'runtime-node:enable(true)',
    ]);
    expect(lazy.started()).toEqual(['runtime-node']);
    lazy.stop();
  });

  it('never starts them when stopped first', () => {
    let later: (() => void) | undefined;
    const { lazy, log } = harness({
      afterStart: (work) => {
        later = work;
        return () => (later = undefined);
      },
    });
    lazy.stop();
    expect(later).toBeUndefined();
    expect(lazy.started()).toEqual([]);
    expect(log).toEqual([]);
  });

  it('starts eager ones at once, each lazy one on the first resolve of a module it patches', () => {
    const { lazy, log, resolveSpecifier } = harness();
    expect(lazy.started()).toEqual(['runtime-node']);
    expect(log).toEqual([
      'runtime-node:tracer',
      'runtime-node:meter',
      'runtime-node:enable(true)',
    ]);
    resolveSpecifier('./local');
    resolveSpecifier('express');
    expect(lazy.started()).toEqual(['runtime-node']);
    resolveSpecifier('pg');
    resolveSpecifier('pg-pool');
    resolveSpecifier('pg');
    resolveSpecifier('knex/lib/execution/runner');
    expect(lazy.started()).toEqual(['runtime-node', 'pg', 'knex']);
    expect(log.filter((l) => l.startsWith('pg:'))).toEqual([
      'pg:tracer',
      'pg:meter',
      'pg:enable(true)',
    ]);
    expect(lazy.waiting()).toEqual(
      expect.arrayContaining(['ioredis', 'undici']),
    );
    expect(lazy.waiting()).not.toContain('pg');
    lazy.stop();
    expect(log).toContain('pg:disable');
  });

  it('leaves Express 5’s own router to Express (no layer spans)', () => {
    const { lazy, resolveSpecifier } = harness({
      loadedBeforeStart: [],
      loadedPaths: () => ['/app/node_modules/router/index.js'],
    });
    resolveSpecifier(
      'router',
      'file:///app/node_modules/express/lib/express.js',
    );
    expect(lazy.started()).not.toContain('router');
    // require-in-the-middle's own lookups of the package start nothing either
    resolveSpecifier(
      'router',
      'file:///app/node_modules/require-in-the-middle/index.js',
    );
    expect(lazy.started()).not.toContain('router');
    // Seen by the hook: not a package loaded behind its back.
    expect(lazy.catchUp()).toEqual([]);
    resolveSpecifier('router', 'file:///app/server.js');
    expect(lazy.started()).toContain('router');
    lazy.stop();
    expect(skipTrigger('router', undefined)).toBe(false);
    expect(
      fromHookMachinery(
        'file:///app/node_modules/require-in-the-middle/index.js',
      ),
    ).toBe(true);
    expect(fromHookMachinery('file:///app/server.js')).toBe(false);
    expect(fromHookMachinery(undefined)).toBe(false);
    expect(packageOf('file:///a/node_modules/@grpc/grpc-js/build/x.js')).toBe(
      '@grpc/grpc-js',
    );
    expect(packageOf('/a/node_modules/knex/node_modules/pg/lib/index.js')).toBe(
      'pg',
    );
    expect(packageOf('file:///app/src/x.js')).toBeUndefined();
    expect(
      fromLibrary('/a/node_modules/@opentelemetry/exporter-x/i.js', new Set()),
    ).toBe(true);
    expect(
      fromLibrary('/a/node_modules/protobufjs/i.js', new Set(['protobufjs'])),
    ).toBe(true);
    expect(fromLibrary('/a/node_modules/knex/i.js', new Set())).toBe(false);
    expect(skipTrigger('pg', 'file:///app/node_modules/express/x.js')).toBe(
      false,
    );
  });

  it('notes packages loaded whose instrumentation is off, but not builtins', () => {
    const { lazy, resolveSpecifier } = harness({}, ['http', 'redis']);
    resolveSpecifier('ioredis');
    resolveSpecifier('ioredis');
    resolveSpecifier('node:net');
    expect(lazy.switchedOff()).toEqual([
      { module: 'ioredis', instrumentation: 'ioredis' },
    ]);
    lazy.stop();
  });

  it('starts at once, as late, what the app loaded before telemetry; not what telemetry loaded', () => {
    const path = (pkg: string) => `/app/node_modules/${pkg}/index.js`;
    const { lazy } = harness(
      {
        loadedBeforeStart: [path('pg')],
        loadedPaths: () => [path('pg'), path('@grpc/grpc-js')],
      },
      ['pg', 'grpc', 'knex'],
    );
    expect(lazy.started()).toEqual(['pg']);
    expect(lazy.startedLate().map((i) => i.instrumentationName)).toEqual([
      '@opentelemetry/instrumentation-pg',
    ]);
    // grpc-js was loaded by telemetry itself: it waits for the app, and is never reported late
    expect(lazy.waiting()).toEqual(expect.arrayContaining(['grpc', 'knex']));
    expect(lazy.catchUp()).toEqual([]);
    lazy.stop();
  });

  it('takes a router loaded before start beside express to be Express 5’s', () => {
    const { lazy } = harness(
      {
        loadedBeforeStart: [
          '/app/node_modules/express/index.js',
          '/app/node_modules/router/index.js',
        ],
        loadedPaths: () => [
          '/app/node_modules/express/index.js',
          '/app/node_modules/router/index.js',
        ],
      },
      ['router'],
    );
    expect(lazy.started()).toEqual([]);
    expect(lazy.startedLate()).toEqual([]);
    lazy.stop();
  });

  it('catches up with packages an ES module graph loaded before the hook, and says they were late', () => {
    let paths: string[] = [];
    const { lazy } = harness(
      { loadedBeforeStart: [], loadedPaths: () => paths },
      ['knex'],
    );
    expect(lazy.started()).toEqual([]);
    paths = ['/app/node_modules/knex/knex.js'];
    expect(lazy.catchUp()).toEqual(['knex']);
    expect(lazy.started()).toEqual(['knex']);
    expect(lazy.catchUp()).toEqual([]);
    lazy.stop();
  });

  it('keeps an instrumentation that fails to load off, and says so once', () => {
    const errors: string[] = [];
    const { lazy, resolveSpecifier } = harness(
      {
        load: (entry) => {
          throw new Error(`cannot load ${entry.name}`);
        },
        onError: (name, error) =>
          errors.push(`${name}: ${(error as Error).message}`),
      },
      ['pg'],
    );
    resolveSpecifier('pg');
    resolveSpecifier('pg');
    expect(lazy.started()).toEqual([]);
    expect(lazy.waiting()).toEqual([]);
    expect(errors).toEqual(['pg: cannot load pg']);
    lazy.stop();
  });

  it('starts undici on the first read of fetch, before the caller gets it', () => {
    const fetch = () => 'fetched';
    const global = { fetch };
    const { lazy, log } = harness({ global }, ['undici']);
    expect(lazy.started()).toEqual([]);
    expect(global.fetch).toBe(fetch);
    expect(log).toEqual([
      'undici:tracer',
      'undici:meter',
      'undici:enable(true)',
    ]);
    expect(Object.getOwnPropertyDescriptor(global, 'fetch')).toMatchObject({
      value: fetch,
      writable: true,
    });
    lazy.stop();
  });

  it('removes its hooks on stop', () => {
    const { lazy, deregistered } = harness();
    lazy.stop();
    expect(deregistered()).toBe(true);
  });

  describe('with Node’s module channels', () => {
    function channelHarness() {
      let watchers: ModuleWatchers | undefined;
      let stopped = false;
      const h = harness({
        watchModules: (w) => {
          watchers = w;
          return { stop: () => (stopped = true) };
        },
      });
      return {
        ...h,
        require: (id: string, parent?: string) =>
          watchers?.require?.(id, parent),
        firstImport: () => watchers?.firstImport(),
        stopped: () => stopped,
      };
    }

    it('starts a lazy one on the first require of what it patches, with no resolve hook', () => {
      const { lazy, require, registrations } = channelHarness();
      require('express', '/app/server.js');
      require('pg', '/app/db.js');
      require('pg', '/app/db.js');
      expect(lazy.started()).toEqual(['runtime-node', 'pg']);
      expect(registrations()).toBe(0);
      lazy.stop();
    });

    it('ignores what the library’s own packages require', () => {
      const { lazy, require } = channelHarness();
      require('@grpc/grpc-js', '/app/node_modules/@opentelemetry/otlp-grpc-exporter-base/build/index.js');
      require('net', '/app/node_modules/@grpc/grpc-js/build/src/transport.js');
      expect(lazy.started()).toEqual(['runtime-node']);
      lazy.stop();
    });

    it('registers the resolve hook at the first import, once, for static imports', () => {
      const { lazy, firstImport, registrations, resolveSpecifier } =
        channelHarness();
      expect(registrations()).toBe(0);
      firstImport();
      firstImport();
      expect(registrations()).toBe(1);
      resolveSpecifier('ioredis', 'file:///app/cache.mjs');
      expect(lazy.started()).toContain('ioredis');
      lazy.stop();
    });

    it('stops watching on stop', () => {
      const { lazy, stopped } = channelHarness();
      lazy.stop();
      expect(stopped()).toBe(true);
    });
  });
});

describe('onFirstFetch', () => {
  it('fires once on read or write and puts the property back', () => {
    const calls: string[] = [];
    const target = { fetch: 'original' as unknown };
    onFirstFetch(target, () => calls.push('first'));
    target.fetch = 'polyfill';
    expect(target.fetch).toBe('polyfill');
    expect(calls).toEqual(['first']);
    expect(Object.getOwnPropertyDescriptor(target, 'fetch')).toMatchObject({
      value: 'polyfill',
    });
  });

  it('does nothing to a fetch that is not a plain configurable property', () => {
    const target = {};
    Object.defineProperty(target, 'fetch', { value: 1, configurable: false });
    expect(onFirstFetch(target, () => undefined)).toBeUndefined();
    expect(onFirstFetch({}, () => undefined)).toBeUndefined();
  });
});
