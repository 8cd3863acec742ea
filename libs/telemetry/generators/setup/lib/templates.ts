/**
 * The three source files the generator writes next to the app's entry point. Pure: options in,
 * file text out. Written as template literals rather than files/ templates so they are
 * type-checked alongside the generator and need no asset copying.
 *
 * Every file carries SETUP_MARKER, which is how a later run recognises its own work and leaves
 * it alone (the user may have edited it since).
 */

/** Appears in every file the generator writes or section it appends. */
export const SETUP_MARKER = '@otel-dice/telemetry:setup';

export const TELEMETRY_MODULE = 'telemetry';
export const SHUTDOWN_MODULE = 'shutdown';

export interface EntryTemplateOptions {
  /** Module (file name without extension) the original entry moved to, e.g. `app`. */
  readonly appModule: string;
}

/** The new entry point: telemetry first, then the app, loaded with require() on purpose. */
export function entryTemplate({ appModule }: EntryTemplateOptions): string {
  return `/**
 * Entry point written by \`nx g ${SETUP_MARKER}\`; the application itself lives in
 * ./${appModule}.ts.
 *
 * Order matters: ./${TELEMETRY_MODULE}.js starts OpenTelemetry, whose require hooks patch node:http and
 * express as they are loaded. The app is therefore loaded with require() after it, never with a
 * static import that a formatter or bundler could move above it. Keep this file this small.
 */
import { shutdownOnSignals } from './${SHUTDOWN_MODULE}.js';
import { telemetry } from './${TELEMETRY_MODULE}.js';

shutdownOnSignals(telemetry);

require('./${appModule}.js');
`;
}

/** What a service name may contain: safe inside any quote or template literal of the files. */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface TelemetryTemplateOptions {
  /** Must match SERVICE_NAME_PATTERN. */
  readonly serviceName: string;
  /**
   * Relative path from the entry's directory to the app's package.json, when a bundler inlines
   * it (esbuild, webpack) so service.version needs no file at run time; undefined otherwise.
   */
  readonly packageJsonPath: string | undefined;
}

export function telemetryTemplate({
  serviceName,
  packageJsonPath,
}: TelemetryTemplateOptions): string {
  const name = checkedServiceName(serviceName);
  const { argument: version, reader: versionReader } =
    serviceVersion(packageJsonPath);
  return `/**
 * OpenTelemetry for ${name}, written by \`nx g ${SETUP_MARKER}\`.
 *
 * main.ts imports this module before anything else: telemetry must start before node:http or
 * express is loaded. runService() is the library's start-up sequence: an unusable OTEL_* value
 * stops the app here with one line naming the variable. Use \`telemetry.tracer\` for your own
 * spans and \`telemetry.meter\` for your own instruments. Configuration comes from OTEL_*
 * variables (see the README).
 */
import { runService, type Telemetry } from '@otel-dice/telemetry';

export const telemetry: Telemetry =
  runService({ name: '${name}'${version} }) ?? process.exit(1);
${versionReader}`;
}

export interface StartModuleTemplateOptions extends TelemetryTemplateOptions {
  /** How the built app is started, for the comment (e.g. `node --import ./dist/telemetry.js dist/main.js`). */
  readonly startCommand: string;
}

/**
 * The start module of an ES module app: loaded by Node before the app (`node --import`), never
 * imported by it. It starts telemetry and flushes it on SIGTERM/SIGINT.
 */
export function startModuleTemplate({
  serviceName,
  packageJsonPath,
  startCommand,
}: StartModuleTemplateOptions): string {
  const name = checkedServiceName(serviceName);
  const { argument: version, reader: versionReader } =
    serviceVersion(packageJsonPath);
  return `/**
 * OpenTelemetry for ${name}, written by \`nx g ${SETUP_MARKER}\`.
 *
 * The app is an ES module: its static imports (express, node:http, …) are loaded before any of
 * its code runs, so telemetry started from inside it would come too late to patch them. Node
 * loads this module first instead, and the app does not import it:
 *
 *   ${startCommand}
 *
 * (\`nx serve\` passes the flag.) The app reaches the running telemetry through getTelemetry()
 * and metricsHandler from @otel-dice/telemetry. Configuration comes from OTEL_* variables (see
 * the README).
 */
import { runService } from '@otel-dice/telemetry';

// runService() is the library's start-up sequence: an unusable OTEL_* value stops the app here
// with one line naming the variable. On SIGTERM/SIGINT it flushes, then lets the app's own
// handlers (closing its server) end the process.
if (!runService({ name: '${name}'${version}, flushOnExit: true })) process.exit(1);
${versionReader}`;
}

function checkedServiceName(serviceName: string): string {
  if (!SERVICE_NAME_PATTERN.test(serviceName))
    throw new Error(`invalid service name ${JSON.stringify(serviceName)}`);
  return serviceName;
}

/** The serviceVersion argument and the function that reads it, when a bundler inlines the JSON. */
function serviceVersion(packageJsonPath: string | undefined): {
  argument: string;
  reader: string;
} {
  if (packageJsonPath === undefined)
    return {
      argument: '',
      reader: `
// service.version: set OTEL_RESOURCE_ATTRIBUTES=service.version=1.2.3 at deploy time.
`,
    };
  return {
    argument: ', serviceVersion: readServiceVersion()',
    reader: `
/** The app's package version; the bundler inlines the JSON, so nothing is read at run time. */
function readServiceVersion(): string | undefined {
  const manifest = require('${packageJsonPath}') as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : undefined;
}
`,
  };
}

/** SIGTERM/SIGINT: run the registered hooks (bounded), flush telemetry, exit 0. */
export function shutdownTemplate(): string {
  return `/**
 * Orderly stop on SIGTERM/SIGINT, written by \`nx g ${SETUP_MARKER}\`: first the hooks registered
 * with onShutdown() (e.g. closing the HTTP server so in-flight requests finish and their spans
 * end), then telemetry.shutdown() flushes the spans, then the process exits 0. A second signal
 * finds no handler and ends the process the default way.
 */
import type { Telemetry } from '@otel-dice/telemetry';

type ShutdownHook = () => void | Promise<void>;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** The hooks' budget. telemetry.shutdown() is bounded too (5 s), so the whole stop stays
 * below Docker's 10 s grace period. */
const HOOKS_TIMEOUT_MS = 4_000;

const hooks: ShutdownHook[] = [];

/** Registers work to finish before telemetry is flushed, e.g. closing a server. */
export function onShutdown(hook: ShutdownHook): void {
  hooks.push(hook);
}

export function shutdownOnSignals(telemetry: Pick<Telemetry, 'shutdown'>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    for (const s of SIGNALS) process.off(s, onSignal);
    process.stderr.write(\`\${signal}: shutting down\\n\`);
    void runHooks()
      .then(() => telemetry.shutdown())
      .then(() => process.exit(0));
  };
  for (const s of SIGNALS) process.on(s, onSignal);
}

async function runHooks(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      process.stderr.write(\`shutdown hooks still running after \${HOOKS_TIMEOUT_MS} ms; flushing telemetry anyway\\n\`);
      resolve();
    }, HOOKS_TIMEOUT_MS);
  });
  const done = Promise.allSettled(hooks.map((hook) => Promise.resolve().then(hook))).then((results) => {
    for (const result of results) {
      if (result.status === 'rejected') process.stderr.write(\`shutdown hook failed: \${String(result.reason)}\\n\`);
    }
  });
  await Promise.race([done, timedOut]);
  clearTimeout(timer);
}
`;
}

export function isGenerated(content: string): boolean {
  return content.includes(SETUP_MARKER);
}
