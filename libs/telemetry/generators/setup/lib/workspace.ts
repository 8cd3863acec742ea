/**
 * Where the library is, as seen from the workspace the generator runs in: a project of this
 * workspace (then the app depends on it with "*" and gets a TS project reference to it) or an
 * installed package (then "^<version>").
 */
import {
  getProjects,
  joinPathFragments,
  readJson,
  type Tree,
} from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

export const LIBRARY_PACKAGE = '@otel-dice/telemetry';

export interface LibraryLocation {
  /** Workspace-relative root of the library project, when it is one. */
  readonly root: string | undefined;
  /** Version range for the app's package.json. */
  readonly versionRange: string;
}

export function locateLibrary(tree: Tree): LibraryLocation {
  for (const [, project] of getProjects(tree)) {
    const manifest = joinPathFragments(project.root, 'package.json');
    if (
      tree.exists(manifest) &&
      readJson<{ name?: string }>(tree, manifest).name === LIBRARY_PACKAGE
    ) {
      // npm/yarn-classic workspaces link any version; pnpm and yarn berry need the protocol.
      const range =
        tree.exists('pnpm-workspace.yaml') || tree.exists('.yarnrc.yml')
          ? 'workspace:*'
          : '*';
      return { root: project.root, versionRange: range };
    }
  }
  return { root: undefined, versionRange: `^${ownVersion()}` };
}

function ownVersion(): string {
  // generators/setup/lib -> the library's package.json
  const manifest = JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  return manifest.version;
}

/** The parts of a package.json this file reads; everything else is carried over untouched. */
type Manifest = {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
};

/** Adds the library unless the manifest already has it (in either section). Pure. */
export function withLibraryDependency<T extends Manifest>(
  manifest: T,
  versionRange: string,
): T | undefined {
  return withDependency(manifest, LIBRARY_PACKAGE, versionRange);
}

/** Adds `name` to dependencies unless the manifest already has it (in either section). Pure. */
export function withDependency<T extends Manifest>(
  manifest: T,
  name: string,
  versionRange: string,
): T | undefined {
  if (manifest.dependencies?.[name] || manifest.devDependencies?.[name])
    return undefined;
  const dependencies = {
    ...(manifest.dependencies ?? {}),
    [name]: versionRange,
  };
  const sorted = Object.fromEntries(
    Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)),
  );
  return { ...manifest, dependencies: sorted };
}

/** The part of a tsconfig this file reads; everything else is carried over untouched. */
type TsConfig = {
  references?: Array<{ path: string }>;
  [key: string]: unknown;
};

/**
 * Adds a project reference to the library's tsconfig.lib.json, as `nx sync` would, so the
 * app type-checks right away in a TS-solution workspace (see usesProjectReferences); undefined
 * when the reference is already there. Pure.
 */
export function withLibraryReference<T extends TsConfig>(
  tsconfig: T,
  referencePath: string,
): T | undefined {
  const references = tsconfig.references ?? [];
  // `dir`, `dir/`, `dir/tsconfig.json` and `dir/tsconfig.lib.json` all name the same project.
  const normalized = (path: string) =>
    posix
      .normalize(path)
      .replace(/\/tsconfig(\.lib)?\.json$/, '')
      .replace(/\/+$/, '');
  const target = normalized(referencePath);
  if (references.some((reference) => normalized(reference.path) === target))
    return undefined;
  return { ...tsconfig, references: [...references, { path: referencePath }] };
}

/** A TS-solution workspace: the root tsconfig.json lists the projects as references. */
export function usesProjectReferences(tree: Tree): boolean {
  if (!tree.exists('tsconfig.json')) return false;
  return Array.isArray(readJson<TsConfig>(tree, 'tsconfig.json').references);
}
