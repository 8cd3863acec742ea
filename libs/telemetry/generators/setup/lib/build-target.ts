/**
 * Makes the app's build keep the instrumented packages external. The instrumentations patch
 * modules as `require()` loads them; a copy of express or http bundled into main.js is never
 * required, so it would never be patched (and the trace would silently lose its spans).
 *
 * Pure: takes the build target, returns the target to write (or the same object when nothing
 * must change) and notes for the user.
 */
import type { TargetConfiguration } from '@nx/devkit';

export const ESBUILD_EXECUTOR = '@nx/esbuild:esbuild';
export const WEBPACK_EXECUTOR = '@nx/webpack:webpack';
const UNBUNDLED_EXECUTORS = ['@nx/js:tsc', '@nx/js:swc'];

export interface BuildTargetEdit {
  readonly target: TargetConfiguration | undefined;
  readonly changed: boolean;
  /** Whether the output is a bundle that inlines JSON (so package.json can be required). */
  readonly bundles: boolean;
  readonly notes: readonly string[];
}

type Options = Record<string, unknown>;

export function keepDependenciesExternal(
  target: TargetConfiguration | undefined,
  /** The project's webpack.config.* source, read when the build target is not in its configuration. */
  webpackConfig?: string,
): BuildTargetEdit {
  if (target === undefined && webpackConfig !== undefined)
    return inferredWebpack(webpackConfig);
  if (target === undefined) {
    return {
      target,
      changed: false,
      bundles: false,
      notes: [
        'No build target is configured in the project itself (it may be inferred by a plugin). If it bundles,',
        'keep npm packages external so express/http can be patched (esbuild: thirdParty: false; webpack: externalDependencies: "all").',
      ],
    };
  }
  switch (target.executor) {
    case ESBUILD_EXECUTOR:
      return esbuild(target);
    case WEBPACK_EXECUTOR:
      return webpack(target);
    default:
      if (target.executor && UNBUNDLED_EXECUTORS.includes(target.executor)) {
        return { target, changed: false, bundles: false, notes: [] };
      }
      return {
        target,
        changed: false,
        bundles: false,
        notes: [
          `The build uses ${target.executor ?? 'a command'}; if it bundles, keep express, http and the other instrumented packages external.`,
        ],
      };
  }
}

/**
 * esbuild: `thirdParty: false` (in options and in any configuration that turns it on) keeps every
 * npm package external; workspace libraries, this one included, are still bundled.
 */
function esbuild(target: TargetConfiguration): BuildTargetEdit {
  const options: Options = target.options ?? {};
  if (options['bundle'] === false)
    return { target, changed: false, bundles: false, notes: [] };

  const optionsChange = options['thirdParty'] !== false;
  const configurations: Record<string, Options> = {};
  let configurationsChange = false;
  for (const [name, config] of Object.entries(target.configurations ?? {})) {
    configurationsChange ||= config['thirdParty'] === true;
    configurations[name] =
      config['thirdParty'] === true ? { ...config, thirdParty: false } : config;
  }
  const changed = optionsChange || configurationsChange;
  const notes =
    options['esbuildConfig'] !== undefined
      ? [
          `The esbuild build also reads ${String(options['esbuildConfig'])}: make sure it does not bundle express or http.`,
        ]
      : [];
  if (!changed) return { target, changed, bundles: true, notes };
  return {
    target: {
      ...target,
      options: optionsChange ? { ...options, thirdParty: false } : options,
      ...(target.configurations ? { configurations } : {}),
    },
    changed,
    bundles: true,
    notes,
  };
}

/** Nx's webpack builds for node keep npm packages external by default ('all'); only warn when not. */
function webpack(target: TargetConfiguration): BuildTargetEdit {
  const external = (target.options as Options | undefined)?.[
    'externalDependencies'
  ];
  const notes =
    external === undefined || external === 'all'
      ? []
      : [
          `webpack externalDependencies is ${JSON.stringify(external)}: set it to "all" (or list express and every @opentelemetry instrumented package) so they can be patched.`,
        ];
  return { target, changed: false, bundles: true, notes };
}

/**
 * A build inferred by @nx/webpack/plugin from webpack.config.* (Nx 23's Nest apps): Nx's webpack
 * plugins keep npm packages external by default; only an `externalDependencies` that is not
 * 'all' needs a word.
 */
function inferredWebpack(config: string): BuildTargetEdit {
  const setting = /externalDependencies\s*:\s*([^,\n}]+)/.exec(config);
  const external = setting?.[1]?.trim();
  const notes =
    external === undefined || /^['"]all['"]$/.test(external)
      ? []
      : [
          `webpack.config externalDependencies is ${external}: set it to 'all' (or list express and every instrumented package) so they can be patched.`,
        ];
  return { target: undefined, changed: false, bundles: true, notes };
}
