/**
 * Telemetry for an app that contains no telemetry code: `node --import
 * @otel-dice/telemetry/register app.js` (or `--require` for a CommonJS app). Everything comes from
 * the configuration model — the OTEL_* variables or OTEL_CONFIG_FILE — as for startTelemetry(),
 * with two differences that follow from there being no code:
 *
 * - `service.name` falls back to the SDK's `unknown_service:<argv0>`, as the specification says,
 *   when nothing names the service (set OTEL_SERVICE_NAME);
 * - the default Prometheus reader cannot be mounted on the app's own server (nobody mounts it),
 *   so it serves on its own port instead (`prometheus_on_app_port: false` in the model's
 *   extension): OTEL_EXPORTER_PROMETHEUS_HOST/PORT, by default localhost:9464, the
 *   specification's defaults.
 *
 * It flushes on SIGTERM/SIGINT and when the event loop runs dry (exit.ts). An unusable value
 * ends the process at once with one line naming the variable, before the app runs.
 */
import { defaultServiceName } from '@opentelemetry/resources';
import { TelemetryConfigError } from './config/errors.js';
import { EXTENSION } from './config/model.js';
import type { Env } from './config/values.js';
import { flushOnExit } from './exit.js';
import { startTelemetry, type Telemetry } from './telemetry.js';
import { stderrReporter } from './reporter.js';

export interface ZeroCodeOptions {
  readonly env?: Env;
  /** Where a configuration error goes before the process ends (default: stderr). */
  readonly fail?: (message: string) => never;
}

/** Starts telemetry from the configuration model alone and flushes it on the way out. */
export function startFromEnvironment(
  options: ZeroCodeOptions = {},
): Telemetry | undefined {
  const fail = options.fail ?? exitWith;
  const fallback = defaultServiceName();
  try {
    const telemetry = startTelemetry({
      env: options.env,
      defaultServiceName: fallback,
      // Nobody mounts /metrics: a Prometheus reader serves on a port of its own.
      overrides: {
        distribution: { [EXTENSION]: { prometheus_on_app_port: false } },
      },
      logger: stderrReporter,
    });
    if (telemetry.enabled && telemetry.serviceName === fallback)
      stderrReporter.warn(
        `no service name is configured, so spans, metrics and logs carry service.name=${fallback}: set OTEL_SERVICE_NAME`,
      );
    if (telemetry.enabled) flushOnExit(telemetry);
    return telemetry;
  } catch (error) {
    if (error instanceof TelemetryConfigError)
      return fail(`cannot start telemetry: ${error.message}`);
    throw error;
  }
}

function exitWith(message: string): never {
  process.stderr.write(`[otel] ${message}\n`);
  process.exit(1);
}
