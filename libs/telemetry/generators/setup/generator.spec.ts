import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  addProjectConfiguration,
  logger,
  readJson,
  readProjectConfiguration,
  updateProjectConfiguration,
  writeJson,
  type ProjectConfiguration,
  type Tree,
} from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { applicationGenerator } from '@nx/node';
import { FsTree } from 'nx/src/generators/tree';
import { setupGenerator } from './generator';
import { SETUP_MARKER } from './lib/templates';

const LIBRARY_VERSION = (
  JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'),
  ) as { version: string }
).version;

type Framework = 'express' | 'fastify' | 'koa' | 'none';

async function createNodeApp(
  tree: Tree,
  framework: Framework,
  name = 'shop',
  projectName?: string,
): Promise<void> {
  await applicationGenerator(tree, {
    directory: `apps/${name}`,
    ...(projectName ? { name: projectName } : {}),
    framework,
    bundler: 'esbuild',
    unitTestRunner: 'none',
    e2eTestRunner: 'none',
    linter: 'none',
    skipFormat: true,
    skipPackageJson: true,
  });
}

/** The workspace's apps bundle (bundle: true); the Nx default is bundle: false. */
function useBundle(tree: Tree, project: string): void {
  const config = readProjectConfiguration(tree, project);
  buildOptions(config).bundle = true;
  updateProjectConfiguration(tree, project, config);
}

function buildOptions(config: ProjectConfiguration): Record<string, unknown> {
  const options = config.targets?.['build']?.options;
  if (!options) throw new Error(`${config.name} has no build options`);
  return options;
}

/** Every file of the tree with its content: the state a second run must leave unchanged. */
function snapshot(tree: Tree, dir = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const child of tree.children(dir)) {
    const path = dir ? `${dir}/${child}` : child;
    if (tree.isFile(path)) files.set(path, tree.read(path, 'utf-8') ?? '');
    else for (const [p, c] of snapshot(tree, path)) files.set(p, c);
  }
  return files;
}

function read(tree: Tree, path: string): string {
  const content = tree.read(path, 'utf-8');
  if (content === null) throw new Error(`${path} does not exist in the tree`);
  return content;
}

describe('setup generator', () => {
  let warnings: string[];
  let infos: string[];

  beforeEach(() => {
    warnings = [];
    infos = [];
    jest.spyOn(logger, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    jest.spyOn(logger, 'info').mockImplementation((message: unknown) => {
      infos.push(String(message));
    });
  });

  afterEach(() => jest.restoreAllMocks());

  describe('on an Express app built with esbuild', () => {
    let tree: Tree;
    let originalMain: string;

    beforeEach(async () => {
      tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'express');
      useBundle(tree, 'shop');
      writeJson(tree, 'apps/shop/package.json', {
        name: '@acme/shop',
        version: '1.2.3',
      });
      originalMain = read(tree, 'apps/shop/src/main.ts');
      await setupGenerator(tree, { project: 'shop', skipFormat: true });
    });

    it('moves the original entry to app.ts and writes an entry that starts telemetry first', () => {
      const main = read(tree, 'apps/shop/src/main.ts');
      expect(main).toContain(SETUP_MARKER);
      // telemetry is imported, then the app is require()d: in that order.
      const telemetryImport = main.indexOf("from './telemetry.js'");
      const appRequire = main.indexOf("require('./app.js')");
      expect(telemetryImport).toBeGreaterThan(-1);
      expect(appRequire).toBeGreaterThan(telemetryImport);
      expect(main).not.toMatch(/from 'express'|require\('express'\)/);

      const app = read(tree, 'apps/shop/src/app.ts');
      // The original code is all still there, line for line, apart from the added lines.
      const added = app
        .split('\n')
        .filter((line) => !originalMain.split('\n').includes(line));
      expect(added).toEqual([
        "import { onShutdown } from './shutdown.js';",
        "import { telemetry } from './telemetry.js';",
        '// Prometheus scrape endpoint (@otel-dice/telemetry); the library records no span for it.',
        "app.get('/metrics', (req, res) => telemetry.metricsHandler(req, res));",
        'const server = app.listen(port, host, () => {',
        '// Let in-flight requests finish (and their spans end) before telemetry is flushed on SIGTERM/SIGINT.',
        'onShutdown(() => new Promise<void>((resolve) => server.close(() => resolve())));',
      ]);
      // ...and the listen call is the one that was there, now named.
      expect(originalMain).toContain('\napp.listen(port, host, () => {');
      // The route is registered on the app, right after it is created.
      expect(app.indexOf("app.get('/metrics'")).toBeGreaterThan(
        app.indexOf('const app = express();'),
      );
      expect(app.indexOf("app.get('/metrics'")).toBeLessThan(
        app.indexOf("app.get('/'"),
      );
    });

    it('writes telemetry.ts with the service name and the bundled package version', () => {
      const telemetry = read(tree, 'apps/shop/src/telemetry.ts');
      expect(telemetry).toContain(
        "import { runService, type Telemetry } from '@otel-dice/telemetry';",
      );
      expect(telemetry).toContain(
        "runService({ name: 'shop', serviceVersion: readServiceVersion() })",
      );
      expect(telemetry).toContain("require('../package.json')");
      expect(telemetry).toContain('process.exit(1)');
    });

    it('writes shutdown.ts handling SIGTERM and SIGINT', () => {
      const shutdown = read(tree, 'apps/shop/src/shutdown.ts');
      expect(shutdown).toContain(
        "const SIGNALS = ['SIGTERM', 'SIGINT'] as const;",
      );
      expect(shutdown).toContain('telemetry.shutdown()');
      expect(shutdown).toContain('export function onShutdown');
    });

    it('keeps npm packages external in the esbuild build', () => {
      const options = buildOptions(readProjectConfiguration(tree, 'shop'));
      expect(options['thirdParty']).toBe(false);
      expect(options['main']).toBe('apps/shop/src/main.ts');
    });

    it('adds the dependency and documents the variables in the README', () => {
      // Outside a workspace that holds it, the library's own version (its package.json).
      expect(readJson(tree, 'apps/shop/package.json').dependencies).toEqual({
        '@otel-dice/telemetry': `^${LIBRARY_VERSION}`,
      });
      const readme = read(tree, 'apps/shop/README.md');
      expect(readme).toContain('## Telemetry');
      expect(readme).toContain('`OTEL_EXPORTER_OTLP_ENDPOINT`');
      expect(readme).toContain("`GET /metrics` on the app's own port");
    });

    it('changes nothing when run a second time', async () => {
      const before = snapshot(tree);
      await setupGenerator(tree, { project: 'shop', skipFormat: true });
      expect(snapshot(tree)).toEqual(before);
    });
  });

  describe('on an app without an HTTP framework (bundle: false)', () => {
    let tree: Tree;

    beforeEach(async () => {
      tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'none', 'worker');
      await setupGenerator(tree, {
        project: 'worker',
        serviceName: 'batch-worker',
        skipFormat: true,
      });
    });

    it('still wires the entry, and says how to serve /metrics instead of guessing', () => {
      expect(read(tree, 'apps/worker/src/main.ts')).toContain(
        "require('./app.js')",
      );
      expect(read(tree, 'apps/worker/src/app.ts')).toBe(
        "console.log('Hello World');",
      );
      expect(warnings.join('\n')).toContain(
        'No HTTP framework found in apps/worker/src/app.ts',
      );
      expect(read(tree, 'apps/worker/README.md')).toContain(
        'Serve `telemetry.metricsHandler(req, res)`',
      );
    });

    it('does not read package.json at run time when nothing bundles it', () => {
      const telemetry = read(tree, 'apps/worker/src/telemetry.ts');
      expect(telemetry).toContain("runService({ name: 'batch-worker' })");
      expect(telemetry).not.toContain('package.json');
      expect(
        buildOptions(readProjectConfiguration(tree, 'worker'))['thirdParty'],
      ).toBeUndefined();
    });

    it('changes nothing when run a second time', async () => {
      const before = snapshot(tree);
      await setupGenerator(tree, {
        project: 'worker',
        serviceName: 'batch-worker',
        skipFormat: true,
      });
      expect(snapshot(tree)).toEqual(before);
    });
  });

  describe('in a workspace that contains the library', () => {
    it('depends on it with "*" and adds the TS project reference, as nx sync would', async () => {
      const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      writeJson(tree, 'tsconfig.json', { files: [], references: [] });
      writeJson(tree, 'libs/telemetry/package.json', {
        name: '@otel-dice/telemetry',
        version: '0.0.1',
        nx: {},
      });
      writeJson(tree, 'libs/telemetry/tsconfig.lib.json', {});
      await createNodeApp(tree, 'express');
      writeJson(tree, 'apps/shop/package.json', {
        name: '@acme/shop',
        dependencies: { express: '^5.0.0' },
      });

      await setupGenerator(tree, { project: 'shop', skipFormat: true });

      expect(readJson(tree, 'apps/shop/package.json').dependencies).toEqual({
        '@otel-dice/telemetry': '*',
        express: '^5.0.0',
      });
      expect(readJson(tree, 'apps/shop/tsconfig.app.json').references).toEqual([
        { path: '../../libs/telemetry/tsconfig.lib.json' },
      ]);
      expect(read(tree, 'apps/shop/README.md')).toContain(
        '](../../libs/telemetry/README.md)',
      );
    });
  });

  describe('refuses instead of overwriting', () => {
    it('when app.ts and server.ts already exist, naming the option to use', async () => {
      const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'express');
      tree.write('apps/shop/src/app.ts', 'export const mine = 1;\n');
      tree.write('apps/shop/src/server.ts', 'export const mine = 2;\n');
      await expect(
        setupGenerator(tree, { project: 'shop', skipFormat: true }),
      ).rejects.toThrow(
        'apps/shop/src/app.ts already exists, so the current entry apps/shop/src/main.ts cannot move there. Pass --appFile=<name>',
      );
      expect(read(tree, 'apps/shop/src/app.ts')).toBe(
        'export const mine = 1;\n',
      );
    });

    it('moves the entry to server.ts when app.ts is taken', async () => {
      const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'express');
      tree.write('apps/shop/src/app.ts', 'export const mine = 1;\n');
      await setupGenerator(tree, { project: 'shop', skipFormat: true });
      expect(read(tree, 'apps/shop/src/main.ts')).toContain(
        "require('./server.js')",
      );
      expect(read(tree, 'apps/shop/src/app.ts')).toBe(
        'export const mine = 1;\n',
      );
    });

    it('and uses --appFile when given', async () => {
      const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'express');
      tree.write('apps/shop/src/app.ts', 'export const mine = 1;\n');
      await setupGenerator(tree, {
        project: 'shop',
        appFile: 'web',
        skipFormat: true,
      });
      expect(read(tree, 'apps/shop/src/main.ts')).toContain(
        "require('./web.js')",
      );
      expect(read(tree, 'apps/shop/src/web.ts')).toContain(
        "app.get('/metrics'",
      );
    });

    it('when a telemetry.ts of someone else is in the way', async () => {
      const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'express');
      tree.write('apps/shop/src/telemetry.ts', 'export {};\n');
      await expect(
        setupGenerator(tree, { project: 'shop', skipFormat: true }),
      ).rejects.toThrow(
        'apps/shop/src/telemetry.ts already exists and was not written by @otel-dice/telemetry:setup',
      );
    });

    it('for an unknown project, listing the applications', async () => {
      const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'express');
      await expect(
        setupGenerator(tree, { project: 'nope', skipFormat: true }),
      ).rejects.toThrow(
        'Cannot find project "nope" (by name, directory or short name). Applications in this workspace: shop (apps/shop).',
      );
    });

    it('for a framework it cannot wire, in one line, changing nothing', async () => {
      const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'none');
      tree.write(
        'apps/shop/src/main.ts',
        "import Hapi from '@hapi/hapi';\n\nconst server = Hapi.server({ port: 3000 });\nvoid server.start();\n",
      );
      const before = snapshot(tree);
      await expect(
        setupGenerator(tree, { project: 'shop', skipFormat: true }),
      ).rejects.toThrow(
        /^shop runs on hapi, which the setup generator cannot wire \(it wires Express, Fastify, Koa, NestJS on Express and plain Node apps\); nothing was changed\.$/,
      );
      expect(snapshot(tree)).toEqual(before);
    });
  });

  describe('on an ES module Express app ("type": "module", esbuild esm)', () => {
    let tree: Tree;
    let originalMain: string;

    beforeEach(async () => {
      tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'express');
      const config = readProjectConfiguration(tree, 'shop');
      Object.assign(buildOptions(config), { bundle: true, format: ['esm'] });
      updateProjectConfiguration(tree, 'shop', config);
      writeJson(tree, 'apps/shop/package.json', {
        name: '@acme/shop',
        version: '1.2.3',
        type: 'module',
      });
      originalMain = read(tree, 'apps/shop/src/main.ts');
      await setupGenerator(tree, { project: 'shop', skipFormat: true });
    });

    it('keeps the entry and writes a start module for node --import, built as a file of its own', () => {
      expect(tree.exists('apps/shop/src/app.ts')).toBe(false);
      expect(tree.exists('apps/shop/src/shutdown.ts')).toBe(false);
      const start = read(tree, 'apps/shop/src/telemetry.ts');
      expect(start).toContain(SETUP_MARKER);
      expect(start).toContain(
        "if (!runService({ name: 'shop', serviceVersion: readServiceVersion(), flushOnExit: true })) process.exit(1);",
      );
      // This workspace builds to dist/apps/shop (outside the app): shown from the workspace root.
      expect(start).toContain(
        'node --import ./dist/apps/shop/telemetry.js dist/apps/shop/main.js',
      );
      const config = readProjectConfiguration(tree, 'shop');
      expect(buildOptions(config)).toMatchObject({
        thirdParty: false,
        additionalEntryPoints: ['apps/shop/src/telemetry.ts'],
        esbuildOptions: {
          banner: {
            js: expect.stringContaining('CreateRequire(import.meta.url)'),
          },
        },
      });
      expect(config.targets?.['serve']?.options?.runtimeArgs).toEqual([
        '--import',
        './dist/apps/shop/telemetry.js',
      ]);
      expect(infos.join('\n')).toContain(
        'shop is an ES module app ("type": "module" in its package.json)',
      );
    });

    it('serves /metrics through the library and closes the server on the signals, nothing imported from the start module', () => {
      const main = read(tree, 'apps/shop/src/main.ts');
      const added = main
        .split('\n')
        .filter((line) => !originalMain.split('\n').includes(line));
      expect(added).toEqual([
        "import { metricsHandler } from '@otel-dice/telemetry';",
        '// Prometheus scrape endpoint of the telemetry started with node --import; no span is recorded for it.',
        "app.get('/metrics', (req, res) => metricsHandler(req, res));",
        'const server = app.listen(port, host, () => {',
        '// On SIGTERM/SIGINT let in-flight requests finish; the telemetry start module flushes on the same signals.',
        "for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => server.close());",
      ]);
      expect(main).not.toContain('./telemetry.js');
      const readme = read(tree, 'apps/shop/README.md');
      expect(readme).toContain('This is an ES module app');
      expect(readme).toContain(
        '`node --import ./dist/apps/shop/telemetry.js dist/apps/shop/main.js`',
      );
    });

    it('changes nothing when run a second time', async () => {
      const before = snapshot(tree);
      await setupGenerator(tree, { project: 'shop', skipFormat: true });
      expect(snapshot(tree)).toEqual(before);
    });
  });

  describe('finds the project the way a user names it', () => {
    let tree: Tree;

    beforeEach(async () => {
      // What Nx 23 does in a TS-solution workspace: the project is named after its package.
      tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'express', 'shop', '@acme/shop');
    });

    it.each(['@acme/shop', 'apps/shop', './apps/shop/', 'shop'])(
      'as %s',
      async (requested) => {
        await setupGenerator(tree, { project: requested, skipFormat: true });
        expect(read(tree, 'apps/shop/src/main.ts')).toContain(
          "require('./app.js')",
        );
        // The service is named after the project, without its npm scope.
        expect(read(tree, 'apps/shop/src/telemetry.ts')).toContain(
          "runService({ name: 'shop' })",
        );
      },
    );

    it('and not when the short name is ambiguous', async () => {
      await createNodeApp(tree, 'express', 'other/shop', '@other/shop');
      await expect(
        setupGenerator(tree, { project: 'shop', skipFormat: true }),
      ).rejects.toThrow(
        '"shop" names more than one project: @acme/shop (apps/shop), @other/shop (apps/other/shop). Pass one of these names.',
      );
    });
  });

  describe('on a Fastify app (the Nx template, bundle: false)', () => {
    let tree: Tree;
    let install: unknown;

    beforeEach(async () => {
      tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'fastify');
      writeJson(tree, 'apps/shop/package.json', {
        name: '@acme/shop',
        dependencies: { fastify: '~5.2.1', '@fastify/autoload': '~6.0.3' },
      });
      install = await setupGenerator(tree, {
        project: 'shop',
        skipFormat: true,
      });
    });

    it("moves the entry to server.ts (src/app/ is the template's) and wires the route, the instrumentation and shutdown", () => {
      expect(read(tree, 'apps/shop/src/main.ts')).toContain(
        "require('./server.js')",
      );
      const server = read(tree, 'apps/shop/src/server.ts');
      expect(server).toContain("import './instrumentation.js';");
      expect(server).toContain("server.get('/metrics', (request, reply) => {");
      expect(server).toContain('onShutdown(() => server.close());');
      expect(server).toContain("import { app } from './app/app';");
      const instrumentation = read(tree, 'apps/shop/src/instrumentation.ts');
      expect(instrumentation).toContain('new FastifyOtelInstrumentation({');
      expect(readJson(tree, 'apps/shop/package.json').dependencies).toEqual({
        '@fastify/autoload': '~6.0.3',
        '@fastify/otel': '^0.21.2',
        '@otel-dice/telemetry': `^${LIBRARY_VERSION}`,
        fastify: '~5.2.1',
      });
      expect(read(tree, 'apps/shop/README.md')).toContain(
        "`instrumentation.ts` creates `@fastify/otel`'s instrumentation",
      );
    });

    it('prints what it changes, and installs the new dependencies afterwards', () => {
      expect(infos).toEqual([
        'Telemetry for shop (apps/shop) (Fastify, CommonJS, not bundled):',
        `  - package.json: @otel-dice/telemetry@^${LIBRARY_VERSION}, @fastify/otel@^0.21.2 (installed when the run is over)`,
        '  - src/main.ts moves to src/server.ts; the new main.ts starts telemetry first, then loads it',
        '  - src/telemetry.ts: runService() for service shop',
        '  - src/shutdown.ts: on SIGTERM/SIGINT: close the server, flush telemetry, exit 0',
        '  - src/instrumentation.ts: @fastify/otel, which names the server spans after the Fastify routes',
        '  - src/server.ts: imports ./instrumentation.js before it creates its Fastify instance',
        '  - src/server.ts: GET /metrics, and the server closed on SIGTERM/SIGINT before telemetry flushes',
        '  - README.md: a Telemetry section (files, /metrics, variables)',
      ]);
      expect(typeof install).toBe('function');
      // Not bundled: @fastify/autoload finds its plugin files, nothing to warn about.
      expect(warnings).toEqual([]);
    });

    it('changes nothing when run a second time, and says so', async () => {
      const before = snapshot(tree);
      infos.length = 0;
      const again = await setupGenerator(tree, {
        project: 'shop',
        skipFormat: true,
      });
      expect(snapshot(tree)).toEqual(before);
      expect(again).toBeUndefined();
      expect(infos).toEqual([
        'shop (apps/shop) is already set up: nothing to change.',
      ]);
    });

    it('warns that a bundled Nx Fastify app cannot find its plugins, with or without telemetry', async () => {
      const bundled = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(bundled, 'fastify');
      useBundle(bundled, 'shop');
      writeJson(bundled, 'apps/shop/package.json', {
        name: '@acme/shop',
        dependencies: { fastify: '~5.2.1', '@fastify/autoload': '~6.0.3' },
      });
      await setupGenerator(bundled, { project: 'shop', skipFormat: true });
      expect(warnings.join('\n')).toContain('ENOENT on dist/plugins');
    });
  });

  describe('on an ES module Fastify app', () => {
    it('imports the instrumentation and serves /metrics from the library in the entry it keeps', async () => {
      const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'fastify');
      writeJson(tree, 'apps/shop/package.json', {
        name: '@acme/shop',
        type: 'module',
        dependencies: { fastify: '~5.2.1' },
      });
      await setupGenerator(tree, { project: 'shop', skipFormat: true });
      const main = read(tree, 'apps/shop/src/main.ts');
      expect(main).toContain("import './instrumentation.js';");
      expect(main).toContain(
        "import { metricsHandler } from '@otel-dice/telemetry';",
      );
      expect(main).toContain('  metricsHandler(request.raw, reply.raw);');
      expect(main).toContain(
        "for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => server.close());",
      );
      expect(tree.exists('apps/shop/src/server.ts')).toBe(false);
      expect(tree.exists('apps/shop/src/instrumentation.ts')).toBe(true);
    });
  });

  describe('on a Koa app (the Nx template)', () => {
    it('serves /metrics ahead of the other middleware, closes the server, and says how Koa routes get named', async () => {
      const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(tree, 'koa');
      await setupGenerator(tree, { project: 'shop', skipFormat: true });
      const app = read(tree, 'apps/shop/src/app.ts');
      expect(app).toContain("if (ctx.path === '/metrics') {");
      expect(app).toContain('const server = app.listen(port, host, () => {');
      expect(tree.exists('apps/shop/src/instrumentation.ts')).toBe(false);
      expect(warnings.join('\n')).toContain(
        'add koa to OTEL_NODE_ENABLED_INSTRUMENTATIONS',
      );
    });
  });

  describe('on a Nest app (the shape @nx/nest 23 writes: webpack build inferred from webpack.config.js)', () => {
    it('moves the entry to server.ts, serves /metrics on the HTTP adapter, and reads the version from the bundle', async () => {
      const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
      addProjectConfiguration(tree, 'api', {
        root: 'apps/api',
        sourceRoot: 'apps/api/src',
        projectType: 'application',
        targets: {},
      });
      tree.write(
        'apps/api/webpack.config.js',
        "const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');\nmodule.exports = { plugins: [new NxAppWebpackPlugin({ target: 'node', compiler: 'tsc', main: './src/main.ts' })] };\n",
      );
      writeJson(tree, 'apps/api/package.json', {
        name: '@acme/api',
        version: '0.0.1',
        dependencies: {
          '@nestjs/core': '^11.0.0',
          '@nestjs/platform-express': '^11.0.0',
        },
      });
      tree.write(
        'apps/api/src/main.ts',
        "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app/app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\n\nbootstrap();\n",
      );
      tree.write(
        'apps/api/src/app/app.module.ts',
        'export class AppModule {}\n',
      );

      await setupGenerator(tree, { project: 'api', skipFormat: true });

      expect(read(tree, 'apps/api/src/main.ts')).toContain(
        "require('./server.js')",
      );
      expect(read(tree, 'apps/api/src/server.ts')).toContain(
        "  app.getHttpAdapter().get('/metrics', (req, res) => telemetry.metricsHandler(req, res));\n",
      );
      expect(read(tree, 'apps/api/src/telemetry.ts')).toContain(
        "require('../package.json')",
      );
      expect(infos[0]).toBe(
        'Telemetry for api (apps/api) (NestJS on Express, CommonJS, bundled):',
      );
      expect(warnings).toEqual([]);
    });
  });

  describe('dry run', () => {
    let root: string;

    afterEach(() => rmSync(root, { recursive: true, force: true }));

    /** Lists every file under `dir` with its size and mtime: what "the disk did not change" means. */
    function diskState(dir: string): Map<string, string> {
      const state = new Map<string, string>();
      const walk = (current: string) => {
        for (const entry of readdirSync(current, { withFileTypes: true })) {
          const path = join(current, entry.name);
          if (entry.isDirectory()) walk(path);
          else {
            const stat = statSync(path);
            state.set(
              path,
              `${stat.size}:${stat.mtimeMs}:${readFileSync(path, 'utf8')}`,
            );
          }
        }
      };
      walk(dir);
      return state;
    }

    it('computes every change in the Tree and writes nothing to disk', async () => {
      // A real workspace on disk, read through Nx's own file-system tree, as `nx g --dry-run` does.
      const source = createTreeWithEmptyWorkspace({ formatter: 'none' });
      await createNodeApp(source, 'express');
      useBundle(source, 'shop');
      root = mkdtempSync(join(tmpdir(), 'setup-dry-run-'));
      for (const [path, content] of snapshot(source)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), content);
      }
      const before = diskState(root);

      const tree = new FsTree(root, false);
      await setupGenerator(tree, { project: 'shop', skipFormat: true });

      expect(
        tree
          .listChanges()
          .map((change) => `${change.type} ${change.path}`)
          .sort(),
      ).toEqual([
        'CREATE apps/shop/README.md',
        'CREATE apps/shop/src/app.ts',
        'CREATE apps/shop/src/shutdown.ts',
        'CREATE apps/shop/src/telemetry.ts',
        'UPDATE apps/shop/project.json',
        'UPDATE apps/shop/src/main.ts',
      ]);
      expect(diskState(root)).toEqual(before);
      // What it will change, in words, before Nx lists the files.
      expect(infos).toContain(
        '  - src/main.ts moves to src/app.ts; the new main.ts starts telemetry first, then loads it',
      );
    });
  });
});
