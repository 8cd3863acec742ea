/**
 * Instrument what the app loads, at the cost of what it loads.
 *
 * @opentelemetry/auto-instrumentations-node requires every instrumentation package it offers at
 * start (about forty, each with its own require hook), whether or not the app ever loads what
 * they patch. Here each one is required only when the app first *asks for* a module it patches
 * (instrumentation-selection.ts says which), told the specifier before the module is loaded — by
 * Node's `module.require` channel for `require()`, and for `import` by a resolve hook
 * (`module.registerHooks`) registered at the first import (module-channels.ts says why not
 * before) — so the instrumentation exists, and its own hooks are in place, before the first load
 * of its module:
 *
 * - CommonJS: require-in-the-middle patches a module when `require()` returns it. A hook created
 *   while a `require('ioredis')` is already under way is not part of that call, though, so the
 *   wrapper below (installed at start, so it is part of every later call) asks for the module
 *   once more when the call that started an instrumentation returns; the new hook sees it then
 *   and patches it before the caller gets it. Files the package loads while it loads
 *   (`knex/lib/execution/runner.js`) pass the new hook anyway.
 * - ES modules: import-in-the-middle's loader hook (esm-hook.ts, registered for every module
 *   listed in `esmModules`) wraps the module when it is loaded and applies the hooks that exist
 *   when it is evaluated, which is after this resolve.
 * - Node's global `fetch` is resolved from nowhere: the first read of `globalThis.fetch` starts
 *   the undici instrumentation, before the request is made.
 *
 * Packages loaded before telemetry started (in `require.cache` at start) start their
 * instrumentation at once; late-start.ts says whether it could still patch them.
 */
import { createRequire, isBuiltin, Module } from 'node:module';
import {
  diag,
  type MeterProvider,
  type TracerProvider,
} from '@opentelemetry/api';
import type {
  Instrumentation,
  InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import {
  INSTRUMENTATION_PACKAGE_PREFIX,
  INSTRUMENTATION_TABLE,
  type InstrumentationEntry,
} from './instrumentation-table.js';
import {
  LIBRARY_INSTRUMENTATIONS,
  MEASURE_ONLY,
  modulesOf,
  specifierKeys,
  triggerIndex,
  type InstrumentationPlan,
  type SwitchedOff,
} from './instrumentation-selection.js';
import { isLoaded } from './late-start.js';
import { watchModuleLoads, type WatchModules } from './module-channels.js';

export interface LazyInstrumentationsOptions {
  readonly plan: InstrumentationPlan;
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  /** The SDK's LoggerProvider, for instrumentations that send logs (bunyan, winston). */
  readonly loggerProvider?: object;
  /** Configuration per instrumentation name (e.g. a request hook); default `{}`. */
  readonly configs?: Readonly<Record<string, InstrumentationConfig>>;
  /** Told once per instrumentation started: its name and what started it. */
  readonly onStart?: (name: string, trigger: string) => void;
  /** Told when an instrumentation could not be loaded; it stays off. */
  readonly onError?: (name: string, error: unknown) => void;
  /** The loaded CommonJS module paths; default the keys of require.cache. */
  readonly loadedPaths?: () => Iterable<string>;
  /**
   * The module paths that were loaded when telemetry began to start (default: those loaded
   * now). Packages loaded since, before this call, were loaded by telemetry itself (the gRPC
   * exporter's @grpc/grpc-js): they start their instrumentation when the app asks for them, and
   * are never "loaded too late".
   */
  readonly loadedBeforeStart?: readonly string[];
  /** Creates an instrumentation (tests); default: required from auto-instrumentations-node's tree. */
  readonly load?: (entry: InstrumentationEntry) => Instrumentation;
  /** Where `fetch` lives (tests); default globalThis. */
  readonly global?: object;
  /**
   * Runs `work` once the app has started, returning a cancel (tests run it at once); default
   * a second after telemetry started (`afterTheStart`).
   */
  readonly afterStart?: (work: () => void) => () => void;
  /**
   * Watches requires and the first import through Node's module channels (tests); default
   * `watchModuleLoads`. Undefined from it (a Node that does not publish them): the resolve hook
   * is registered at once and sees everything.
   */
  readonly watchModules?: WatchModules;
  /** Registers the resolve hook (tests); default `module.registerHooks`. */
  readonly registerHooks?: (hooks: {
    resolve: ResolveHook;
  }) => { deregister(): void } | undefined;
}

type ResolveHook = (
  specifier: string,
  context: { parentURL?: string },
  nextResolve: (specifier: string, context?: unknown) => unknown,
) => unknown;

export interface LazyInstrumentations {
  /** Names of the instrumentations running, in the order they started. */
  started(): string[];
  /** Names still waiting for their module. */
  waiting(): string[];
  /** The running instances. */
  instrumentations(): Instrumentation[];
  /** Those started because the app had loaded their package before telemetry started. */
  startedLate(): Instrumentation[];
  /** Packages the app loaded whose instrumentation is switched off. */
  switchedOff(): SwitchedOff[];
  /**
   * Starts the instrumentations of packages that are loaded now although the resolve hook never
   * saw them (an ES module graph imported them before telemetry started) and returns those
   * packages: they were loaded too late to be patched on their first load (late-start.ts).
   */
  catchUp(): string[];
  /** Modules import-in-the-middle must intercept so ES module imports get patched. */
  readonly esmModules: readonly string[];
  /** Disables what was started and removes every hook. */
  stop(): void;
}

/**
 * Starts the plan's eager instrumentations now and its lazy ones on first use (see the file
 * comment). Never throws for an instrumentation that fails to load: `onError` hears of it.
 */
export function startLazyInstrumentations(
  options: LazyInstrumentationsOptions,
): LazyInstrumentations {
  const { plan } = options;
  const byName = new Map(INSTRUMENTATION_TABLE.map((e) => [e.name, e]));
  const load = options.load ?? loadFromAutoInstrumentations;
  const running = new Map<string, Instrumentation>();
  const failed = new Set<string>();
  const lazy = new Set(plan.lazy);
  const lazyTriggers = triggerIndex(plan.lazy);
  // Packages only: a builtin such as net is loaded by half of npm, so naming it says nothing.
  const offTriggers = triggerIndex(
    plan.off.filter((n) => !LIBRARY_INSTRUMENTATIONS.includes(n)),
  );
  const switchedOff = new Map<string, SwitchedOff>();
  /** Specifiers whose require() started an instrumentation and must be asked for again. */
  const askAgain = new Set<string>();
  /** Modules the resolve hook saw (started, or left alone on purpose): never "loaded unseen". */
  const seen = new Set<string>();

  const start = (name: string, trigger: string): boolean => {
    if (running.has(name) || failed.has(name)) return false;
    const entry = byName.get(name);
    if (entry === undefined) return false;
    try {
      const instrumentation = load(entry);
      // As registerInstrumentations() does: providers first, then enable (which hooks).
      instrumentation.setTracerProvider(options.tracerProvider);
      instrumentation.setMeterProvider(options.meterProvider);
      if (options.loggerProvider)
        (
          instrumentation as {
            setLoggerProvider?: (provider: object) => void;
          }
        ).setLoggerProvider?.(options.loggerProvider);
      // Created disabled so nothing is hooked before the providers are in; some instrumentations
      // (undici) read `enabled` from their configuration on every call.
      instrumentation.setConfig({
        ...instrumentation.getConfig(),
        enabled: true,
      });
      instrumentation.enable();
      running.set(name, instrumentation);
      options.onStart?.(name, trigger);
      return true;
    } catch (error) {
      failed.add(name);
      options.onError?.(name, error);
      return false;
    }
  };

  function loadFromAutoInstrumentations(
    entry: InstrumentationEntry,
  ): Instrumentation {
    const exports = autoRequire()(
      `${INSTRUMENTATION_PACKAGE_PREFIX}${entry.name}`,
    ) as Record<string, new (config: InstrumentationConfig) => Instrumentation>;
    const Class = exports[entry.className];
    if (typeof Class !== 'function')
      throw new Error(
        `${INSTRUMENTATION_PACKAGE_PREFIX}${entry.name} has no ${entry.className}`,
      );
    return new Class({
      ...(options.configs?.[entry.name] ?? {}),
      enabled: false,
    });
  }

  /**
   * Packages the library's own code loaded — an OTLP exporter's @grpc/grpc-js at its first
   * export (lazy-exporter.ts) — and what they load in turn: not the app's use, so they start no
   * instrumentation (the exporter's calls are not the app's calls) and are never "loaded
   * unseen". An app that requires such a package itself still starts its instrumentation then.
   */
  const libraryPackages = new Set<string>();

  // The resolve hook: the first resolve of a watched module starts (or notes) its instrumentation.
  const onResolve = (specifier: string, parentURL: string | undefined) => {
    if (fromHookMachinery(parentURL)) return;
    const keys = specifierKeys(specifier);
    if (keys === undefined) return;
    if (fromLibrary(parentURL, libraryPackages)) {
      for (const key of keys)
        if (!isBuiltin(key)) {
          libraryPackages.add(key);
          seen.add(key);
        }
      return;
    }
    for (const key of keys) {
      const names = lazyTriggers.get(key);
      if (names !== undefined) {
        seen.add(key);
        for (const name of names) {
          if (!lazy.has(name) || skipTrigger(name, parentURL)) continue;
          if (start(name, key)) askAgain.add(specifier);
        }
        if (names.every((n) => running.has(n) || failed.has(n)))
          lazyTriggers.delete(key);
      }
      const off = offTriggers.get(key);
      if (off !== undefined && !isBuiltin(key)) {
        for (const name of off)
          if (!switchedOff.has(`${key}\0${name}`))
            switchedOff.set(`${key}\0${name}`, {
              module: key,
              instrumentation: name,
            });
        offTriggers.delete(key);
      }
    }
  };

  // 1. Eager ones now — but those that patch nothing and only measure the process (runtime and
  // host metrics) once the app has started: nothing of theirs needs to be in place before the
  // app's modules load, and neither the app's start nor its first requests need wait for them.
  for (const name of plan.eager)
    if (!MEASURE_ONLY.includes(name)) start(name, 'start');
  const measuring = plan.eager.filter((n) => MEASURE_ONLY.includes(n));
  let measuringPending = measuring.length > 0;
  const cancelMeasuring = measuringPending
    ? (options.afterStart ?? afterTheStart)(() => {
        measuringPending = false;
        for (const name of measuring) start(name, 'start');
      })
    : undefined;

  // 2. Lazy ones whose package is loaded already (CommonJS loaded before telemetry started).
  const loadedPaths = options.loadedPaths ?? (() => Object.keys(require.cache));
  const loadedAtCall = [...loadedPaths()];
  const loadedBefore = options.loadedBeforeStart ?? loadedAtCall;
  /** Loaded by telemetry while it started: not the app's, never late. */
  const byTelemetry = new Set(
    [...lazyTriggers.keys()].filter(
      (m) =>
        !isBuiltin(m) &&
        isLoaded(m, loadedAtCall) &&
        !isLoaded(m, loadedBefore),
    ),
  );
  const lateStarted = new Map<string, Instrumentation>();
  const catchUp = (
    loadedNow: readonly string[] = [...loadedPaths()],
  ): string[] => {
    const late: string[] = [];
    for (const [module, names] of [...lazyTriggers]) {
      if (isBuiltin(module) || byTelemetry.has(module) || seen.has(module))
        continue;
      if (module === 'router' && isLoaded('express', loadedNow)) continue;
      if (!isLoaded(module, loadedNow)) continue;
      for (const name of names) {
        if (!lazy.has(name) || !start(name, module)) continue;
        lateStarted.set(name, running.get(name) as Instrumentation);
        if (!late.includes(module)) late.push(module);
      }
      lazyTriggers.delete(module);
    }
    return late;
  };
  catchUp(loadedBefore);

  // 3. What sees the rest: every require() through Node's module channel, and from the first
  // import on, a resolve hook for ES modules' static imports (module-channels.ts says why the
  // hook waits); where the channels are not published, the hook from now on.
  let deregister: (() => void) | undefined;
  let unwatch: (() => void) | undefined;
  let unwrapRequire: (() => void) | undefined;
  let restoreFetch: (() => void) | undefined;
  if (lazyTriggers.size > 0 || offTriggers.size > 0) {
    const onSpecifier = (specifier: string, parent: string | undefined) => {
      try {
        onResolve(specifier, parent);
      } catch (error) {
        diag.error(`lazy instrumentations: resolve of ${specifier}`, error);
      }
    };
    const register = options.registerHooks ?? defaultRegisterHooks;
    const registerResolveHook = (): boolean => {
      if (deregister) return true;
      const handle = register({
        resolve: (specifier, context, nextResolve) => {
          onSpecifier(specifier, context.parentURL);
          return nextResolve(specifier, context);
        },
      });
      deregister = handle ? () => handle.deregister() : undefined;
      return handle !== undefined;
    };
    const watch = (options.watchModules ?? watchModuleLoads)({
      require: onSpecifier,
      firstImport: () => void registerResolveHook(),
    });
    unwatch = watch ? () => watch.stop() : undefined;
    const watching = watch !== undefined || registerResolveHook();
    if (watching && plan.lazy.length > 0)
      unwrapRequire = askAgainAfterRequire(askAgain);
  }
  if (lazy.has('undici') && !running.has('undici'))
    restoreFetch = onFirstFetch(options.global ?? globalThis, () =>
      start('undici', 'fetch'),
    );

  return {
    // The measuring ones count as started from the moment they are scheduled: they will be.
    started: () => [
      ...running.keys(),
      ...(measuringPending
        ? measuring.filter((n) => !running.has(n) && !failed.has(n))
        : []),
    ],
    waiting: () => plan.lazy.filter((n) => !running.has(n) && !failed.has(n)),
    instrumentations: () => [...running.values()],
    startedLate: () => [...lateStarted.values()],
    catchUp: () => catchUp(),
    switchedOff: () => [...switchedOff.values()],
    esmModules: modulesOf(plan.lazy),
    stop: () => {
      cancelMeasuring?.();
      measuringPending = false;
      unwatch?.();
      deregister?.();
      unwrapRequire?.();
      restoreFetch?.();
      for (const instrumentation of running.values()) instrumentation.disable();
    },
  };
}

/**
 * The router instrumentation is for apps on the `router` package itself; Express 5 resolves
 * `router` from its own files, and its layers are Express middleware, whose spans stay off by
 * default (see instrumentations.ts). (A `router` found already loaded beside express, by the
 * catch-up, is taken to be Express's too.) Pure.
 */
export function skipTrigger(
  name: string,
  parentURL: string | undefined,
): boolean {
  return (
    name === 'router' &&
    parentURL !== undefined &&
    /[/\\]node_modules[/\\]express[/\\]/.test(parentURL)
  );
}

/**
 * require-in-the-middle resolves the package of every module it sees (`require.resolve(name,
 * { paths })`) to tell its main file from its internal ones: those resolves are the
 * instrumentation's own bookkeeping, not the app loading anything. Pure.
 */
export function fromHookMachinery(parentURL: string | undefined): boolean {
  return (
    parentURL !== undefined &&
    /[/\\]node_modules[/\\](?:require|import)-in-the-middle[/\\]/.test(
      parentURL,
    )
  );
}

/** The package a module URL or path belongs to (its last `node_modules/<name>`). Pure. */
export function packageOf(parentURL: string | undefined): string | undefined {
  if (parentURL === undefined) return undefined;
  const path = parentURL.replace(/\\/g, '/');
  const at = path.lastIndexOf('/node_modules/');
  if (at === -1) return undefined;
  const [first, second] = path.slice(at + '/node_modules/'.length).split('/');
  if (first === undefined || first === '') return undefined;
  return first.startsWith('@') && second ? `${first}/${second}` : first;
}

/**
 * Whether a resolve comes from the library's own dependencies: an OpenTelemetry package (the
 * SDK, an exporter) or a package one of them loaded (`libraryPackages`). Pure.
 */
export function fromLibrary(
  parentURL: string | undefined,
  libraryPackages: ReadonlySet<string>,
): boolean {
  const name = packageOf(parentURL);
  return (
    name !== undefined &&
    (name.startsWith('@opentelemetry/') || libraryPackages.has(name))
  );
}

/**
 * When the measuring instrumentations start: a second after telemetry did, not holding the
 * process open. Not the next turn of the event loop: an app whose start waits for I/O (a
 * database connection, say) listens after many turns, and loading runtime metrics (a synchronous
 * require and a dozen instruments) then delayed its readiness. What is lost is the event-loop
 * delay and GC of the first second, which are the start's, not the service's; a process that
 * ends within it reports no runtime metrics. Moved, not removed: the same work runs a second later.
 */
export const MEASURING_DELAY_MS = 1000;

function afterTheStart(work: () => void): () => void {
  const timer = setTimeout(work, MEASURING_DELAY_MS);
  timer.unref();
  return () => clearTimeout(timer);
}

let cachedAutoRequire: NodeJS.Require | undefined;
function autoRequire(): NodeJS.Require {
  // @opentelemetry/auto-instrumentations-node's tree holds one pinned set of the instrumentation
  // packages: they are its dependencies, not ours, so they are resolved from there.
  cachedAutoRequire ??= createRequire(
    require.resolve('@opentelemetry/auto-instrumentations-node'),
  );
  return cachedAutoRequire;
}

function defaultRegisterHooks(hooks: {
  resolve: ResolveHook;
}): { deregister(): void } | undefined {
  const register = (
    Module as unknown as {
      registerHooks?: (hooks: unknown) => { deregister(): void };
    }
  ).registerHooks;
  if (typeof register !== 'function') return undefined;
  try {
    return register(hooks);
  } catch (error) {
    // Only where a module system of its own stands in for Node's (Jest refuses the call): the
    // instrumentations that start on first use then stay off; eager ones still run.
    diag.warn(
      'lazy instrumentations: module.registerHooks() is unavailable here; instrumentations that start on first use stay off',
      error,
    );
    return undefined;
  }
}

type RequireFunction = (this: unknown, id: string) => unknown;

/**
 * Wraps `Module.prototype.require` so a `require(id)` that started an instrumentation returns
 * what a second `require(id)` gives: Node's cached module, passed through the hook the new
 * instrumentation added (see the file comment). Returns the undo; if someone wrapped require
 * since, the wrapper stays in their chain and only passes calls on.
 */
function askAgainAfterRequire(askAgain: Set<string>): () => void {
  const proto = Module.prototype as unknown as { require: RequireFunction };
  const original = proto.require;
  let active = true;
  const wrapped: RequireFunction = function (this: unknown, id: string) {
    // eslint-disable-next-line prefer-rest-params
    const exports = original.apply(this, arguments as unknown as [string]);
    if (!active || askAgain.size === 0 || !askAgain.delete(id)) return exports;
    // eslint-disable-next-line prefer-rest-params
    return proto.require.apply(this, arguments as unknown as [string]);
  };
  proto.require = wrapped;
  return () => {
    active = false;
    if (proto.require === wrapped) proto.require = original;
  };
}

/**
 * Calls `onFirst` the first time `target.fetch` is read (or replaced), before the caller gets
 * it, then puts the property back as it was. Returns the undo. Nothing happens when `fetch` is
 * not a plain configurable property.
 */
export function onFirstFetch(
  target: object,
  onFirst: () => void,
): (() => void) | undefined {
  const descriptor = Object.getOwnPropertyDescriptor(target, 'fetch');
  if (
    descriptor === undefined ||
    !descriptor.configurable ||
    !('value' in descriptor)
  )
    return undefined;
  let done = false;
  const restore = () => {
    if (done) return;
    done = true;
    Object.defineProperty(target, 'fetch', descriptor);
  };
  Object.defineProperty(target, 'fetch', {
    configurable: true,
    enumerable: descriptor.enumerable,
    get() {
      restore();
      onFirst();
      return (target as { fetch?: unknown }).fetch;
    },
    set(value: unknown) {
      restore();
      Object.defineProperty(target, 'fetch', { ...descriptor, value });
      onFirst();
    },
  });
  return restore;
}
