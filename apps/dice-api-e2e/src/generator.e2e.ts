/**
 * ISSUES 5, 15, 22 — `nx g @otel-dice/telemetry:setup` turns a default Nx 23 Node application
 * into an instrumented one, doing exactly what a user does in a fresh clone.
 *
 * In a scratch copy of this workspace (support/scratch-workspace.ts: git's files, node_modules
 * hard-linked, the real checkout untouched — checked at the end):
 *
 * - Express, `nx g @nx/node:application` with its defaults (esbuild, `bundle: false`: the build
 *   that broke in issue 22), set up by its short name after an unknown name was refused with the
 *   list of apps; the dry run prints the plan and writes nothing; a second run by directory changes
 *   nothing; `npm install`, `nx sync:check`, `nx build`, `nx serve`: the server span `GET /` with
 *   `http.route` arrives at the OTLP receiver, `/metrics` answers; the built app exits 0 on SIGTERM.
 * - Fastify, defaults: the generator adds (and installs) @fastify/otel, whose route reaches the
 *   library's server span (`GET /`, `http.route` "/", a `request` span of @fastify/otel under
 *   it); `/metrics` is a Fastify route; `nx serve` as above.
 * - Express with `bundle: true`: express stays outside the bundle, where it can be patched.
 * - An ES module app ("type": "module", esbuild esm): the entry stays, a start module is built as
 *   dist/telemetry.js and passed to `nx serve` with --import; the route arrives, no late-start
 *   warning.
 *
 * Koa, `none` and Nest are wired by the same code paths (unit tests: generator.spec.ts and the
 * framework files); Nest needs @nx/nest and webpack fetched from the registry, minutes more.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import {
  getFreePort,
  httpGet,
  startNodeApp,
  startOtlpReceiver,
  stopAllProcesses,
  waitUntil,
  type OtlpReceiver,
  type ReceivedSpan,
} from '@otel-dice/test-support';
import {
  copyWorkspace,
  inPlaceWrites,
  nx,
  ok,
  run,
  scratchUnavailable,
  startGroup,
  type ScratchWorkspace,
} from './support/scratch-workspace';

const WORKSPACE = resolve(__dirname, '../../..');
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_INTERNAL = 1;
/** One nx/npm step in a cold workspace copy on a busy 2-core machine. */
const STEP_TIMEOUT_MS = 300_000;
const TEST_TIMEOUT_MS = 900_000;

const reason = scratchUnavailable(WORKSPACE);
if (reason)
  process.stdout.write(`dice-api-e2e: skipping generator.e2e: ${reason}\n`);
const describeIfAvailable = reason ? describe.skip : describe;

/** Path -> content hash of every file under `dir` (relative paths), dist and node_modules aside. */
function fingerprint(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (current: string, prefix: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = join(current, entry.name);
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path, rel);
      else
        files[rel] = createHash('sha256')
          .update(readFileSync(path))
          .digest('hex');
    }
  };
  walk(dir, '');
  return files;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

interface AppManifest {
  name: string;
  type?: string;
  dependencies?: Record<string, string>;
  nx: {
    targets: {
      build: { options: Record<string, unknown> };
      serve: { options: Record<string, unknown> };
    };
  };
}

/** The user's own edit of a generated app's build options (and package type). */
function editApp(
  ws: string,
  appRoot: string,
  edit: (manifest: AppManifest) => void,
): void {
  const path = join(ws, appRoot, 'package.json');
  const manifest = readJson<AppManifest>(path);
  edit(manifest);
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Waits for a server span of `service` with `http.route` `route`, and returns it. */
async function serverSpan(
  receiver: OtlpReceiver,
  service: string,
  route: string,
): Promise<ReceivedSpan> {
  const matches = (s: ReceivedSpan) =>
    s.resource['service.name'] === service &&
    s.kind === SPAN_KIND_SERVER &&
    s.attributes['http.route'] === route;
  const spans = await receiver.waitForSpans((all) => all.some(matches), {
    timeoutMs: 30_000,
    what: `a server span with http.route ${route} from service ${service}`,
  });
  const span = spans.find(matches);
  if (span === undefined) throw new Error(`no server span from ${service}`);
  return span;
}

describeIfAvailable(
  'nx g @otel-dice/telemetry:setup on default Nx 23 Node applications',
  () => {
    let scratch: ScratchWorkspace | undefined;
    let receiver: OtlpReceiver | undefined;
    const stops: Array<() => Promise<void>> = [];

    afterAll(async () => {
      for (const stop of stops) await stop();
      await stopAllProcesses();
      await receiver?.stop();
      if (scratch) rmSync(scratch.root, { recursive: true, force: true });
    });

    /** The workspace copy, made (and synced) once for all tests. */
    async function workspace(): Promise<string> {
      if (scratch) return scratch.root;
      scratch = copyWorkspace(WORKSPACE);
      // Settle any reference drift the copied working tree may carry, so sync:check below is
      // about what the generators did.
      await ok(nx(scratch.root, ['sync'], STEP_TIMEOUT_MS), 'nx sync');
      return scratch.root;
    }

    async function otlp(): Promise<OtlpReceiver> {
      receiver ??= await startOtlpReceiver();
      return receiver;
    }

    /** `nx g @nx/node:application <dir> --framework=<f>`, otherwise its defaults. */
    async function generateApp(ws: string, dir: string, framework: string) {
      await ok(
        nx(
          ws,
          [
            'g',
            '@nx/node:application',
            dir,
            `--framework=${framework}`,
            '--no-interactive',
          ],
          STEP_TIMEOUT_MS,
        ),
        `nx g @nx/node:application ${dir}`,
      );
    }

    function setup(ws: string, project: string, ...flags: string[]) {
      return nx(
        ws,
        [
          'g',
          '@otel-dice/telemetry:setup',
          project,
          ...flags,
          '--no-interactive',
        ],
        STEP_TIMEOUT_MS,
      );
    }

    /**
     * `nx serve <project>` with the app's HOST/PORT and the receiver as its OTLP endpoint, until
     * `/` answers 200; stopped (whole process group) when the suite ends or by the caller.
     */
    async function serve(ws: string, project: string, port: number) {
      const endpoint = (await otlp()).endpoint;
      const served = startGroup(
        ws,
        process.execPath,
        [
          join(ws, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'),
          'serve',
          project,
          '--outputStyle=static',
        ],
        {
          // The Nx templates read HOST and PORT.
          HOST: '127.0.0.1',
          PORT: String(port),
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_BSP_SCHEDULE_DELAY: '100',
        },
      );
      stops.push(() => served.stop());
      // A serve that ends (a build error, a crash) stops the wait at once, with its output.
      const controller = new AbortController();
      void served.exited.then((code) =>
        controller.abort(new Error(`nx serve ${project} exited (${code})`)),
      );
      try {
        await waitUntil(
          async () => {
            const response = await httpGet(`http://127.0.0.1:${port}/`, {
              timeoutMs: 1_000,
            });
            if (response.status !== 200)
              throw new Error(`HTTP ${response.status}`);
            return true;
          },
          {
            timeoutMs: STEP_TIMEOUT_MS,
            intervalMs: 500,
            signal: controller.signal,
            what: `nx serve ${project} to answer on port ${port}`,
          },
        );
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\n--- nx serve output ---\n${served.output()}`,
        );
      }
      return served;
    }

    /** The built app started directly: exits 0 on SIGTERM after flushing. */
    async function exitsCleanly(ws: string, main: string, port: number) {
      const app = await startNodeApp({
        main,
        cwd: ws,
        port,
        healthPath: '/',
        env: {
          HOST: '127.0.0.1',
          PORT: String(port),
          OTEL_TRACES_EXPORTER: 'none',
        },
        startTimeoutMs: 60_000,
      });
      expect((await httpGet(`${app.baseUrl}/`)).status).toBe(200);
      expect(await app.stop('SIGTERM')).toMatchObject({
        code: 0,
        forcedKill: false,
      });
    }

    it(
      'Express with the defaults (bundle: false): named as the user names it, dry run, idempotent, npm install, build, nx serve, spans and /metrics',
      async () => {
        const ws = await workspace();
        const appRoot = 'apps/shop';
        await generateApp(ws, appRoot, 'express');
        const project = readJson<AppManifest>(
          join(ws, appRoot, 'package.json'),
        ).name;
        // Nx 23 names it after its package; the user types "shop".
        expect(project).toBe('@otel-dice/shop');
        const generated = fingerprint(join(ws, appRoot));
        const rootFiles = ['package.json', 'nx.json', 'tsconfig.json'].map(
          (f) => readFileSync(join(ws, f), 'utf8'),
        );

        // A name nothing answers to: refused, naming the applications there are.
        const wrong = await setup(ws, 'shopp');
        expect(wrong.code).not.toBe(0);
        expect(wrong.output).toContain(
          'Cannot find project "shopp" (by name, directory or short name). Applications in this workspace:',
        );
        expect(wrong.output).toContain('@otel-dice/shop (apps/shop)');

        // --dry-run: prints what it will change, writes nothing.
        const dryRun = await ok(setup(ws, 'shop', '--dry-run'), 'dry run');
        expect(dryRun).toContain(
          'Telemetry for @otel-dice/shop (apps/shop) (Express, CommonJS, not bundled):',
        );
        expect(dryRun).toContain(
          '- src/main.ts moves to src/app.ts; the new main.ts starts telemetry first, then loads it',
        );
        expect(dryRun).toContain(
          '- src/app.ts: GET /metrics, and the server closed on SIGTERM/SIGINT before telemetry flushes',
        );
        expect(dryRun).toContain(`CREATE ${appRoot}/src/telemetry.ts`);
        expect(dryRun).toContain(`UPDATE ${appRoot}/src/main.ts`);
        expect(fingerprint(join(ws, appRoot))).toEqual(generated);

        // For real, by the short name the README shows.
        await ok(setup(ws, 'shop'), 'setup shop');
        const setUp = fingerprint(join(ws, appRoot));
        expect(
          Object.keys(setUp)
            .filter((f) => !(f in generated))
            .sort(),
        ).toEqual([
          'README.md',
          'src/app.ts',
          'src/shutdown.ts',
          'src/telemetry.ts',
        ]);
        expect(
          readJson<AppManifest>(join(ws, appRoot, 'package.json')).dependencies,
        ).toMatchObject({ '@otel-dice/telemetry': '*' });

        // Again, by its directory: nothing changes, anywhere, and it says so.
        const again = await ok(setup(ws, appRoot), 'setup again');
        expect(again).toContain(
          '@otel-dice/shop (apps/shop) is already set up: nothing to change.',
        );
        expect(fingerprint(join(ws, appRoot))).toEqual(setUp);
        expect(
          ['package.json', 'nx.json', 'tsconfig.json'].map((f) =>
            readFileSync(join(ws, f), 'utf8'),
          ),
        ).toEqual(rootFiles);

        await ok(
          run(
            ws,
            'npm',
            ['install', '--prefer-offline', '--no-audit', '--no-fund'],
            STEP_TIMEOUT_MS,
          ),
          'npm install',
        );
        // The TS project references are what `nx sync` wants: nothing left for it to do.
        await ok(nx(ws, ['sync:check'], STEP_TIMEOUT_MS), 'nx sync:check');
        // The build issue 22 found broken ("Two output files share the same path").
        await ok(
          nx(ws, ['build', project, '--outputStyle=static'], STEP_TIMEOUT_MS),
          'nx build',
        );

        const port = await getFreePort();
        const served = await serve(ws, project, port);
        const receiver = await otlp();
        // http.route comes from the Express route: express was loaded after telemetry started
        // and patched, also in this non-bundled build.
        const span = await serverSpan(receiver, 'shop', '/');
        expect(span.name).toBe('GET /');
        const metrics = await httpGet(`http://127.0.0.1:${port}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.body).toMatch(
          /http_server_request_duration_count\{[^}]*http_route="\/"/,
        );
        expect(metrics.body).toContain('system_cpu_time_total{');
        await served.stop();

        await exitsCleanly(
          ws,
          join(appRoot, 'dist', 'main.js'),
          await getFreePort(),
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'Fastify with the defaults: @fastify/otel names the route of the server span; /metrics; nx serve',
      async () => {
        const ws = await workspace();
        const appRoot = 'apps/catalog';
        await generateApp(ws, appRoot, 'fastify');
        const output = await ok(setup(ws, appRoot), 'setup catalog');
        expect(output).toContain(
          '- src/instrumentation.ts: @fastify/otel, which names the server spans after the Fastify routes',
        );
        const manifest = readJson<AppManifest>(
          join(ws, appRoot, 'package.json'),
        );
        expect(manifest.dependencies).toMatchObject({
          '@fastify/otel': expect.any(String),
          '@otel-dice/telemetry': '*',
        });
        // No npm install of our own: the generator's install brought @fastify/otel.
        await ok(
          nx(
            ws,
            ['build', manifest.name, '--outputStyle=static'],
            STEP_TIMEOUT_MS,
          ),
          'nx build',
        );

        const port = await getFreePort();
        const served = await serve(ws, manifest.name, port);
        const receiver = await otlp();
        const span = await serverSpan(receiver, 'catalog', '/');
        expect(span.name).toBe('GET /');
        expect(span.scope.name).toBe('@otel-dice/telemetry/http-server');
        // The route came from @fastify/otel, whose request span runs inside the server span.
        const spans = await receiver.waitForSpans(
          (all) =>
            all.some(
              (s) =>
                s.parentSpanId === span.spanId &&
                s.scope.name === '@fastify/otel',
            ),
          { timeoutMs: 30_000, what: "@fastify/otel's request span" },
        );
        const request = spans.find((s) => s.parentSpanId === span.spanId);
        expect(request).toMatchObject({
          name: 'request',
          kind: SPAN_KIND_INTERNAL,
          traceId: span.traceId,
        });
        const metrics = await httpGet(`http://127.0.0.1:${port}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.body).toMatch(
          /http_server_request_duration_count\{[^}]*http_route="\/"/,
        );
        // Scrapes make no spans, neither the library's nor @fastify/otel's.
        expect(
          receiver.spans.filter(
            (s) =>
              s.resource['service.name'] === 'catalog' &&
              (s.attributes['url.path'] === '/metrics' ||
                s.attributes['http.route'] === '/metrics'),
          ),
        ).toEqual([]);
        await served.stop();

        await exitsCleanly(
          ws,
          join(appRoot, 'dist', 'main.js'),
          await getFreePort(),
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'Express with bundle: true: npm packages stay outside the bundle, where the instrumentations patch them',
      async () => {
        const ws = await workspace();
        const appRoot = 'apps/bundled';
        await generateApp(ws, appRoot, 'express');
        editApp(ws, appRoot, (m) => {
          m.nx.targets.build.options['bundle'] = true;
        });
        await ok(setup(ws, '@otel-dice/bundled'), 'setup bundled');
        const manifest = readJson<AppManifest>(
          join(ws, appRoot, 'package.json'),
        );
        expect(manifest.nx.targets.build.options).toMatchObject({
          bundle: true,
          thirdParty: false,
        });
        await ok(
          nx(
            ws,
            ['build', manifest.name, '--outputStyle=static'],
            STEP_TIMEOUT_MS,
          ),
          'nx build',
        );
        const built = join(ws, appRoot, 'dist', 'main.js');
        // One bundle with the app and the library inlined, express left to require().
        const bundle = readFileSync(built, 'utf8');
        expect(bundle).toContain('require("express")');
        expect(bundle).toContain('startTelemetry');
        expect(bundle).not.toMatch(/express\/lib\/application/);

        const receiver = await otlp();
        const port = await getFreePort();
        const app = await startNodeApp({
          main: built,
          cwd: ws,
          port,
          healthPath: '/',
          env: {
            HOST: '127.0.0.1',
            PORT: String(port),
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
            OTEL_BSP_SCHEDULE_DELAY: '100',
          },
        });
        expect((await httpGet(`${app.baseUrl}/`)).status).toBe(200);
        const span = await serverSpan(receiver, 'bundled', '/');
        expect(span.name).toBe('GET /');
        // The bundler inlined the app's package.json: service.version without reading a file.
        expect(span.resource['service.version']).toBe('0.0.1');
        expect((await httpGet(`${app.baseUrl}/metrics`)).status).toBe(200);
        expect(await app.stop('SIGTERM')).toMatchObject({
          code: 0,
          forcedKill: false,
        });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'an ES module app: a start module loaded by node --import, and its spans carry the route',
      async () => {
        const ws = await workspace();
        const appRoot = 'apps/probe-esm';
        await generateApp(ws, appRoot, 'express');
        // What turning the generated app into an ES module app takes.
        editApp(ws, appRoot, (m) => {
          m.type = 'module';
          Object.assign(m.nx.targets.build.options, {
            bundle: true,
            format: ['esm'],
          });
        });
        const generated = fingerprint(join(ws, appRoot));
        const output = await ok(setup(ws, 'probe-esm'), 'setup probe-esm');
        expect(output).toContain('@otel-dice/probe-esm is an ES module app');
        const setUp = fingerprint(join(ws, appRoot));
        expect(
          Object.keys(setUp)
            .filter((f) => !(f in generated))
            .sort(),
        ).toEqual(['README.md', 'src/telemetry.ts']);
        const manifest = readJson<AppManifest>(
          join(ws, appRoot, 'package.json'),
        );
        expect(manifest.nx.targets.build.options).toMatchObject({
          thirdParty: false,
          additionalEntryPoints: [`${appRoot}/src/telemetry.ts`],
        });
        expect(manifest.nx.targets.serve.options['runtimeArgs']).toEqual([
          '--import',
          `./${appRoot}/dist/telemetry.js`,
        ]);
        await ok(setup(ws, 'probe-esm'), 'setup probe-esm again');
        expect(fingerprint(join(ws, appRoot))).toEqual(setUp);

        await ok(
          nx(
            ws,
            ['build', manifest.name, '--outputStyle=static'],
            STEP_TIMEOUT_MS,
          ),
          'nx build',
        );
        const dist = join(ws, appRoot, 'dist');
        const main = readFileSync(join(dist, 'main.js'), 'utf8');
        // An ES module bundle: express imported, not bundled, and the start module not in it
        // (it is its own file, loaded with --import).
        expect(main).toMatch(/^import \w+ from "express";$/m);
        expect(main).not.toMatch(/express\/lib\/application/);
        // The library is CommonJS, so the bundled call reads (0, import_telemetry.runService)({ … }).
        const startsTelemetry = /runService\)?\(\{\s*name: "probe-esm"/;
        expect(main).not.toMatch(startsTelemetry);
        expect(readFileSync(join(dist, 'telemetry.js'), 'utf8')).toMatch(
          startsTelemetry,
        );

        const receiver = await otlp();
        const port = await getFreePort();
        const app = await startNodeApp({
          main: 'dist/main.js',
          cwd: join(ws, appRoot),
          nodeArgs: ['--import', './dist/telemetry.js'],
          port,
          healthPath: '/',
          env: {
            HOST: '127.0.0.1',
            PORT: String(port),
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
            OTEL_BSP_SCHEDULE_DELAY: '100',
          },
        });
        expect((await httpGet(`${app.baseUrl}/`)).status).toBe(200);
        const span = await serverSpan(receiver, 'probe-esm', '/');
        expect(span.name).toBe('GET /');
        expect(span.resource['service.version']).toBe('0.0.1');
        const metrics = await httpGet(`${app.baseUrl}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.body).toContain('http_server_request_duration_count{');
        expect(
          app.stderrLines.filter((l) => /loaded before telemetry/.test(l)),
        ).toEqual([]);
        // The app closes its server on SIGTERM; the start module flushes; the loop ends: exit 0.
        expect(await app.stop('SIGTERM')).toMatchObject({
          code: 0,
          forcedKill: false,
        });
      },
      TEST_TIMEOUT_MS,
    );

    it('left the real workspace untouched (no write went through a hard link)', () => {
      if (scratch === undefined)
        throw new Error('no scratch workspace was made');
      expect(inPlaceWrites(scratch)).toEqual([]);
    });
  },
);
