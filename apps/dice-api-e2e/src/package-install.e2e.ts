/**
 * ISSUE 15 — an installable package. `npm pack` of the built library, then `npm install` of that
 * tarball (its dependencies, and express, from the registry) into a throwaway app outside this
 * workspace, where nothing of the workspace can be resolved. There:
 * - the tarball holds both formats with their types and the README/CHANGELOG, and no sources,
 *   specs or test helpers;
 * - TypeScript resolves the types of both entries from an ES module and a CommonJS file;
 * - the app runs and its spans arrive, route-named, three ways: `node --import
 *   @otel-dice/telemetry/register` (no telemetry code), `require()` + startTelemetry() in
 *   CommonJS, and an ES module start module with `node --import ./telemetry.mjs`.
 *
 * The registry is needed. Unreachable (npm ping fails), the suite is skipped with one line —
 * except with CI=true, where it fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  startNodeApp,
  startOtlpReceiver,
  stopAllProcesses,
  type OtlpReceiver,
  type ReceivedSpan,
} from '@otel-dice/test-support';
import { serverSpans } from './support/traces.js';

const WORKSPACE = resolve(__dirname, '../../..');
const LIBRARY = join(WORKSPACE, 'libs', 'telemetry');
const PLAIN_APP = resolve(__dirname, '../fixtures/plain-express');
const NODE_BIN = dirname(process.execPath);
const PING_TIMEOUT_MS = 30_000;
const STEP_TIMEOUT_MS = 300_000;

/**
 * The environment for npm: this one without what an outer `npm test` injected (npm_config_*
 * pointing at this workspace, INIT_CWD), with this Node first on PATH.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'INIT_CWD' || key === 'NODE_OPTIONS')
      continue;
    env[key] = value;
  }
  env['PATH'] = `${NODE_BIN}:${process.env['PATH'] ?? ''}`;
  return env;
}

/** Why the registry cannot be used, or undefined. */
function registryUnavailable(): string | undefined {
  const ping = spawnSync('npm', ['ping', '--fetch-retries=0'], {
    env: npmEnv(),
    encoding: 'utf8',
    timeout: PING_TIMEOUT_MS,
  });
  if (ping.error)
    return (ping.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
      ? `npm ping did not answer within ${PING_TIMEOUT_MS / 1000} s`
      : `npm ping could not run (${ping.error.message})`;
  if (ping.status !== 0)
    return `the package registry is unreachable (npm ping exited ${ping.status ?? ping.signal})`;
  return undefined;
}

const unavailable = registryUnavailable();
const inCi = process.env['CI'] === 'true';
if (unavailable && !inCi)
  process.stdout.write(
    `dice-api-e2e: skipping package-install.e2e: ${unavailable}\n`,
  );
const describeIfRegistry = unavailable && !inCi ? describe.skip : describe;

interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a command to completion, bounded; the whole process group is killed on timeout. */
function run(
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: npmEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')} did not finish within ${STEP_TIMEOUT_MS} ms\n${output}`,
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

async function runOk(
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}:\n${result.output}`,
    );
  return result.output;
}

const CJS_MAIN = `// CommonJS, through the API: start telemetry, then load the app.
const { flushOnExit, startTelemetry } = require('@otel-dice/telemetry');

flushOnExit(startTelemetry({ defaultServiceName: 'installed-cjs', serviceVersion: '1.2.3' }));
require('./server.cjs');
`;

const ESM_START = `// An ES module start module, loaded with node --import ./telemetry.mjs server.mjs
import { flushOnExit, startTelemetry } from '@otel-dice/telemetry';
// The redact entry, the one a configuration module loads before the SDK.
import { redactUrl } from '@otel-dice/telemetry/redact';

if (redactUrl('http://u:p@collector:4318') !== 'http://***@collector:4318')
  throw new Error('@otel-dice/telemetry/redact: redactUrl did not redact');

flushOnExit(startTelemetry({ defaultServiceName: 'installed-esm', serviceVersion: '1.2.3' }));
`;

const TYPES_ESM = `import { getTelemetry, startTelemetry, type Telemetry, type TelemetryOptions } from '@otel-dice/telemetry';
import '@otel-dice/telemetry/register';

const options: TelemetryOptions = { defaultServiceName: 'types', esmLoaderHook: 'auto' };
const telemetry: Telemetry = startTelemetry(options);
export const handler: Telemetry['metricsHandler'] = telemetry.metricsHandler;
export const running: Telemetry | undefined = getTelemetry();
`;

const TYPES_CJS = `import telemetryModule = require('@otel-dice/telemetry');
import register = require('@otel-dice/telemetry/register');

const telemetry: telemetryModule.Telemetry = telemetryModule.startTelemetry({ defaultServiceName: 'types' });
export const shutdown: () => Promise<void> = telemetry.shutdown;
export type Register = typeof register;
`;

/**
 * The names an API report (libs/telemetry/api/*.api.md, api-extractor's, checked by the
 * telemetry:api-report target) says an entry exports, values and types apart.
 */
export function reportedSurface(report: string): {
  values: string[];
  types: string[];
} {
  const values: string[] = [];
  const types: string[] = [];
  for (const [, kind, name] of report.matchAll(
    /^export (?:declare )?(function|const|let|class|enum|interface|type) (\w+)/gm,
  )) {
    if (kind === 'interface' || kind === 'type') types.push(name);
    else values.push(name);
    if (kind === 'class' || kind === 'enum') types.push(name);
  }
  return { values, types };
}

/**
 * A module that type-checks only against exactly the surface the report records: every reported
 * type must be importable, and the package's values must be the reported ones — no more, none
 * missing (a mapped type over `keyof typeof` the module, filled from the report).
 */
function surfaceCheck(specifier: string, report: string): string {
  const { values, types } = reportedSurface(
    readFileSync(join(LIBRARY, 'api', report), 'utf8'),
  );
  return `import * as entry from '${specifier}';
import type { ${types.join(', ')} } from '${specifier}';

export const values: { [K in keyof typeof entry]: true } = { ${values.map((v) => `${v}: true`).join(', ')} };
export type Types = [${types.join(', ')}];
`;
}

describeIfRegistry(
  'the packed library, installed outside the workspace',
  () => {
    let root: string | undefined;
    let receiver: OtlpReceiver | undefined;

    beforeAll(() => {
      if (unavailable)
        throw new Error(
          `CI=true and ${unavailable}: this suite must run in CI`,
        );
    });

    afterAll(async () => {
      await stopAllProcesses();
      await receiver?.stop();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it(
      'packs both formats with types, installs from the registry, type-checks, and runs three ways',
      async () => {
        root = mkdtempSync(join(tmpdir(), 'otel-dice-package-'));
        expect(root.startsWith(WORKSPACE)).toBe(false);
        const dir = root;

        // npm pack of the built library.
        const packed = JSON.parse(
          await runOk(
            'npm',
            ['pack', '--json', '--pack-destination', dir],
            LIBRARY,
          ),
        ) as [{ filename: string; files: { path: string }[] }];
        const files = packed[0].files.map((f) => f.path);
        expect(files).toEqual(
          expect.arrayContaining([
            'package.json',
            'README.md',
            'CHANGELOG.md',
            'dist/index.js',
            'dist/index.d.ts',
            'dist/esm/index.mjs',
            'dist/esm/index.d.mts',
            'dist/register.js',
            'dist/register.d.ts',
            'dist/esm/register.mjs',
            'dist/esm/register.d.mts',
            'dist/testing.js',
            'dist/testing.d.ts',
            'dist/esm/testing.mjs',
            'dist/esm/testing.d.mts',
            'dist/redact.js',
            'dist/redact.d.ts',
            'dist/esm/redact.mjs',
            'dist/esm/redact.d.mts',
          ]),
        );
        expect(
          files.filter(
            (f) =>
              f.startsWith('src/') ||
              /\.spec\.|test-helpers|tsbuildinfo|\.map$/.test(f),
          ),
        ).toEqual([]);

        // A throwaway app that depends on the tarball and express, nothing else.
        const app = join(dir, 'app');
        const tarball = join(dir, packed[0].filename);
        writeApp(app, tarball);
        const installed = await runOk(
          'npm',
          ['install', '--no-audit', '--no-fund'],
          app,
        );
        process.stdout.write(
          `dice-api-e2e: package-install: ${installed.match(/added \d+ packages[^\n]*/)?.[0] ?? 'installed'}\n`,
        );
        const manifest = JSON.parse(
          readFileSync(
            join(
              app,
              'node_modules',
              '@otel-dice',
              'telemetry',
              'package.json',
            ),
            'utf8',
          ),
        ) as { private?: boolean; version: string };
        expect(manifest.private).toBeUndefined();

        // TypeScript finds the types of both entries from both module systems.
        const tsc = await run(
          process.execPath,
          [
            join(WORKSPACE, 'node_modules', 'typescript', 'bin', 'tsc'),
            '-p',
            'tsconfig.json',
          ],
          app,
        );
        expect(tsc.output).toBe('');
        expect(tsc.code).toBe(0);

        receiver = await startOtlpReceiver();
        const env = {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_BSP_SCHEDULE_DELAY: '100',
          OTEL_METRICS_EXPORTER: 'none',
        };
        const ways: [string, string, string[], Record<string, string>][] = [
          [
            'installed-register',
            'server.mjs',
            ['--import', '@otel-dice/telemetry/register'],
            { OTEL_SERVICE_NAME: 'installed-register' },
          ],
          ['installed-cjs', 'main.cjs', [], {}],
          ['installed-esm', 'server.mjs', ['--import', './telemetry.mjs'], {}],
        ];
        for (const [service, main, nodeArgs, extra] of ways) {
          const started = await startNodeApp({
            cwd: app,
            main,
            nodeArgs,
            env: { ...env, ...extra },
          });
          const response = await fetch(`${started.baseUrl}/dice/20`);
          expect(response.status).toBe(200);
          await response.text();
          const isOurs = (s: ReceivedSpan) =>
            s.resource['service.name'] === service &&
            s.attributes['http.route'] === '/dice/:sides';
          const spans = await receiver.waitForSpans(
            (all) => serverSpans(all).some(isOurs),
            {
              timeoutMs: 30_000,
              what: `a route-named server span from ${service}`,
            },
          );
          expect(serverSpans(spans).find(isOurs)?.name).toBe(
            'GET /dice/:sides',
          );
          expect(
            started.stderrLines.filter((l) => l.includes('warning')),
          ).toEqual([]);
          await started.stop('SIGTERM');
        }
      },
      STEP_TIMEOUT_MS * 2,
    );
  },
);

/** The app's files: package.json, the fixture app, two start-ups and the type-check inputs. */
function writeApp(app: string, tarball: string): void {
  const write = (name: string, content: string) =>
    writeFileSync(join(app, name), content);
  mkdirSync(app, { recursive: true });
  write(
    'package.json',
    `${JSON.stringify(
      {
        name: 'otel-dice-install-probe',
        version: '1.2.3',
        private: true,
        dependencies: {
          '@otel-dice/telemetry': `file:${tarball}`,
          express: '^5.1.0',
        },
      },
      null,
      2,
    )}\n`,
  );
  copyFileSync(join(PLAIN_APP, 'server.mjs'), join(app, 'server.mjs'));
  copyFileSync(join(PLAIN_APP, 'server.cjs'), join(app, 'server.cjs'));
  write('main.cjs', CJS_MAIN);
  write('telemetry.mjs', ESM_START);
  write('types-esm.mts', TYPES_ESM);
  write('types-cjs.cts', TYPES_CJS);
  // The installed package's types are exactly what the committed API reports say.
  write(
    'surface-main.mts',
    surfaceCheck('@otel-dice/telemetry', 'telemetry.api.md'),
  );
  write(
    'surface-testing.mts',
    surfaceCheck('@otel-dice/telemetry/testing', 'telemetry-testing.api.md'),
  );
  write(
    'surface-redact.mts',
    surfaceCheck('@otel-dice/telemetry/redact', 'telemetry-redact.api.md'),
  );
  write(
    'tsconfig.json',
    `${JSON.stringify(
      {
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [join(WORKSPACE, 'node_modules', '@types')],
          types: ['node'],
        },
        files: [
          'types-esm.mts',
          'types-cjs.cts',
          'surface-main.mts',
          'surface-testing.mts',
          'surface-redact.mts',
        ],
      },
      null,
      2,
    )}\n`,
  );
}
