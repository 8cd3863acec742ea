/**
 * `nx g @otel-dice/telemetry:setup <app>`: wires @otel-dice/telemetry into an existing Nx Node
 * application the way libs/telemetry/README.md asks of every app:
 *
 *   1. the dependency in the app's package.json (and a TS project reference in TS-solution
 *      workspaces, as `nx sync` would add);
 *   2. a new entry at the build's `main` path that starts telemetry and only then require()s the
 *      original entry, which moves next to it as `<appFile>.ts`; esbuild builds get
 *      `thirdParty: false` so express/http stay external and patchable;
 *   3. GET /metrics in an Express app (instructions otherwise) and a SIGTERM/SIGINT handler that
 *      flushes telemetry; a "Telemetry" section in the app's README.
 *
 * An ES module app (module-system.ts) cannot load itself after startTelemetry(): its static imports
 * load before any of its code runs. It keeps its entry and gets a start module instead, built as a
 * file of its own and loaded first with `node --import` (the serve target passes the flag); its
 * /metrics route uses the library's metricsHandler, which serves the running telemetry.
 *
 * Every step checks before it writes, so a second run changes nothing. Only the Tree is
 * touched, so `--dry-run` shows the changes without making them.
 */
import {
  formatFiles,
  joinPathFragments,
  logger,
  readJson,
  readProjectConfiguration,
  updateProjectConfiguration,
  writeJson,
  type ProjectConfiguration,
  type TargetConfiguration,
  type Tree,
} from '@nx/devkit';
import { posix } from 'node:path';
import { keepDependenciesExternal } from './lib/build-target';
import {
  addMetricsRoute,
  metricsRouteInstructions,
  servesMetrics,
} from './lib/express';
import {
  detectModuleSystem,
  type DetectedModuleSystem,
} from './lib/module-system';
import {
  buildStartModule,
  importStartModule,
  NODE_EXECUTOR,
} from './lib/start-module';
import { appendTelemetrySection } from './lib/readme';
import {
  entryTemplate,
  isGenerated,
  SERVICE_NAME_PATTERN,
  SETUP_MARKER,
  SHUTDOWN_MODULE,
  shutdownTemplate,
  startModuleTemplate,
  TELEMETRY_MODULE,
  telemetryTemplate,
} from './lib/templates';
import {
  locateLibrary,
  usesProjectReferences,
  withLibraryDependency,
  withLibraryReference,
  type LibraryLocation,
} from './lib/workspace';
import type { SetupGeneratorSchema } from './schema';

/** Everything the steps need to know about the app, resolved once. */
interface AppLayout {
  readonly name: string;
  readonly project: ProjectConfiguration;
  readonly serviceName: string;
  /** Workspace-relative path of the build's entry, e.g. apps/my-app/src/main.ts. */
  readonly entry: string;
  /**
   * The app's code: where the original entry lives after the move (e.g. apps/my-app/src/app.ts),
   * or, for an ES module app, the entry itself.
   */
  readonly appPath: string;
  readonly bundles: boolean;
  readonly library: LibraryLocation;
  readonly moduleSystem: DetectedModuleSystem;
}

/** How an ES module app is started, once its start module is wired. */
interface EsmStart {
  /** Workspace-relative path of the start module's source, e.g. apps/my-app/src/telemetry.ts. */
  readonly startModule: string;
  /** e.g. `node --import ./dist/telemetry.js dist/main.js`, from the app's root. */
  readonly command: string;
}

export async function setupGenerator(
  tree: Tree,
  schema: SetupGeneratorSchema,
): Promise<void> {
  const project = readProjectConfiguration(tree, schema.project);
  if (project.projectType === 'library') {
    throw new Error(
      `${schema.project} is a library; the setup generator wires an application's entry point.`,
    );
  }
  const notes: string[] = [];

  const build = keepDependenciesExternal(project.targets?.['build']);
  notes.push(...build.notes);
  const layout = resolveLayout(tree, schema, project, build.bundles);

  const targets = { ...project.targets };
  let targetsChanged = false;
  if (build.changed && build.target) {
    targets['build'] = build.target;
    targetsChanged = true;
  }
  let esmStart: EsmStart | undefined;
  if (layout.moduleSystem.system === 'esm') {
    const wired = wireStartModule(layout, targets, notes);
    esmStart = wired.start;
    targetsChanged ||= wired.changed;
  }
  if (targetsChanged)
    updateProjectConfiguration(tree, layout.name, { ...project, targets });
  addDependency(tree, layout, notes);
  const packageJsonPath =
    layout.bundles &&
    tree.exists(joinPathFragments(project.root, 'package.json'))
      ? relativeImport(
          posix.dirname(layout.entry),
          joinPathFragments(project.root, 'package.json'),
        )
      : undefined;
  let entryMoved = false;
  if (esmStart) {
    writeSupportFile(
      tree,
      layout,
      TELEMETRY_MODULE,
      startModuleTemplate({
        serviceName: layout.serviceName,
        packageJsonPath,
        startCommand: esmStart.command,
      }),
    );
  } else {
    entryMoved = moveEntry(tree, layout);
    writeSupportFile(
      tree,
      layout,
      TELEMETRY_MODULE,
      telemetryTemplate({ serviceName: layout.serviceName, packageJsonPath }),
    );
    writeSupportFile(tree, layout, SHUTDOWN_MODULE, shutdownTemplate());
  }
  const metricsRoute = serveMetrics(tree, layout, notes);
  appendReadme(tree, layout, metricsRoute, esmStart);

  if (!schema.skipFormat) await formatFiles(tree);
  report(layout, entryMoved, esmStart, notes);
}

export default setupGenerator;

function resolveLayout(
  tree: Tree,
  schema: SetupGeneratorSchema,
  project: ProjectConfiguration,
  bundles: boolean,
): AppLayout {
  const serviceName =
    schema.serviceName ?? schema.project.replace(/^@[^/]+\//, '');
  if (!SERVICE_NAME_PATTERN.test(serviceName)) {
    throw new Error(
      `Cannot derive a service name from project "${schema.project}"; pass --serviceName (letters, digits, ".", "_", "-").`,
    );
  }
  const buildMain = project.targets?.['build']?.options?.['main'];
  const entry =
    typeof buildMain === 'string'
      ? posix.normalize(buildMain)
      : joinPathFragments(
          project.sourceRoot ?? joinPathFragments(project.root, 'src'),
          'main.ts',
        );
  if (!tree.exists(entry)) {
    throw new Error(
      `The entry point of ${schema.project} was expected at ${entry}, but there is no such file.`,
    );
  }
  if (!entry.endsWith('.ts')) {
    throw new Error(
      `The entry point ${entry} is not TypeScript; the setup generator writes TypeScript files.`,
    );
  }
  const manifest = joinPathFragments(project.root, 'package.json');
  const moduleSystem = detectModuleSystem({
    packageType: tree.exists(manifest)
      ? readJson<{ type?: string }>(tree, manifest).type
      : undefined,
    entry,
    build: project.targets?.['build'],
  });
  const appFile = schema.appFile ?? 'app';
  return {
    name: schema.project,
    project,
    serviceName,
    entry,
    appPath:
      moduleSystem.system === 'esm'
        ? entry
        : joinPathFragments(posix.dirname(entry), `${appFile}.ts`),
    bundles,
    library: locateLibrary(tree),
    moduleSystem,
  };
}

/**
 * ES module app: the start module is built as a file of its own and `nx serve` loads it with
 * --import. Edits `targets` in place; returns how the built app starts.
 */
function wireStartModule(
  layout: AppLayout,
  targets: Record<string, TargetConfiguration>,
  notes: string[],
): { start: EsmStart; changed: boolean } {
  const startModule = joinPathFragments(
    posix.dirname(layout.entry),
    `${TELEMETRY_MODULE}.ts`,
  );
  const built = buildStartModule(targets['build'], startModule);
  notes.push(...built.notes);
  if (built.changed && built.target) targets['build'] = built.target;
  const serveName =
    targets['serve']?.executor === NODE_EXECUTOR
      ? 'serve'
      : Object.keys(targets).find(
          (name) => targets[name]?.executor === NODE_EXECUTOR,
        );
  const serve = importStartModule(
    serveName ? targets[serveName] : undefined,
    built.built,
  );
  notes.push(...serve.notes);
  if (serveName && serve.changed && serve.target)
    targets[serveName] = serve.target;

  // From the app's directory when the output is inside it, from the workspace root otherwise.
  const root = layout.project.root;
  const outputPath = targets['build']?.options?.['outputPath'];
  const inside =
    typeof outputPath === 'string' &&
    !posix.relative(root, outputPath).startsWith('..');
  const shown = (path: string) => (inside ? posix.relative(root, path) : path);
  const command =
    built.built && typeof outputPath === 'string'
      ? `node --import ./${shown(built.built)} ${shown(outputPath)}/main.js`
      : 'node --import ./dist/telemetry.js dist/main.js';
  return {
    start: { startModule, command },
    changed: built.changed || serve.changed,
  };
}

function addDependency(tree: Tree, layout: AppLayout, notes: string[]): void {
  const { library } = layout;
  const manifestPath = joinPathFragments(layout.project.root, 'package.json');
  if (tree.exists(manifestPath)) {
    const updated = withLibraryDependency(
      readJson(tree, manifestPath),
      library.versionRange,
    );
    if (updated) {
      writeJson(tree, manifestPath, updated);
      notes.push(
        `Run your package manager's install to record @otel-dice/telemetry in the lockfile.`,
      );
    }
  } else {
    notes.push(
      `${layout.name} has no package.json; make sure @otel-dice/telemetry resolves (workspace path alias or root dependency).`,
    );
  }

  const tsconfig = tsconfigOf(tree, layout.project);
  if (library.root && tsconfig && usesProjectReferences(tree)) {
    const libraryTsconfig = joinPathFragments(
      library.root,
      'tsconfig.lib.json',
    );
    if (tree.exists(libraryTsconfig)) {
      const updated = withLibraryReference(
        readJson(tree, tsconfig),
        posix.relative(posix.dirname(tsconfig), libraryTsconfig),
      );
      if (updated) writeJson(tree, tsconfig, updated);
    }
  }
}

function tsconfigOf(
  tree: Tree,
  project: ProjectConfiguration,
): string | undefined {
  const fromBuild = project.targets?.['build']?.options?.['tsConfig'];
  const candidate =
    typeof fromBuild === 'string'
      ? fromBuild
      : joinPathFragments(project.root, 'tsconfig.app.json');
  return tree.exists(candidate) ? candidate : undefined;
}

/** Returns true when this run moved the entry (false: already set up). */
function moveEntry(tree: Tree, layout: AppLayout): boolean {
  const current = tree.read(layout.entry, 'utf-8') ?? '';
  if (isGenerated(current)) return false;
  if (tree.exists(layout.appPath)) {
    throw new Error(
      `${layout.appPath} already exists, so the current entry ${layout.entry} cannot move there. ` +
        'Pass --appFile=<name> to choose another file name for it.',
    );
  }
  tree.write(layout.appPath, current);
  const appModule = posix.basename(layout.appPath, '.ts');
  tree.write(layout.entry, entryTemplate({ appModule }));
  return true;
}

function writeSupportFile(
  tree: Tree,
  layout: AppLayout,
  module: string,
  content: string,
): void {
  const path = joinPathFragments(posix.dirname(layout.entry), `${module}.ts`);
  const existing = tree.read(path, 'utf-8');
  if (existing === null) {
    tree.write(path, content);
    return;
  }
  // Ours from an earlier run (maybe edited since): leave it. Someone else's: do not overwrite.
  if (!isGenerated(existing)) {
    throw new Error(
      `${path} already exists and was not written by ${SETUP_MARKER}; rename it and run the generator again.`,
    );
  }
}

/** Returns whether the app serves /metrics after this step. */
function serveMetrics(tree: Tree, layout: AppLayout, notes: string[]): boolean {
  const source = tree.read(layout.appPath, 'utf-8');
  if (source === null) {
    notes.push(
      `${layout.appPath} is gone; serve telemetry.metricsHandler(req, res) on GET /metrics yourself.`,
    );
    return false;
  }
  if (servesMetrics(source)) return true;
  const style = layout.moduleSystem.system === 'esm' ? 'esm' : 'commonjs';
  const edit = addMetricsRoute(source, style);
  if (edit.kind === 'added') {
    tree.write(layout.appPath, edit.content);
    if (!edit.closesServer) {
      notes.push(
        style === 'esm'
          ? `To let in-flight requests finish on SIGTERM, close the server on it: process.once('SIGTERM', () => server.close()).`
          : `To let in-flight requests finish on SIGTERM, register the server: onShutdown(() => new Promise<void>((r) => server.close(() => r()))) (from ./${SHUTDOWN_MODULE}.js).`,
      );
    }
    return true;
  }
  notes.push(metricsRouteInstructions(source, layout.appPath, style));
  return false;
}

function appendReadme(
  tree: Tree,
  layout: AppLayout,
  metricsRoute: boolean,
  esmStart: EsmStart | undefined,
): void {
  const path = joinPathFragments(layout.project.root, 'README.md');
  const { library } = layout;
  const updated = appendTelemetrySection(
    tree.read(path, 'utf-8') ?? undefined,
    {
      serviceName: layout.serviceName,
      entryFile: posix.relative(layout.project.root, layout.entry),
      appFile: posix.relative(layout.project.root, layout.appPath),
      libraryReadme: library.root
        ? posix.relative(
            layout.project.root,
            joinPathFragments(library.root, 'README.md'),
          )
        : undefined,
      metricsRoute,
      esm: esmStart ? { startCommand: esmStart.command } : undefined,
    },
  );
  if (updated !== undefined) tree.write(path, updated);
}

function report(
  layout: AppLayout,
  entryMoved: boolean,
  esmStart: EsmStart | undefined,
  notes: readonly string[],
): void {
  if (esmStart) {
    logger.info(
      `${layout.name} is an ES module app (${layout.moduleSystem.reason}): telemetry starts from ${esmStart.startModule}, loaded before the app with \`${esmStart.command}\`.`,
    );
  }
  if (entryMoved) {
    logger.info(
      `${layout.entry} now starts telemetry and then loads ${posix.basename(layout.appPath)} (the previous entry).`,
    );
  }
  for (const note of notes) logger.warn(note);
}

/** `./x` / `../x` import specifier from a directory to a file. */
function relativeImport(fromDir: string, to: string): string {
  const path = posix.relative(fromDir, to);
  return path.startsWith('.') ? path : `./${path}`;
}
