/**
 * Telemetry for an app that contains no telemetry code: `node --import
 * @otel-dice/telemetry/register app.js` (or `--require` for a CommonJS app). Everything comes from
 * the configuration model — the OTEL_* variables or OTEL_CONFIG_FILE — as for startTelemetry(),
 * with differences that follow from there being no code:
 *
 * - the signals follow the specification's defaults, not the seed's: metrics and logs go where
 *   traces go, over OTLP (OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER default to `otlp`), since
 *   nobody mounts the seed's `/metrics` in an app without telemetry code; Prometheus only when
 *   OTEL_METRICS_EXPORTER asks for it;
 * - such a Prometheus reader serves on a port of its own (`prometheus_on_app_port: false` in the
 *   model's extension): OTEL_EXPORTER_PROMETHEUS_HOST/PORT, by default localhost:9464, the
 *   specification's defaults;
 * - `service.name` falls back to the SDK's `unknown_service:<argv0>`, as the specification says,
 *   when nothing names the service (set OTEL_SERVICE_NAME).
 *
 * A process started by one that runs this entry — a worker forked with child_process.fork or
 * cluster, which inherit `--require`/`--import` — is told apart (child-process.ts): one short
 * line instead of the banner, its own service.instance.id, and no Prometheus port of its own.
 *
 * It flushes on SIGTERM/SIGINT and when the event loop runs dry (exit.ts). An unusable value
 * ends the process at once with one line naming the variable, before the app runs.
 */
import { defaultServiceName } from '@opentelemetry/resources';
import { childConfig, childStartLine, processRole } from './child-process.js';
import { TelemetryConfigError } from './config/errors.js';
import { PARENT_PID_VARIABLE } from './config/from-env.js';
import { EXTENSION, settingsOf } from './config/model.js';
import type { Env } from './config/values.js';
import { flushOnExit } from './exit.js';
import type { TelemetryLogger } from './export-health.js';
import { serviceNameOf, start, type Telemetry } from './telemetry.js';
import { stderrReporter } from './reporter.js';

export interface ZeroCodeOptions {
  readonly env?: Env;
  /** This process's pid and IPC channel (tests); default the real ones. */
  readonly process?: { readonly pid: number; readonly hasIpc: boolean };
  /** Where a configuration error goes before the process ends (default: stderr). */
  readonly fail?: (message: string) => never;
}

/** Starts telemetry from the configuration model alone and flushes it on the way out. */
export function startFromEnvironment(
  options: ZeroCodeOptions = {},
): Telemetry | undefined {
  const fail = options.fail ?? exitWith;
  const fallback = defaultServiceName();
  const self = options.process ?? {
    pid: process.pid,
    hasIpc: process.channel !== undefined,
  };
  let role: ReturnType<typeof processRole> = { kind: 'app' };
  // A child's start-up banner becomes its one line (the app printed the banner already).
  let childLine: string | undefined;
  try {
    const telemetry = start(
      {
        env: options.env,
        defaultServiceName: fallback,
        // Nobody mounts /metrics: a Prometheus reader serves on a port of its own.
        overrides: {
          distribution: { [EXTENSION]: { prometheus_on_app_port: false } },
        },
        logger: childAware(() => childLine),
      },
      {
        signalDefaults: 'specification',
        // A worker forked by an app started with --require/--import inherits the flag.
        adjust: (config) => {
          role = processRole({ parent: settingsOf(config).parent, ...self });
          if (role.kind === 'app') return config;
          const child = childConfig(config, role, self.pid);
          childLine = childStartLine(
            role,
            serviceNameOf(child.config),
            self.pid,
            child.metrics,
          );
          return child.config;
        },
      },
    );
    // Processes this one starts with the same flags are its children.
    if (telemetry.enabled && options.env === undefined)
      process.env[PARENT_PID_VARIABLE] = String(self.pid);
    if (
      telemetry.enabled &&
      role.kind === 'app' &&
      telemetry.serviceName === fallback
    )
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

/**
 * Lines on stderr, but a child's start-up banner (the first `telemetry: ` line) becomes the one
 * child line.
 */
function childAware(line: () => string | undefined): TelemetryLogger {
  let first = true;
  return {
    info: (message: string) => {
      const child = line();
      if (child !== undefined && first && message.startsWith('telemetry: ')) {
        first = false;
        stderrReporter.info(child);
        return;
      }
      stderrReporter.info(message);
    },
    warn: (message: string) => stderrReporter.warn(message),
  };
}

function exitWith(message: string): never {
  process.stderr.write(`[otel] ${message}\n`);
  process.exit(1);
}
