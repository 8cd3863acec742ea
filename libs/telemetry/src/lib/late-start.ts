/**
 * "Started too late": the instrumentations can only patch a package that is loaded after they
 * were created (require) or after the loader hook was registered (import). Started later, the
 * app runs fine and the spans still arrive, but the package's part of them is missing — for
 * express, every server span is named just `GET`, without `http.route`. This file notices and
 * says so once, instead of leaving the user to wonder — as it does, once, for a package the app
 * loaded whose instrumentation is switched off (watchSwitchedOff).
 *
 * How it knows, for both module systems. Node keeps every CommonJS module it has loaded in
 * `require.cache`, whether `require()` or an `import` loaded it (express, pino and most
 * instrumented packages are CommonJS). An instrumentation records on its module definition that
 * its hook saw the package — the version (`moduleVersion`) and the exports of the main file or of
 * the files inside it that it patches (knex patches only `knex/lib/…`). So:
 *
 * 1. at start: a patched package already in `require.cache` was loaded before the hooks existed
 *    (a CommonJS app that required express before startTelemetry());
 * 2. right after the code that ran with the start has finished (next turn of the event loop),
 *    and again at the first HTTP request the process serves: a package in `require.cache` that
 *    its instrumentation never saw (and, for the instrumentations that start on first use, a
 *    package the resolve hook never saw: `alsoLate`). This is the ES module case: an app whose first import starts
 *    telemetry has had its static imports, express among them, *loaded* before that first
 *    module's body ran, so the loader hook registered there came too late — even though express
 *    is *evaluated* after it and only shows up in the cache then.
 *
 * A package loaded later through the hooks is patched and says nothing; one that is bundled into
 * the app is not in `require.cache` at all (the bundler guide in the README covers that); a
 * package that is an ES module only is not in `require.cache` either, so it goes unnoticed.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { isBuiltin } from 'node:module';
import { sep } from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import {
  switchedOffNote,
  type SwitchedOff,
} from './instrumentation-selection.js';

/** What an instrumentation exposes about the packages it patches (InstrumentationBase). */
interface ModuleDefinition {
  readonly name: string;
  readonly moduleExports?: unknown;
  /** Set by InstrumentationBase whenever its hook saw the package: its main file or any file. */
  readonly moduleVersion?: string;
  readonly files?: ReadonlyArray<{ readonly moduleExports?: unknown }>;
}

/**
 * Whether the instrumentation's hook saw (and so could patch) the package. Not only its main
 * file: knex's and pg's instrumentations patch files inside the package (`knex/lib/…`) and leave
 * the main export alone, so the main definition's `moduleExports` stays empty even when every
 * query gets its span. Pure.
 */
export function sawPackage(definition: ModuleDefinition): boolean {
  return (
    definition.moduleExports !== undefined ||
    definition.moduleVersion !== undefined ||
    (definition.files ?? []).some((file) => file.moduleExports !== undefined)
  );
}

/**
 * The module definitions an instrumentation patches with: InstrumentationBase keeps them in
 * `_modules` and records `moduleExports` on them when it patches. (`getModuleDefinitions()` calls
 * `init()` again and returns fresh objects, which never record anything.) An instrumentation
 * without them cannot be checked after start, only at start.
 */
function liveDefinitions(instrumentation: Instrumentation): {
  definitions: readonly ModuleDefinition[];
  live: boolean;
} {
  const modules = (instrumentation as { _modules?: unknown })._modules;
  if (Array.isArray(modules))
    return { definitions: modules as ModuleDefinition[], live: true };
  const fresh =
    (
      instrumentation as {
        getModuleDefinitions?: () => readonly ModuleDefinition[];
      }
    ).getModuleDefinitions?.() ?? [];
  return { definitions: fresh, live: false };
}

/** A package some instrumentation patches, and whether one of them has patched it. */
export interface WatchedPackage {
  readonly name: string;
  /** undefined: cannot be told (no live definitions). */
  readonly patched: () => boolean | undefined;
}

/** The packages (not builtins, not absolute paths) the instrumentations patch. */
export function watchedPackages(
  instrumentations: readonly Instrumentation[],
): WatchedPackage[] {
  const watched = new Map<
    string,
    { definitions: ModuleDefinition[]; live: boolean }
  >();
  for (const instrumentation of instrumentations) {
    const { definitions, live } = liveDefinitions(instrumentation);
    for (const definition of definitions) {
      if (isBuiltin(definition.name) || definition.name.startsWith('/'))
        continue;
      const entry = watched.get(definition.name) ?? {
        definitions: [],
        live: true,
      };
      entry.definitions.push(definition);
      entry.live &&= live;
      watched.set(definition.name, entry);
    }
  }
  return [...watched].map(([name, { definitions, live }]) => ({
    name,
    patched: () => definitions.some(sawPackage) || (live ? false : undefined),
  }));
}

/** Whether any file of package `name` is among the loaded module paths. Pure. */
export function isLoaded(
  name: string,
  loadedPaths: Iterable<string>,
  separator: string = sep,
): boolean {
  const marker = `${separator}node_modules${separator}${name.split('/').join(separator)}${separator}`;
  for (const path of loadedPaths) if (path.includes(marker)) return true;
  return false;
}

/** The one warning line for packages loaded too late to be patched. Pure. */
export function lateStartMessage(names: readonly string[]): string {
  const list = names.join(', ');
  const one = names.length === 1;
  const express = names.includes('express')
    ? ' (server spans get no http.route and are named after the HTTP method only)'
    : '';
  return (
    `${list} ${one ? 'was' : 'were'} loaded before telemetry started, so ${one ? 'its' : 'their'} ` +
    `instrumentation cannot patch ${one ? 'it' : 'them'}${express}. Start telemetry before the app loads: ` +
    '`node --import @otel-dice/telemetry/register app.js`, or `node --import ./telemetry.js app.js` with ' +
    'a start module of your own (an ES module app needs --import: its static imports load before any of ' +
    'its code runs); in CommonJS, call startTelemetry() before require()'
  );
}

export interface LateStartWatch {
  /** Stops the later checks (shutdown). */
  stop(): void;
}

export interface LateStartOptions {
  readonly instrumentations: readonly Instrumentation[];
  readonly warn: (message: string) => void;
  /** The loaded CommonJS module paths; defaults to the keys of require.cache. */
  readonly loadedPaths?: () => Iterable<string>;
  /** When to check again; defaults to the next event-loop turn and the first HTTP request. */
  readonly later?: (check: () => void) => () => void;
  /**
   * More packages found loaded without their instrumentation having seen them, asked at each
   * later check (the lazy instrumentations: a package an ES module graph imported before the
   * resolve hook existed).
   */
  readonly alsoLate?: () => readonly string[];
}

/**
 * Checks now and later (see the file comment); each package is named at most once, in one line
 * per check that finds any.
 */
export function watchLateStart(options: LateStartOptions): LateStartWatch {
  const packages = watchedPackages(options.instrumentations);
  if (packages.length === 0 && options.alsoLate === undefined)
    return { stop: () => undefined };
  const loadedPaths = options.loadedPaths ?? (() => Object.keys(require.cache));
  const reported = new Set<string>();
  const report = (names: string[]) => {
    const fresh = names.filter((n) => !reported.has(n));
    if (fresh.length === 0) return;
    for (const name of fresh) reported.add(name);
    options.warn(lateStartMessage(fresh));
  };
  const loaded = (name: string) => isLoaded(name, loadedPaths());

  // 1. Already loaded now: the hooks did not exist when it was.
  report(packages.filter((p) => loaded(p.name)).map((p) => p.name));

  // 2. Loaded since, but never seen by its instrumentation.
  const check = () =>
    report([
      ...packages
        .filter(
          (p) =>
            !reported.has(p.name) && loaded(p.name) && p.patched() === false,
        )
        .map((p) => p.name),
      ...(options.alsoLate?.() ?? []),
    ]);
  const cancel = (options.later ?? nextTurnAndFirstRequest)(check);
  return { stop: cancel };
}

/**
 * Says once — on the next event-loop turn, after the app's own start-up code, or at its first
 * HTTP request — which packages the app loaded whose instrumentation is switched off.
 */
export function watchSwitchedOff(
  lazy: { switchedOff(): readonly SwitchedOff[] },
  enabled: readonly string[],
  warn: (note: string) => void,
  later: (check: () => void) => () => void = nextTurnAndFirstRequest,
): { stop(): void } {
  let said = false;
  const stop = later(() => {
    if (said) return;
    const note = switchedOffNote(lazy.switchedOff(), enabled);
    if (note === undefined) return;
    said = true;
    warn(note);
  });
  return { stop };
}

const REQUEST_START = 'http.server.request.start';

/** Runs `check` on the next event-loop turn and at the first incoming HTTP request. */
export function nextTurnAndFirstRequest(check: () => void): () => void {
  const immediate = setImmediate(check);
  let subscribed = true;
  const onRequest = () => {
    stop();
    check();
  };
  const stop = () => {
    clearImmediate(immediate);
    if (subscribed) unsubscribe(REQUEST_START, onRequest);
    subscribed = false;
  };
  subscribe(REQUEST_START, onRequest);
  return stop;
}
