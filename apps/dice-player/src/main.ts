/**
 * Entry point: the library's start-up sequence (runService, @otel-dice/telemetry), after the
 * player's own configuration:
 * 1. configuration (pure, no dependencies), so a bad PLAYER_* value fails with one line per
 *    mistake before anything starts;
 * 2. telemetry, which installs the require hooks that patch node:http;
 * 3. the logger (pino, patched), which from then on also carries the library's own lines;
 * 4. only then the player module, which loads node:http for the first time.
 */
import { runService } from '@otel-dice/telemetry';
import { parseConfig, type PlayerConfig } from './config.js';

const SERVICE_NAME = 'dice-player';

function main(): void {
  const config = readConfigOrExit();
  if (config === undefined) return;

  runService({
    name: SERVICE_NAME,
    serviceVersion: readServiceVersion(),
    logger: (telemetry) =>
      (require('./logging.js') as typeof import('./logging.js')).createLogger(
        telemetry.serviceName,
        config.logLevel,
      ),
    main: ({ telemetry, logger }) =>
      (require('./player.js') as typeof import('./player.js')).runPlayer({
        config,
        telemetry,
        logger,
      }),
  });
}

function readConfigOrExit(): PlayerConfig | undefined {
  const result = parseConfig(process.env);
  if (result.ok) return result.config;
  for (const problem of result.problems) {
    process.stderr.write(
      `${SERVICE_NAME}: invalid configuration: ${problem.message}\n`,
    );
  }
  process.exitCode = 1;
  return undefined;
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
