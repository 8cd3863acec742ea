/**
 * Node's own module-loading channels (`node:diagnostics_channel`'s `module.require` and
 * `module.import` tracing channels): what is about to be required or imported, told before it
 * loads.
 *
 * Why not a resolve hook (`module.registerHooks`) for this: a registered hook takes every
 * `require()` of the process off Node's fast resolution path — measured at about 50 µs a module on
 * Node 24, some 30 ms of CPU for the ~550 files an Express + knex + pg + ioredis app requires
 * (docs/benchmarks.md, issue 19). A subscriber to the channel costs next to nothing. A resolve hook
 * is still what sees an ES module's static imports (the channel reports only an import's start:
 * the entry point and each `import()`), so one is registered at the first import and not before.
 */
import { tracingChannel } from 'node:diagnostics_channel';

interface RequireStart {
  readonly id?: unknown;
  readonly parentFilename?: unknown;
}
interface ImportStart {
  readonly id?: unknown;
  readonly parentURL?: unknown;
}

export interface ModuleWatchers {
  /** A `require(id)` is about to run (`parent` is the requiring file's path). */
  readonly require?: (id: string, parent: string | undefined) => void;
  /** The process's first `import` (the entry point or an `import()`) is about to run; once. */
  readonly firstImport: () => void;
}

/** Starts watching; undefined when this Node does not publish the channels. */
export type WatchModules = (
  watchers: ModuleWatchers,
) => { stop(): void } | undefined;

let publishes: boolean | undefined;

/**
 * Whether this Node publishes `module.require` (its `start` for a builtin is enough to tell):
 * asked once, by requiring `node:os`, which every Node has loaded already.
 */
function channelsPublish(): boolean {
  if (publishes !== undefined) return publishes;
  let seen = false;
  const probe = { start: () => (seen = true) };
  const channel = tracingChannel<unknown, RequireStart>('module.require');
  channel.subscribe(probe as never);
  try {
    require('node:os');
  } finally {
    channel.unsubscribe(probe as never);
  }
  return (publishes = seen);
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : value instanceof URL
      ? value.href
      : undefined;

export const watchModuleLoads: WatchModules = (watchers) => {
  if (!channelsPublish()) return undefined;
  const requires = tracingChannel<unknown, RequireStart>('module.require');
  const imports = tracingChannel<unknown, ImportStart>('module.import');
  const watchRequire = watchers.require;
  const onRequire = {
    start: (message: RequireStart) => {
      const id = text(message.id);
      if (id !== undefined) watchRequire?.(id, text(message.parentFilename));
    },
  };
  let imported = false;
  const onImport = {
    start: () => {
      if (imported) return;
      imported = true;
      // Not from inside the publish that is running this: the next turn.
      setImmediate(() => imports.unsubscribe(onImport as never)).unref();
      watchers.firstImport();
    },
  };
  if (watchRequire) requires.subscribe(onRequire as never);
  imports.subscribe(onImport as never);
  return {
    stop: () => {
      if (watchRequire) requires.unsubscribe(onRequire as never);
      if (!imported) imports.unsubscribe(onImport as never);
    },
  };
};
