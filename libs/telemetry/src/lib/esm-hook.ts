/**
 * The ES module half of the instrumentations' hooks.
 *
 * An instrumentation patches a package when it is loaded. For `require()` that happens through
 * require-in-the-middle, which startTelemetry() installs by creating the instrumentations. A
 * package brought in by `import` never passes through `require()`: it is only seen by
 * import-in-the-middle's *loader hook*, which Node runs for every module it resolves and loads
 * from then on. This file registers that hook, once per process, for the packages the
 * instrumentations patch and nothing else.
 *
 * Two ways exist, with the same import-in-the-middle code behind them:
 * - `sync`: `module.registerHooks()` (in-thread, synchronous), import-in-the-middle's
 *   `register-hooks.mjs`. No worker thread, no message channel, and not deprecated. Needs a Node
 *   with nodejs/node#59929 (22.22.3, 24.11.1, 25.1.0, 26+); import-in-the-middle's
 *   `supportsSyncHooks()` decides.
 * - `async`: `module.register('@opentelemetry/instrumentation/hook.mjs')`, the hook the
 *   OpenTelemetry instrumentation package exports for this. Runs on a loader thread; documented
 *   as deprecated from Node 25 (DEP0205), runtime-deprecated in 26.
 *
 * Either way the hook only helps modules that are loaded *after* it: an ES module app's static
 * imports are all loaded before its first module body runs, so telemetry has to start from
 * `node --import` (see the README). late-start.ts says so when it did not.
 *
 * The sync hooks run for every `require()` too — a resolve and a load step each, the load step
 * making Node pass every CommonJS file it reads through the hook chain — where they have nothing
 * to do (CommonJS is require-in-the-middle's). A CommonJS app paid that on every module it
 * loaded (docs/benchmarks.md, issue 19). So they are installed when the first `import` starts —
 * for an ES module app its entry point, before any of the entry's imports; in a CommonJS app its
 * first `import()` — which Node's `module.import` channel tells (module-channels.ts) without a
 * hook of its own: any registered resolve step, even one that only looks, costs every require()
 * the same again. Where Node does not publish the channel, one resolve step that only looks at
 * the conditions stands in, and then, in a CommonJS app, the very first `import()` itself, if it
 * names an ES-module-only package an instrumentation patches, is not wrapped (a package with a
 * CommonJS build is patched through require-in-the-middle either way). An ES module graph loaded
 * by `require()` (Node's require(esm)) starts no import: it is wrapped only if an import came
 * before it.
 */
import { createRequire, isBuiltin, Module, register } from 'node:module';
import { diag } from '@opentelemetry/api';
import { pathToFileURL } from 'node:url';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { watchModuleLoads, type WatchModules } from './module-channels.js';

export type EsmLoaderHookMode = 'auto' | 'sync' | 'async';

export type EsmLoaderHookState =
  | {
      readonly status: 'registered';
      readonly mode: 'sync' | 'async';
      /** Modules whose imports are intercepted (grows with later starts in sync mode). */
      readonly modules: readonly string[];
    }
  | { readonly status: 'skipped' | 'failed'; readonly reason: string };

/** The package whose hook.mjs (and whose import-in-the-middle) the instrumentations use. */
const INSTRUMENTATION_PACKAGE = '@opentelemetry/instrumentation';
const ASYNC_HOOK = `${INSTRUMENTATION_PACKAGE}/hook.mjs`;

/** Process-wide: a bundled app can carry two copies of this file, Node has one loader. */
const STATE = Symbol.for('@otel-dice/telemetry.esm-loader-hook');

interface ProcessState {
  state: EsmLoaderHookState;
  /** What the registered hook intercepts; a sync hook reads it on every resolve. */
  modules: Set<string>;
}

type GlobalWithState = typeof globalThis & { [STATE]?: ProcessState };

/**
 * The modules the instrumentations patch: the names of their module definitions (`express`,
 * `http`, `pino`, …). Absolute paths (file instrumentations) are left out.
 */
export function instrumentedModuleNames(
  instrumentations: readonly Instrumentation[],
): string[] {
  const names = new Set<string>();
  for (const instrumentation of instrumentations) {
    const definitions = (
      instrumentation as {
        getModuleDefinitions?: () => ReadonlyArray<{ name: string }>;
      }
    ).getModuleDefinitions?.();
    for (const { name } of definitions ?? [])
      if (!name.startsWith('/')) names.add(name);
  }
  return [...names];
}

/**
 * Whether import-in-the-middle should intercept the import of `specifier` resolved to `url`:
 * a builtin by its name with or without `node:`, a package by its bare name or any file inside
 * it (an ES module package's own files are imported by relative URL). Pure.
 */
export function interceptsImport(
  modules: ReadonlySet<string>,
  url: string,
  specifier: string,
): boolean {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  if (modules.has(bare)) return true;
  if (url.startsWith('node:')) return modules.has(url.slice(5));
  for (const name of modules) {
    if (isBuiltin(name)) continue;
    if (url.includes(`/node_modules/${name}/`)) return true;
  }
  return false;
}

/**
 * An import-in-the-middle loader given on the command line (`--import`/`--loader` of
 * import-in-the-middle or of @opentelemetry/instrumentation/hook.mjs): then it is not registered
 * a second time. Pure.
 */
export function loaderOnCommandLine(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): boolean {
  const args = [...execArgv, ...(nodeOptions?.split(/\s+/) ?? [])];
  return args.some(
    (arg) =>
      /import-in-the-middle\/hook\.mjs/.test(arg) || arg.includes(ASYNC_HOOK),
  );
}

/** Chooses the mechanism: `auto` is sync where this Node can run it. Pure. */
export function chooseMode(
  mode: EsmLoaderHookMode,
  syncSupported: boolean,
): 'sync' | 'async' {
  if (mode === 'auto') return syncSupported ? 'sync' : 'async';
  return mode;
}

export interface RegisterEsmLoaderHookOptions {
  readonly modules: readonly string[];
  readonly mode?: EsmLoaderHookMode;
  /** Defaults to the process's; for tests. */
  readonly execArgv?: readonly string[];
  /** NODE_OPTIONS as resolved into the configuration (its extension's `node_options`). */
  readonly nodeOptions?: string;
  /** `module.registerHooks` (tests). */
  readonly registerHooks?: RegisterHooks;
}

type ResolveContext = { readonly conditions?: readonly string[] };
type RegisterHooks = (hooks: {
  resolve: (
    specifier: string,
    context: ResolveContext,
    nextResolve: (specifier: string, context: ResolveContext) => unknown,
  ) => unknown;
}) => { deregister(): void };

function defaultRegisterHooks(
  hooks: Parameters<RegisterHooks>[0],
): ReturnType<RegisterHooks> {
  const register = (Module as unknown as { registerHooks?: RegisterHooks })
    .registerHooks;
  if (typeof register !== 'function')
    throw new Error('module.registerHooks() is not available');
  return register(hooks);
}

/**
 * Calls `install` at the first resolve made for an `import` (see the file comment), then takes
 * its own resolve step away (on the next turn: not from inside the chain that is running it).
 * Throws when the step cannot be registered.
 */
export function onFirstImport(
  registerHooks: RegisterHooks,
  install: () => void,
  watchModules: WatchModules = watchModuleLoads,
): void {
  const installing = () => {
    try {
      install();
    } catch (error) {
      diag.error(
        'the ES module loader hook could not be registered: packages loaded with import are not instrumented',
        error,
      );
    }
  };
  // Node's module.import channel says when the first import starts, at no cost to require();
  // a Node that does not publish it gets the resolve step below.
  if (watchModules({ firstImport: installing }) !== undefined) return;
  let armed = true;
  const handle = registerHooks({
    resolve: (specifier, context, nextResolve) => {
      if (armed && context.conditions?.includes('import')) {
        armed = false;
        installing();
        setImmediate(() => handle.deregister()).unref();
      }
      return nextResolve(specifier, context);
    },
  });
}

/**
 * Registers import-in-the-middle's loader hook for `modules`, once per process. A later call
 * adds its modules to a sync hook; an async hook keeps the list it was registered with. Never
 * throws: the result says what happened, for the caller to report.
 */
export function registerEsmLoaderHook(
  options: RegisterEsmLoaderHookOptions,
): EsmLoaderHookState {
  const g = globalThis as GlobalWithState;
  const existing = g[STATE];
  if (existing) {
    if (existing.state.status === 'registered') {
      if (existing.state.mode === 'sync') {
        for (const name of options.modules) existing.modules.add(name);
        existing.state = { ...existing.state, modules: [...existing.modules] };
      }
      return existing.state;
    }
    if (existing.state.status === 'failed') return existing.state;
  }
  const state = attempt(options);
  g[STATE] = {
    state,
    modules: state.status === 'registered' ? new Set(state.modules) : new Set(),
  };
  return state;

  function attempt(o: RegisterEsmLoaderHookOptions): EsmLoaderHookState {
    if (o.modules.length === 0)
      return { status: 'skipped', reason: 'no instrumented modules' };
    if (loaderOnCommandLine(o.execArgv ?? process.execArgv, o.nodeOptions))
      return {
        status: 'skipped',
        reason: 'an import-in-the-middle loader is given on the command line',
      };
    try {
      const iitm = importInTheMiddle();
      const mode = chooseMode(o.mode ?? 'auto', iitm.supportsSyncHooks());
      if (mode === 'sync') {
        onFirstImport(o.registerHooks ?? defaultRegisterHooks, () =>
          iitm.registerSync({
            // Read on every resolve, so modules added by a later start are intercepted too.
            shouldInclude: (url: string, specifier: string) =>
              interceptsImport(
                g[STATE]?.modules ?? new Set(o.modules),
                url,
                specifier,
              ),
          }),
        );
      } else {
        register(ASYNC_HOOK, pathToFileURL(__filename).href, {
          data: { include: includeList(o.modules) },
        });
      }
      return { status: 'registered', mode, modules: [...o.modules] };
    } catch (error) {
      return {
        status: 'failed',
        reason: (error instanceof Error ? error.message : String(error)).split(
          '\n',
        )[0],
      };
    }
  }
}

/**
 * import-in-the-middle's `include` option (the async hook takes data, not a function): builtins
 * by name, packages by bare name and by any file inside them. Pure.
 */
export function includeList(modules: readonly string[]): (string | RegExp)[] {
  return modules.flatMap((name) =>
    isBuiltin(name)
      ? [name]
      : [name, new RegExp(`/node_modules/${escapeRegExp(name)}/`)],
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface ImportInTheMiddle {
  supportsSyncHooks(): boolean;
  registerSync(options: {
    shouldInclude: (url: string, specifier: string) => boolean;
  }): void;
}

/**
 * The import-in-the-middle that @opentelemetry/instrumentation uses: its loader and the Hook()s
 * the instrumentations create must share one module registry. Its files are ES modules, loaded
 * with require() (Node ≥ 22.12); `supports-sync-hooks.mjs` has no imports, the heavier
 * `register-hooks.mjs` is only loaded when it will be used.
 */
function importInTheMiddle(): ImportInTheMiddle {
  const fromInstrumentation = createRequire(
    require.resolve(INSTRUMENTATION_PACKAGE),
  );
  const load = (file: string): unknown =>
    require(fromInstrumentation.resolve(`import-in-the-middle/${file}`));
  return {
    supportsSyncHooks: () =>
      (
        load('supports-sync-hooks.mjs') as {
          supportsSyncHooks(): boolean;
        }
      ).supportsSyncHooks(),
    registerSync: (options) =>
      (
        load('register-hooks.mjs') as {
          register(o: typeof options): void;
        }
      ).register(options),
  };
}
