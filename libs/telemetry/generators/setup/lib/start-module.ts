/**
 * The build and serve changes an ES module app needs for its start module (templates.ts
 * startModuleTemplate): the module must exist as a file of its own in the build output, and
 * Node must load it before the app (`--import`). Pure: targets in, targets (or the same objects
 * when nothing must change) and notes out.
 */
import { joinPathFragments, type TargetConfiguration } from '@nx/devkit';
import { ESBUILD_EXECUTOR } from './build-target';

export const NODE_EXECUTOR = '@nx/js:node';

export interface StartModuleBuild {
  readonly target: TargetConfiguration | undefined;
  readonly changed: boolean;
  /** Workspace-relative path of the built start module, when it is known. */
  readonly built: string | undefined;
  readonly notes: readonly string[];
}

/**
 * Gives an ES module bundle a `require`: bundled CommonJS code — this library among it — calls
 * require() for the packages left external, and esbuild's ESM output has none (its shim throws
 * "Dynamic require of … is not supported"). The usual fix, with a name that cannot clash.
 */
export const REQUIRE_BANNER =
  "import { createRequire as __otelDiceCreateRequire } from 'node:module'; const require = __otelDiceCreateRequire(import.meta.url);";

type Options = Record<string, unknown>;

/** esbuildOptions with the banner (kept when a require is already defined there). Pure. */
function withRequireBanner(esbuildOptions: unknown): Options {
  const current = (esbuildOptions ?? {}) as Options;
  const banner = (current['banner'] ?? {}) as Record<string, string>;
  const js = banner['js'];
  if (js?.includes('createRequire')) return current;
  return {
    ...current,
    banner: { ...banner, js: js ? `${REQUIRE_BANNER}\n${js}` : REQUIRE_BANNER },
  };
}

/**
 * esbuild: the start module becomes an additional entry point, built next to main.js as
 * `<outputPath>/<name>.js` (esbuild's output base is the entries' common directory), and a
 * bundling build gets REQUIRE_BANNER in its esbuildOptions — also in every configuration that
 * sets esbuildOptions, since a configuration replaces them whole. Other builders: a note, since
 * where they put the file depends on their own options.
 */
export function buildStartModule(
  target: TargetConfiguration | undefined,
  startModule: string,
): StartModuleBuild {
  const name = startModule.replace(/^.*\//, '').replace(/\.[mc]?ts$/, '');
  if (target?.executor !== ESBUILD_EXECUTOR) {
    return {
      target,
      changed: false,
      built: undefined,
      notes: [
        `Build ${startModule} as a file of its own, and start the app with node --import <built ${name}.js> <built main.js>.`,
      ],
    };
  }
  const options = target.options ?? {};
  const outputPath = options['outputPath'];
  const built =
    typeof outputPath === 'string'
      ? joinPathFragments(outputPath, `${name}.js`)
      : undefined;
  const entries: unknown = options['additionalEntryPoints'] ?? [];
  const list = Array.isArray(entries) ? (entries as string[]) : [];
  const bundles = options['bundle'] !== false;

  const nextOptions: Options = { ...options };
  let optionsChanged = false;
  if (!list.includes(startModule)) {
    nextOptions['additionalEntryPoints'] = [...list, startModule];
    optionsChanged = true;
  }
  if (bundles) {
    const esbuildOptions = withRequireBanner(options['esbuildOptions']);
    if (esbuildOptions !== options['esbuildOptions']) {
      nextOptions['esbuildOptions'] = esbuildOptions;
      optionsChanged = true;
    }
  }
  let configurationsChanged = false;
  const configurations: Record<string, Options> = {};
  for (const [key, config] of Object.entries(target.configurations ?? {})) {
    if (!bundles || config['esbuildOptions'] === undefined) {
      configurations[key] = config;
      continue;
    }
    const esbuildOptions = withRequireBanner(config['esbuildOptions']);
    configurationsChanged ||= esbuildOptions !== config['esbuildOptions'];
    configurations[key] = { ...config, esbuildOptions };
  }
  if (!optionsChanged && !configurationsChanged)
    return { target, changed: false, built, notes: [] };
  return {
    target: {
      ...target,
      options: optionsChanged ? nextOptions : options,
      ...(target.configurations ? { configurations } : {}),
    },
    changed: true,
    built,
    notes: [],
  };
}

/**
 * `nx serve` (@nx/js:node) gets `--import ./<built start module>` in its runtimeArgs (Node runs
 * it from the workspace root). Other serve setups: a note.
 */
export function importStartModule(
  target: TargetConfiguration | undefined,
  built: string | undefined,
): {
  target: TargetConfiguration | undefined;
  changed: boolean;
  notes: string[];
} {
  const flag = built ? `./${built}` : undefined;
  if (target?.executor !== NODE_EXECUTOR || flag === undefined) {
    return {
      target,
      changed: false,
      notes: [
        `Start the app with node --import ${flag ?? '<built start module>'} before its main file (wherever it runs: scripts, Dockerfile).`,
      ],
    };
  }
  const options = target.options ?? {};
  const args = Array.isArray(options['runtimeArgs'])
    ? (options['runtimeArgs'] as string[])
    : [];
  if (args.some((arg, i) => arg === flag && args[i - 1] === '--import'))
    return { target, changed: false, notes: [] };
  return {
    target: {
      ...target,
      options: { ...options, runtimeArgs: [...args, '--import', flag] },
    },
    changed: true,
    notes: [],
  };
}
