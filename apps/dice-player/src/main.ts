/**
 * Entry point, in the order libs/telemetry/README.md asks of every app:
 * 1. configuration (pure, no dependencies), so a bad PLAYER_* value fails with one line per
 *    mistake before anything starts;
 * 2. telemetry, which installs the require hooks that patch node:http;
 * 3. only then the player module, which loads node:http (and pino) for the first time.
 */
import {
  createDeferredReporter,
  redactText,
  startTelemetry,
  stderrLines,
  type Telemetry,
} from '@otel-dice/telemetry';
import { parseConfig, type PlayerConfig } from './config.js';

const SERVICE_NAME = 'dice-player';

function main(): void {
  const config = readConfigOrExit();
  if (config === undefined) return;

  // The library's start-up line and warnings join the JSON log once the logger exists.
  const reporter = createDeferredReporter(stderrLines(SERVICE_NAME));
  let telemetry: Telemetry;
  try {
    telemetry = startTelemetry({
      defaultServiceName: SERVICE_NAME,
      serviceVersion: readServiceVersion(),
      logger: reporter,
    });
  } catch (error) {
    // e.g. TelemetryConfigError for an unusable OTEL_* value; its message names the variable.
    process.stderr.write(
      `${SERVICE_NAME}: cannot start telemetry: ${redactText(describe(error))}\n`,
    );
    process.exitCode = 1;
    return;
  }

  // Loaded only now, so the require hooks installed above can patch node:http:
  const { runPlayer } = require('./player.js') as typeof import('./player.js');
  runPlayer({ config, telemetry, reporter }).catch(async (error: unknown) => {
    // Typically EADDRINUSE or EACCES for PLAYER_PORT; one line, then leave with telemetry flushed.
    process.stderr.write(
      `${SERVICE_NAME}: failed: ${redactText(describe(error))}\n`,
    );
    await telemetry.shutdown();
    process.exit(1);
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

main();
