/**
 * `nx g @otel-dice/telemetry:setup <app>`: wires @otel-dice/telemetry into an existing Nx Node
 * application the way libs/telemetry/README.md asks of every app:
 *
 *   1. the dependency in the app's package.json (and a TS project reference in TS-solution
 *      workspaces, as `nx sync` would add), installed when the run is over;
 *   2. a new entry at the build's `main` path that starts telemetry and only then require()s the
 *      original entry, which moves next to it (lib/app-module.ts); esbuild bundles get
 *      `thirdParty: false` so the framework and http stay external and patchable;
 *   3. by framework (lib/framework.ts: Express, Fastify, Koa, NestJS on Express, plain Node):
 *      GET /metrics and closing the server on SIGTERM/SIGINT before telemetry is flushed, and
 *      what the server spans need to carry the route (Fastify: @fastify/otel); a "Telemetry"
 *      section in the app's README.
 *
 * The project may be named as the user knows it (lib/project.ts). A framework the generator
 * cannot wire stops it with one line before anything is written.
 *
 * An ES module app (module-system.ts) cannot load itself after startTelemetry(): its static imports
 * load before any of its code runs. It keeps its entry and gets a start module instead, built as a
 * file of its own and loaded first with `node --import` (the serve target passes the flag); its
 * /metrics route uses the library's metricsHandler, which serves the running telemetry.
 *
 * Every step checks before it writes, so a second run changes nothing. Only the Tree is
 * touched, so `--dry-run` prints the same plan and file list without making the changes.
 */
import {
  formatFiles,
  getProjects,
  installPackagesTask,
  joinPathFragments,
  logger,
  readJson,
  readProjectConfiguration,
  updateProjectConfiguration,
  writeJson,
  type GeneratorCallback,
  type ProjectConfiguration,
  type TargetConfiguration,
  type Tree,
} from '@nx/devkit';
import { posix } from 'node:path';
import { appModuleName } from './lib/app-module';
import { keepDependenciesExternal } from './lib/build-target';
import {
  autoloadNote,
  FASTIFY_OTEL_PACKAGE,
  FASTIFY_OTEL_RANGE,
  fastifyInstrumentationTemplate,
  instrumentationImport,
  INSTRUMENTATION_MODULE,
} from './lib/fastify';
import {
  detectFramework,
  unsupportedMessage,
  type Framework,
} from './lib/framework';
import { koaRouteNote } from './lib/koa';
import {
  detectModuleSystem,
  type DetectedModuleSystem,
} from './lib/module-system';
import { resolveProject, toProjectRef } from './lib/project';
import { appendTelemetrySection } from './lib/readme';
import { addServerWiring, metricsRouteInstructions } from './lib/server-wiring';
import { addImportLines, servesMetrics } from './lib/source-edit';
import {
  buildStartModule,
  importStartModule,
  NODE_EXECUTOR,
} from './lib/start-module';
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
  LIBRARY_PACKAGE,
  locateLibrary,
  usesProjectReferences,
  withDependency,
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
  readonly framework: Framework;
  /** The app's package.json dependencies and devDependencies. */
  readonly dependencies: Readonly<Record<string, string>>;
}

/** How an ES module app is started, once its start module is wired. */
interface EsmStart {
  /** Workspace-relative path of the start module's source, e.g. apps/my-app/src/telemetry.ts. */
  readonly startModule: string;
  /** e.g. `node --import ./dist/telemetry.js dist/main.js`, from the app's root. */
  readonly command: string;
}

/** What this run changes, in words, printed before Nx's file list (also with --dry-run). */
type Plan = string[];

const FRAMEWORK_NAMES: Record<Framework, string> = {
  express: 'Express',
  fastify: 'Fastify',
  koa: 'Koa',
  nest: 'NestJS on Express',
  node: 'no HTTP framework',
};

export async function setupGenerator(
  tree: Tree,
  schema: SetupGeneratorSchema,
): Promise<GeneratorCallback | void> {
  const name = findProject(tree, schema.project);
  const project = readProjectConfiguration(tree, name);
  if (project.projectType === 'library') {
    throw new Error(
      `${name} is a library; the setup generator wires an application's entry point.`,
    );
  }
  const notes: string[] = [];
  const plan: Plan = [];

  const build = keepDependenciesExternal(
    project.targets?.['build'],
    project.targets?.['build'] ? undefined : webpackConfigOf(tree, project),
  );
  notes.push(...build.notes);
  // Everything that can refuse runs here, before the first write.
  const layout = resolveLayout(tree, schema, name, project, build.bundles);

  const targets = { ...project.targets };
  let targetsChanged = false;
  if (build.changed && build.target) {
    targets['build'] = build.target;
    targetsChanged = true;
    plan.push(
      'build: thirdParty: false, so npm packages stay outside the bundle where the instrumentations can patch them',
    );
  }
  let esmStart: EsmStart | undefined;
  if (layout.moduleSystem.system === 'esm') {
    const wired = wireStartModule(layout, targets, notes);
    esmStart = wired.start;
    targetsChanged ||= wired.changed;
    if (wired.changed)
      plan.push(
        `build and serve: ${inProject(layout, wired.start.startModule)} built as a file of its own and loaded with --import`,
      );
  }
  if (targetsChanged)
    updateProjectConfiguration(tree, layout.name, { ...project, targets });
  const added = addDependencies(tree, layout, plan, notes);
  const packageJsonPath =
    layout.bundles &&
    tree.exists(joinPathFragments(project.root, 'package.json'))
      ? relativeImport(
          posix.dirname(layout.entry),
          joinPathFragments(project.root, 'package.json'),
        )
      : undefined;
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
      plan,
      `the start module (${esmStart.command})`,
    );
  } else {
    if (moveEntry(tree, layout))
      plan.push(
        `${inProject(layout, layout.entry)} moves to ${inProject(layout, layout.appPath)}; the new ${posix.basename(layout.entry)} starts telemetry first, then loads it`,
      );
    writeSupportFile(
      tree,
      layout,
      TELEMETRY_MODULE,
      telemetryTemplate({ serviceName: layout.serviceName, packageJsonPath }),
      plan,
      `runService() for service ${layout.serviceName}`,
    );
    writeSupportFile(
      tree,
      layout,
      SHUTDOWN_MODULE,
      shutdownTemplate(),
      plan,
      'on SIGTERM/SIGINT: close the server, flush telemetry, exit 0',
    );
  }
  wireRouteNames(tree, layout, plan, notes);
  const metricsRoute = serveMetrics(tree, layout, plan, notes);
  appendReadme(tree, layout, metricsRoute, esmStart, plan);

  if (!schema.skipFormat) await formatFiles(tree);
  report(layout, esmStart, plan, notes);
  if (added.length > 0) return () => installPackagesTask(tree, true);
}

export default setupGenerator;

/** The source of the project's webpack.config.*, whose build @nx/webpack/plugin infers. */
function webpackConfigOf(
  tree: Tree,
  project: ProjectConfiguration,
): string | undefined {
  for (const ext of ['js', 'ts', 'cjs', 'mjs', 'cts', 'mts']) {
    const source = tree.read(
      joinPathFragments(project.root, `webpack.config.${ext}`),
      'utf-8',
    );
    if (source !== null) return source;
  }
  return undefined;
}

/** The project's name, from what the user typed (see lib/project.ts); throws listing the apps. */
function findProject(tree: Tree, requested: string): string {
  const refs = [...getProjects(tree)].map(([name, config]) =>
    toProjectRef(name, config),
  );
  const resolution = resolveProject(requested, refs);
  if (resolution.kind === 'not-found') throw new Error(resolution.message);
  return resolution.name;
}

function resolveLayout(
  tree: Tree,
  schema: SetupGeneratorSchema,
  name: string,
  project: ProjectConfiguration,
  bundles: boolean,
): AppLayout {
  const serviceName = schema.serviceName ?? name.replace(/^@[^/]+\//, '');
  if (!SERVICE_NAME_PATTERN.test(serviceName)) {
    throw new Error(
      `Cannot derive a service name from project "${name}"; pass --serviceName (letters, digits, ".", "_", "-").`,
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
      `The entry point of ${name} was expected at ${entry}, but there is no such file.`,
    );
  }
  if (!entry.endsWith('.ts')) {
    throw new Error(
      `The entry point ${entry} is not TypeScript; the setup generator writes TypeScript files.`,
    );
  }
  const manifestPath = joinPathFragments(project.root, 'package.json');
  const manifest = tree.exists(manifestPath)
    ? readJson<{
        type?: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      }>(tree, manifestPath)
    : {};
  const dependencies = {
    ...manifest.devDependencies,
    ...manifest.dependencies,
  };
  const moduleSystem = detectModuleSystem({
    packageType: manifest.type,
    entry,
    build: project.targets?.['build'],
  });
  const entrySource = tree.read(entry, 'utf-8') ?? '';
  const entryDir = posix.dirname(entry);
  const appModule = appModuleName({
    requested: schema.appFile,
    generatedEntry: isGenerated(entrySource) ? entrySource : undefined,
    taken: (module) =>
      tree.exists(joinPathFragments(entryDir, `${module}.ts`)) ||
      tree.exists(joinPathFragments(entryDir, module)),
  });
  const appPath =
    moduleSystem.system === 'esm'
      ? entry
      : joinPathFragments(entryDir, `${appModule}.ts`);
  // After a first run the framework is in the moved app module, not the generated entry.
  const appSource =
    moduleSystem.system === 'commonjs' && isGenerated(entrySource)
      ? (tree.read(appPath, 'utf-8') ?? '')
      : entrySource;
  const detected = detectFramework({ source: appSource, dependencies });
  if (detected.kind === 'unsupported')
    throw new Error(unsupportedMessage(name, detected.name));
  return {
    name,
    project,
    serviceName,
    entry,
    appPath,
    bundles,
    library: locateLibrary(tree),
    moduleSystem,
    framework: detected.framework,
    dependencies,
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

/**
 * The library, and what the framework needs besides it, in the app's package.json; returns the
 * packages added. Without an app package.json (an integrated workspace), a framework package goes
 * into the root one, while the library is left to the workspace's path alias.
 */
function addDependencies(
  tree: Tree,
  layout: AppLayout,
  plan: Plan,
  notes: string[],
): string[] {
  const { library } = layout;
  const wanted: Array<[string, string]> = [
    [LIBRARY_PACKAGE, library.versionRange],
  ];
  if (layout.framework === 'fastify')
    wanted.push([FASTIFY_OTEL_PACKAGE, FASTIFY_OTEL_RANGE]);

  const appManifest = joinPathFragments(layout.project.root, 'package.json');
  const added: string[] = [];
  const addTo = (path: string, packages: Array<[string, string]>) => {
    let manifest = readJson(tree, path);
    for (const [pkg, range] of packages) {
      const updated = withDependency(manifest, pkg, range);
      if (updated) {
        manifest = updated;
        added.push(`${pkg}@${range}`);
      }
    }
    if (added.length > 0) writeJson(tree, path, manifest);
  };
  if (tree.exists(appManifest)) {
    addTo(appManifest, wanted);
  } else {
    notes.push(
      `${layout.name} has no package.json; make sure ${LIBRARY_PACKAGE} resolves (workspace path alias or root dependency).`,
    );
    if (tree.exists('package.json')) addTo('package.json', wanted.slice(1));
  }
  if (added.length > 0)
    plan.push(
      `package.json: ${added.join(', ')} (installed when the run is over)`,
    );

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
      if (updated) {
        writeJson(tree, tsconfig, updated);
        plan.push(
          `${inProject(layout, tsconfig)}: a reference to the library, as nx sync would add`,
        );
      }
    }
  }
  return added;
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
  plan: Plan,
  description: string,
): void {
  const path = joinPathFragments(posix.dirname(layout.entry), `${module}.ts`);
  const existing = tree.read(path, 'utf-8');
  if (existing === null) {
    tree.write(path, content);
    plan.push(`${inProject(layout, path)}: ${description}`);
    return;
  }
  // Ours from an earlier run (maybe edited since): leave it. Someone else's: do not overwrite.
  if (!isGenerated(existing)) {
    throw new Error(
      `${path} already exists and was not written by ${SETUP_MARKER}; rename it and run the generator again.`,
    );
  }
}

/**
 * What the server spans need to carry the route, beyond the library's defaults (which track
 * Express routes, Nest's included): Fastify gets @fastify/otel from a module the app imports;
 * Koa's router routes need the Koa instrumentation switched on (a note).
 */
function wireRouteNames(
  tree: Tree,
  layout: AppLayout,
  plan: Plan,
  notes: string[],
): void {
  if (layout.framework === 'koa') notes.push(koaRouteNote());
  if (layout.framework !== 'fastify') return;
  const autoload = autoloadNote(layout.dependencies, layout.bundles);
  if (autoload) notes.push(autoload);
  writeSupportFile(
    tree,
    layout,
    INSTRUMENTATION_MODULE,
    fastifyInstrumentationTemplate(),
    plan,
    `${FASTIFY_OTEL_PACKAGE}, which names the server spans after the Fastify routes`,
  );
  const source = tree.read(layout.appPath, 'utf-8');
  if (source === null) return;
  const updated = addImportLines(source, [instrumentationImport()]);
  if (updated !== source) {
    tree.write(layout.appPath, updated);
    plan.push(
      `${inProject(layout, layout.appPath)}: imports ./${INSTRUMENTATION_MODULE}.js before it creates its Fastify instance`,
    );
  }
}

/** Returns whether the app serves /metrics after this step. */
function serveMetrics(
  tree: Tree,
  layout: AppLayout,
  plan: Plan,
  notes: string[],
): boolean {
  const source = tree.read(layout.appPath, 'utf-8');
  const style = layout.moduleSystem.system === 'esm' ? 'esm' : 'commonjs';
  if (source === null) {
    notes.push(
      `${layout.appPath} is gone; ${metricsRouteInstructions(layout.framework, layout.appPath, style)}`,
    );
    return false;
  }
  if (servesMetrics(source)) return true;
  const edit = addServerWiring(layout.framework, source, style);
  if (edit.kind === 'added') {
    tree.write(layout.appPath, edit.content);
    const file = inProject(layout, layout.appPath);
    plan.push(
      edit.closesServer
        ? `${file}: GET /metrics, and the server closed on SIGTERM/SIGINT before telemetry flushes`
        : `${file}: GET /metrics`,
    );
    if (!edit.closesServer) {
      notes.push(
        style === 'esm'
          ? `To let in-flight requests finish on SIGTERM, close the server on it: process.once('SIGTERM', () => server.close()).`
          : `To let in-flight requests finish on SIGTERM, register the server: onShutdown(() => new Promise<void>((r) => server.close(() => r()))) (from ./${SHUTDOWN_MODULE}.js).`,
      );
    }
    return true;
  }
  notes.push(metricsRouteInstructions(layout.framework, layout.appPath, style));
  return false;
}

function appendReadme(
  tree: Tree,
  layout: AppLayout,
  metricsRoute: boolean,
  esmStart: EsmStart | undefined,
  plan: Plan,
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
      framework: layout.framework,
      esm: esmStart ? { startCommand: esmStart.command } : undefined,
    },
  );
  if (updated !== undefined) {
    tree.write(path, updated);
    plan.push(
      `${inProject(layout, path)}: a Telemetry section (files, /metrics, variables)`,
    );
  }
}

function report(
  layout: AppLayout,
  esmStart: EsmStart | undefined,
  plan: Plan,
  notes: readonly string[],
): void {
  const where = `${layout.name} (${layout.project.root})`;
  if (plan.length === 0) {
    logger.info(`${where} is already set up: nothing to change.`);
  } else {
    const bundle = layout.bundles ? 'bundled' : 'not bundled';
    logger.info(
      `Telemetry for ${where} (${FRAMEWORK_NAMES[layout.framework]}, ${layout.moduleSystem.system === 'esm' ? 'ES module' : 'CommonJS'}, ${bundle}):`,
    );
    for (const step of plan) logger.info(`  - ${step}`);
  }
  if (esmStart) {
    logger.info(
      `${layout.name} is an ES module app (${layout.moduleSystem.reason}): telemetry starts from ${esmStart.startModule}, loaded before the app with \`${esmStart.command}\`.`,
    );
  }
  for (const note of notes) logger.warn(note);
}

/** A workspace path as the plan shows it: relative to the project (`src/main.ts`). */
function inProject(layout: AppLayout, path: string): string {
  return posix.relative(layout.project.root, path);
}

/** `./x` / `../x` import specifier from a directory to a file. */
function relativeImport(fromDir: string, to: string): string {
  const path = posix.relative(fromDir, to);
  return path.startsWith('.') ? path : `./${path}`;
}
