/**
 * ISSUE 5 — the library is reusable: `nx g @otel-dice/telemetry:setup` turns a freshly generated
 * Nx Express app into an instrumented one, for real.
 *
 * In a throwaway copy of this workspace (git's file list, node_modules linked, no install):
 * `nx g @nx/node:app`, the setup generator as --dry-run (disk untouched), for real, and again
 * (nothing changes); `nx sync:check` (the generator left TS references as nx wants them); `nx
 * build`; then the built app runs against the test OTLP receiver: its Express request arrives as
 * a server span named after the app, /metrics answers, and SIGTERM ends it with exit code 0.
 *
 * ISSUE 15 — the same for an ES module app ("type": "module", esbuild format esm) in the same
 * copy: the generator keeps its entry and writes a start module, built as dist/telemetry.js and
 * passed to `nx serve` with --import; started that way the built app's server span carries
 * http.route, /metrics answers through the library's metricsHandler, and no "loaded before
 * telemetry started" warning appears.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  getFreePort,
  httpGet,
  startNodeApp,
  startOtlpReceiver,
  stopAllProcesses,
  type OtlpReceiver,
  type ReceivedSpan,
} from '@otel-dice/test-support';

const WORKSPACE = resolve(__dirname, '../../..');
const APP_ROOT = 'apps/probe';
/** service.name the generator derives from the project name (npm scope dropped). */
const SERVICE = 'probe';
const ESM_APP_ROOT = 'apps/probe-esm';
const ESM_SERVICE = 'probe-esm';
/** Generating, building and starting an app in a cold workspace copy is slow on a busy machine. */
const SPAN_KIND_SERVER = 2;
const STEP_TIMEOUT_MS = 300_000;
const TEST_TIMEOUT_MS = 900_000;

/** Why this suite cannot run here, or undefined. Only truly missing tools count. */
function unavailable(): string | undefined {
  const git = spawnSync('git', ['ls-files', '--error-unmatch', 'nx.json'], {
    cwd: WORKSPACE,
    encoding: 'utf8',
  });
  if (git.error) return `git is not available (${git.error.message})`;
  if (git.status !== 0)
    return `${WORKSPACE} is not a git checkout (${git.stderr.trim()})`;
  if (!existsSync(join(WORKSPACE, 'node_modules', 'nx', 'package.json')))
    return 'node_modules is not installed';
  return undefined;
}

const reason = unavailable();
if (reason)
  process.stdout.write(`dice-api-e2e: skipping generator.e2e: ${reason}\n`);
const describeIfAvailable = reason ? describe.skip : describe;

/** A throwaway workspace: the files git knows about (tracked or not ignored) plus linked node_modules. */
function copyWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'otel-dice-generator-e2e-'));
  const list = spawnSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: WORKSPACE,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (list.status !== 0) throw new Error(`git ls-files failed: ${list.stderr}`);
  for (const file of new Set(list.stdout.split('\0').filter(Boolean))) {
    const from = join(WORKSPACE, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(from, join(root, file));
  }
  linkNodeModules(root);
  return root;
}

/**
 * Every package is a link into the real node_modules, except the workspace's own packages: their
 * relative links (../../libs/telemetry) are recreated so they point into the copy.
 */
function linkNodeModules(root: string): void {
  const source = join(WORKSPACE, 'node_modules');
  const target = join(root, 'node_modules');
  mkdirSync(join(target, '@otel-dice'), { recursive: true });
  for (const entry of readdirSync(source)) {
    if (entry === '@otel-dice') continue;
    symlinkSync(join(source, entry), join(target, entry));
  }
  for (const pkg of readdirSync(join(source, '@otel-dice'))) {
    symlinkSync(
      readlinkSync(join(source, '@otel-dice', pkg)),
      join(target, '@otel-dice', pkg),
    );
  }
}

interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

/**
 * Runs the workspace's nx (under this Node 24) in `cwd` with a clean environment: nothing from
 * the outer nx run (NX_WORKSPACE_ROOT_PATH and friends) may leak into the copy. Bounded; the
 * whole process group is killed on timeout.
 */
function nx(cwd: string, args: string[]): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(cwd, 'node_modules', '.bin')}:${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
    HOME: process.env['HOME'],
    TMPDIR: process.env['TMPDIR'],
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_INTERACTIVE: 'false',
    NX_TUI: 'false',
    CI: 'true',
    // plain text, so the output can be asserted on
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
  for (const key of Object.keys(env))
    if (env[key] === undefined) delete env[key];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [join(cwd, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args],
      {
        cwd,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(
        new Error(
          `nx ${args.join(' ')} did not finish within ${STEP_TIMEOUT_MS} ms\n${output}`,
        ),
      );
    }, STEP_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

async function nxOk(cwd: string, args: string[]): Promise<string> {
  const result = await nx(cwd, args);
  if (result.code !== 0)
    throw new Error(
      `nx ${args.join(' ')} exited ${result.code}:\n${result.output}`,
    );
  return result.output;
}

/**
 * `nx g @nx/node:app` defaults to `bundle: false`; this workspace's apps bundle (workspace libs
 * inlined), which is the case where keeping express external matters.
 */
function bundleLikeThisWorkspace(
  ws: string,
  appRoot = APP_ROOT,
  extra: { type?: string; build?: Record<string, unknown> } = {},
): void {
  const path = join(ws, appRoot, 'package.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as {
    type?: string;
    nx: { targets: { build: { options: Record<string, unknown> } } };
  };
  manifest.nx.targets.build.options['bundle'] = true;
  Object.assign(manifest.nx.targets.build.options, extra.build);
  if (extra.type) manifest.type = extra.type;
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** In a TS-solution workspace the project is named after its package (e.g. @otel-dice/probe). */
function projectName(ws: string, appRoot = APP_ROOT): string {
  const manifest = JSON.parse(
    readFileSync(join(ws, appRoot, 'package.json'), 'utf8'),
  ) as {
    name: string;
    nx?: { name?: string };
  };
  return manifest.nx?.name ?? manifest.name;
}

/** Path -> content hash of every file under `dir` (relative paths). */
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

/** Waits for the server span of `GET /` with `http.route` "/" from `service`, and returns it. */
async function rootServerSpan(
  receiver: OtlpReceiver,
  service: string,
): Promise<ReceivedSpan> {
  const isRootServerSpan = (s: ReceivedSpan) =>
    s.resource['service.name'] === service &&
    s.kind === SPAN_KIND_SERVER &&
    s.attributes['http.route'] === '/';
  const spans = await receiver.waitForSpans(
    (all) => all.some(isRootServerSpan),
    {
      timeoutMs: 30_000,
      what: `an HTTP server span for GET / (with http.route) from service ${service}`,
    },
  );
  const server = spans.find(isRootServerSpan);
  if (server === undefined)
    throw new Error(`no server span for GET / from ${service}`);
  return server;
}

describeIfAvailable(
  'nx g @otel-dice/telemetry:setup on a fresh Nx Express app',
  () => {
    let workspace: string | undefined;
    let receiver: OtlpReceiver | undefined;

    afterAll(async () => {
      await stopAllProcesses();
      await receiver?.stop();
      if (workspace) rmSync(workspace, { recursive: true, force: true });
    });

    /** The workspace copy, made (and synced) once for both tests. */
    async function preparedWorkspace(): Promise<string> {
      if (workspace) return workspace;
      workspace = copyWorkspace();
      // Settle any reference drift the copied working tree may carry, so sync:check below is
      // about what the generators did.
      await nxOk(workspace, ['sync']);
      return workspace;
    }

    async function otlpReceiver(): Promise<OtlpReceiver> {
      receiver ??= await startOtlpReceiver();
      return receiver;
    }

    it(
      'generates, stays idempotent, builds, and the app exports its spans',
      async () => {
        const ws = await preparedWorkspace();
        await nxOk(ws, [
          'g',
          '@nx/node:app',
          APP_ROOT,
          '--framework=express',
          '--bundler=esbuild',
          '--unitTestRunner=none',
          '--e2eTestRunner=none',
          '--linter=none',
          '--no-interactive',
        ]);
        const APP = projectName(ws);
        bundleLikeThisWorkspace(ws);
        const generated = fingerprint(join(ws, APP_ROOT));
        const rootFiles = ['package.json', 'nx.json', 'tsconfig.json'].map(
          (f) => readFileSync(join(ws, f), 'utf8'),
        );

        // --dry-run: reports the changes, writes nothing.
        const dryRun = await nxOk(ws, [
          'g',
          '@otel-dice/telemetry:setup',
          APP,
          '--dry-run',
          '--no-interactive',
        ]);
        expect(dryRun).toContain(`CREATE ${APP_ROOT}/src/telemetry.ts`);
        expect(dryRun).toContain(`UPDATE ${APP_ROOT}/src/main.ts`);
        expect(fingerprint(join(ws, APP_ROOT))).toEqual(generated);

        // For real.
        await nxOk(ws, [
          'g',
          '@otel-dice/telemetry:setup',
          APP,
          '--no-interactive',
        ]);
        const setUp = fingerprint(join(ws, APP_ROOT));
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
        const main = readFileSync(join(ws, APP_ROOT, 'src/main.ts'), 'utf8');
        expect(main).toContain("require('./app.js')");
        expect(
          readFileSync(join(ws, APP_ROOT, 'src/app.ts'), 'utf8'),
        ).toContain("app.get('/metrics'");
        const manifest = JSON.parse(
          readFileSync(join(ws, APP_ROOT, 'package.json'), 'utf8'),
        );
        expect(manifest.dependencies['@otel-dice/telemetry']).toBe('*');
        expect(manifest.nx.targets.build.options).toMatchObject({
          bundle: true,
          thirdParty: false,
        });

        // Again: nothing changes, anywhere.
        await nxOk(ws, [
          'g',
          '@otel-dice/telemetry:setup',
          APP,
          '--no-interactive',
        ]);
        expect(fingerprint(join(ws, APP_ROOT))).toEqual(setUp);
        expect(
          ['package.json', 'nx.json', 'tsconfig.json'].map((f) =>
            readFileSync(join(ws, f), 'utf8'),
          ),
        ).toEqual(rootFiles);

        // The TS project references are what `nx sync` wants: nothing left for it to do.
        await nxOk(ws, ['sync:check']);

        await nxOk(ws, ['build', APP, '--outputStyle=static']);
        const built = join(ws, APP_ROOT, 'dist', 'main.js');
        // One bundle with the app and the library inlined, express left to require().
        const bundle = readFileSync(built, 'utf8');
        expect(bundle).toContain('require("express")');
        expect(bundle).toContain('startTelemetry');
        expect(bundle).not.toMatch(/express\/lib\/application/);

        const receiver = await otlpReceiver();
        const port = await getFreePort();
        const app = await startNodeApp({
          main: built,
          cwd: ws,
          port,
          healthPath: '/',
          env: {
            // The Nx Express template reads HOST and PORT.
            HOST: '127.0.0.1',
            PORT: String(port),
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
            OTEL_BSP_SCHEDULE_DELAY: '100',
          },
        });

        const hello = await httpGet(`${app.baseUrl}/`);
        expect(hello.status).toBe(200);
        // http.route is set by the Express instrumentation from the matched route (the http
        // instrumentation alone names the span just "GET"): Express was loaded through require()
        // after telemetry started, i.e. it stayed external and was patched.
        const server = await rootServerSpan(receiver, SERVICE);
        expect(server.name).toBe('GET /');
        expect(server.resource['service.version']).toBe('0.0.1');

        const metrics = await httpGet(`${app.baseUrl}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.body).toContain('http_server_request_duration_count{');
        expect(metrics.body).toContain('system_cpu_time_total{');

        const stopped = await app.stop('SIGTERM');
        expect(stopped).toMatchObject({ code: 0, forcedKill: false });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'wires an ES module app with a start module loaded by node --import, and its spans carry the route',
      async () => {
        const ws = await preparedWorkspace();
        await nxOk(ws, [
          'g',
          '@nx/node:app',
          ESM_APP_ROOT,
          '--framework=express',
          '--bundler=esbuild',
          '--unitTestRunner=none',
          '--e2eTestRunner=none',
          '--linter=none',
          '--no-interactive',
        ]);
        const APP = projectName(ws, ESM_APP_ROOT);
        // What turning the generated app into an ES module app takes.
        bundleLikeThisWorkspace(ws, ESM_APP_ROOT, {
          type: 'module',
          build: { format: ['esm'] },
        });
        const generated = fingerprint(join(ws, ESM_APP_ROOT));

        const output = await nxOk(ws, [
          'g',
          '@otel-dice/telemetry:setup',
          APP,
          '--no-interactive',
        ]);
        expect(output).toContain(`${APP} is an ES module app`);
        const setUp = fingerprint(join(ws, ESM_APP_ROOT));
        expect(
          Object.keys(setUp)
            .filter((f) => !(f in generated))
            .sort(),
        ).toEqual(['README.md', 'src/telemetry.ts']);
        const manifest = JSON.parse(
          readFileSync(join(ws, ESM_APP_ROOT, 'package.json'), 'utf8'),
        );
        expect(manifest.nx.targets.build.options).toMatchObject({
          thirdParty: false,
          additionalEntryPoints: [`${ESM_APP_ROOT}/src/telemetry.ts`],
        });
        expect(manifest.nx.targets.serve.options.runtimeArgs).toEqual([
          '--import',
          `./${ESM_APP_ROOT}/dist/telemetry.js`,
        ]);
        await nxOk(ws, [
          'g',
          '@otel-dice/telemetry:setup',
          APP,
          '--no-interactive',
        ]);
        expect(fingerprint(join(ws, ESM_APP_ROOT))).toEqual(setUp);

        await nxOk(ws, ['build', APP, '--outputStyle=static']);
        const dist = join(ws, ESM_APP_ROOT, 'dist');
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

        const otlp = await otlpReceiver();
        const port = await getFreePort();
        const app = await startNodeApp({
          main: 'dist/main.js',
          cwd: join(ws, ESM_APP_ROOT),
          nodeArgs: ['--import', './dist/telemetry.js'],
          port,
          healthPath: '/',
          env: {
            HOST: '127.0.0.1',
            PORT: String(port),
            OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
            OTEL_BSP_SCHEDULE_DELAY: '100',
          },
        });
        expect((await httpGet(`${app.baseUrl}/`)).status).toBe(200);
        const server = await rootServerSpan(otlp, ESM_SERVICE);
        expect(server.name).toBe('GET /');
        expect(server.resource['service.version']).toBe('0.0.1');

        const metrics = await httpGet(`${app.baseUrl}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.body).toContain('http_server_request_duration_count{');
        expect(
          app.stderrLines.filter((l) => /loaded before telemetry/.test(l)),
        ).toEqual([]);

        // The app closes its server on SIGTERM; the start module flushes; the loop ends: exit 0.
        const stopped = await app.stop('SIGTERM');
        expect(stopped).toMatchObject({ code: 0, forcedKill: false });
      },
      TEST_TIMEOUT_MS,
    );
  },
);
