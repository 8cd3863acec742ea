/**
 * Entry point. Order matters:
 * 1. configuration, so a bad APP_PORT fails with one line before anything starts — and before
 *    the OpenTelemetry SDK is even loaded, which takes a second or so on a small machine;
 * 2. telemetry, which installs the require hooks that patch node:http and express;
 * 3. only then the server module, which loads express (kept external by the bundle, so the
 *    hooks see the real `require('express')`).
 * Steps 2 and 3 use require() at the point of use for exactly that ordering; esbuild still
 * bundles the workspace modules behind them.
 */
import type { Telemetry } from '@otel-dice/telemetry';
import { ConfigError, loadConfig, type AppConfig } from './config.js';

function main(): void {
  const config = readConfigOrExit();
  if (config === undefined) return;

  const { createDeferredReporter, redactText, startTelemetry, stderrLines } =
    require('@otel-dice/telemetry') as typeof import('@otel-dice/telemetry');
  // The library's start-up line, notes and export-outage warnings join the JSON log once it
  // exists (pino can only be loaded after telemetry, so its instrumentation can patch it);
  // until then they are held, and written as plain stderr lines if the process ends first.
  const reporter = createDeferredReporter(stderrLines('dice-api'));
  let telemetry: Telemetry;
  try {
    telemetry = startTelemetry({
      defaultServiceName: config.serviceName,
      serviceVersion: readServiceVersion(),
      logger: reporter,
    });
  } catch (error) {
    // e.g. an unusable OTEL_* value; the library's message names the variable.
    process.stderr.write(
      `dice-api: cannot start telemetry: ${redactText(describe(error))}\n`,
    );
    process.exitCode = 1;
    return;
  }
  const { createLogger } =
    require('./logging.js') as typeof import('./logging.js');
  const logger = createLogger({
    serviceName: telemetry.serviceName,
    level: config.logLevel,
  });
  reporter.attach({
    warn: (message) => logger.warn({ component: 'otel' }, message),
    info: (message) => logger.info({ component: 'otel' }, message),
  });

  // Loaded only now, so the require hooks installed above can patch express and http:
  const { runServer } = require('./server.js') as typeof import('./server.js');
  runServer({ config, telemetry, logger }).catch(async (error: unknown) => {
    // Typically EADDRINUSE or EACCES from listen(); one line, then leave with telemetry flushed.
    process.stderr.write(
      `dice-api: failed to start: ${redactText(describe(error))}\n`,
    );
    await telemetry.shutdown();
    process.exit(1);
  });
}

function readConfigOrExit(): AppConfig | undefined {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`dice-api: invalid configuration: ${error.message}\n`);
    process.exitCode = 1;
    return undefined;
  }
}

/**
 * `service.version` is the app's package version. esbuild inlines the JSON at build time, so the
 * bundle carries it and needs no package.json next to it at run time.
 */
function readServiceVersion(): string | undefined {
  const manifest = require('../package.json') as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

main();
