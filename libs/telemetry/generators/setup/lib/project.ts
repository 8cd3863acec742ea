/**
 * Which project the user means. Nx 23 names a project after its package in a TS-solution
 * workspace (`@acme/shop` for apps/shop), so the name a user types is often not the project's:
 * the directory (`apps/shop`) and the short name (`shop`) are accepted too, the short name only
 * when exactly one application (or, failing that, one project) answers to it. Pure.
 */

export interface ProjectRef {
  readonly name: string;
  /** Workspace-relative root, e.g. apps/shop. */
  readonly root: string;
  readonly application: boolean;
}

/** The target fields read here; everything else about a project is irrelevant to naming it. */
interface ProjectLike {
  readonly root: string;
  readonly projectType?: string;
  readonly targets?: Record<
    string,
    { readonly executor?: string; readonly options?: Record<string, unknown> }
  >;
}

/**
 * A project read from the Tree carries `projectType` only when its configuration says so; Nx 23
 * writes none into a new app's package.json (the graph infers it later). An app is therefore also
 * recognised by what only apps have: a serve target, or a build with an entry (`main`).
 */
export function toProjectRef(name: string, project: ProjectLike): ProjectRef {
  const targets = project.targets ?? {};
  const application =
    project.projectType === 'application' ||
    (project.projectType !== 'library' &&
      (targets['serve'] !== undefined ||
        typeof targets['build']?.options?.['main'] === 'string'));
  return { name, root: project.root, application };
}

export type ProjectResolution =
  | { readonly kind: 'found'; readonly name: string }
  | { readonly kind: 'not-found'; readonly message: string };

export function resolveProject(
  requested: string,
  projects: readonly ProjectRef[],
): ProjectResolution {
  const exact = projects.find((p) => p.name === requested);
  if (exact) return { kind: 'found', name: exact.name };

  const path = normalizeDirectory(requested);
  const byRoot = projects.find((p) => normalizeDirectory(p.root) === path);
  if (byRoot) return { kind: 'found', name: byRoot.name };

  const short = projects.filter(
    (p) => unscoped(p.name) === requested || lastSegment(p.root) === requested,
  );
  const apps = short.filter((p) => p.application);
  const candidates = apps.length > 0 ? apps : short;
  if (candidates.length === 1)
    return { kind: 'found', name: candidates[0].name };
  if (candidates.length > 1) {
    return {
      kind: 'not-found',
      message: `"${requested}" names more than one project: ${candidates.map(describe).join(', ')}. Pass one of these names.`,
    };
  }
  const applications = projects.filter((p) => p.application);
  const listed = (applications.length > 0 ? applications : projects)
    .map(describe)
    .sort();
  return {
    kind: 'not-found',
    message:
      listed.length === 0
        ? `Cannot find project "${requested}": this workspace has no projects.`
        : `Cannot find project "${requested}" (by name, directory or short name). ${applications.length > 0 ? 'Applications' : 'Projects'} in this workspace: ${listed.join(', ')}.`,
  };
}

/** `@acme/shop (apps/shop)`, or just the name when the directory says the same. */
function describe(project: ProjectRef): string {
  return project.root === project.name
    ? project.name
    : `${project.name} (${project.root})`;
}

function unscoped(name: string): string {
  return name.replace(/^@[^/]+\//, '');
}

function lastSegment(root: string): string {
  return normalizeDirectory(root).split('/').pop() ?? '';
}

/** `./apps/shop/`, `apps\shop` -> `apps/shop`. */
export function normalizeDirectory(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '')
    .replace(/\/{2,}/g, '/');
}
