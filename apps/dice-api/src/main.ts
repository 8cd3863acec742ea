/**
 * Entry point: the library's start-up sequence (runService, @otel-dice/telemetry), after the
 * app's own configuration.
 * 1. configuration, so a bad APP_PORT fails with one line before anything starts — and before
 *    the OpenTelemetry SDK is even loaded, which takes a second or so on a small machine;
 * 2. telemetry, which installs the require hooks that patch node:http and express;
 * 3. the logger (pino, patched), which from then on also carries the library's own lines;
 * 4. only then the server module, which loads express (kept external by the bundle, so the
 *    hooks see the real `require('express')`).
 * The library and the modules behind steps 3 and 4 are loaded with require() at the point of
 * use for exactly that ordering; esbuild still bundles the workspace modules behind them.
 */
import {
  ConfigError,
  DEFAULT_SERVICE_NAME,
  loadConfig,
  type AppConfig,
} from './config.js';

function main(): void {
  const config = readConfigOrExit();
  if (config === undefined) return;

  const { runService } =
    require('@otel-dice/telemetry') as typeof import('@otel-dice/telemetry');
  runService({
    name: DEFAULT_SERVICE_NAME,
    serviceVersion: readServiceVersion(),
    logger: (telemetry) =>
      (require('./logging.js') as typeof import('./logging.js')).createLogger({
        serviceName: telemetry.serviceName,
        level: config.logLevel,
      }),
    main: ({ telemetry, logger }) =>
      (require('./server.js') as typeof import('./server.js')).runServer({
        config,
        telemetry,
        logger,
      }),
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

main();
