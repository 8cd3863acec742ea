/**
 * Telemetry for an app that contains no telemetry code: `node --import
 * @otel-dice/telemetry/register app.js` (or `--require` for a CommonJS app). Everything comes from
 * the configuration model — the OTEL_* variables or OTEL_CONFIG_FILE — as for startTelemetry(),
 * with two differences that follow from there being no code:
 *
 * - `service.name` falls back to the SDK's `unknown_service:<argv0>`, as the specification says,
 *   when nothing names the service (set OTEL_SERVICE_NAME);
 * - the default Prometheus reader cannot be mounted on the app's own server (nobody mounts it),
 *   so it serves on its own port instead: OTEL_EXPORTER_PROMETHEUS_HOST/PORT, by default
 *   localhost:9464, the specification's defaults.
 *
 * A process started by one that runs this entry — a worker forked with child_process.fork or
 * cluster, which inherit `--require`/`--import` — is told apart (child-process.ts): one short
 * line instead of the banner, its own service.instance.id, and no Prometheus port of its own.
 *
 * It flushes on SIGTERM/SIGINT and when the event loop runs dry (exit.ts). An unusable value
 * ends the process at once with one line naming the variable, before the app runs.
 */
import { defaultServiceName } from '@opentelemetry/resources';
import {
  childMetricReaders,
  childResourceAttributes,
  childStartLine,
  PARENT_PID_VARIABLE,
  processRole,
} from './child-process.js';
import { TelemetryConfigError } from './config/errors.js';
import {
  DEFAULT_PROMETHEUS_HOST,
  DEFAULT_PROMETHEUS_PORT,
  type MetricReaderConfig,
} from './config/model.js';
import { resolveTelemetryConfig } from './config/resolve.js';
import type { Env } from './config/values.js';
import { flushOnExit } from './exit.js';
import { startTelemetry, type Telemetry } from './telemetry.js';
import { stderrReporter } from './traces.js';

/** Prometheus on the app's port becomes Prometheus on a port of its own. Pure. */
export function zeroCodeReaders(
  readers: readonly MetricReaderConfig[],
): MetricReaderConfig[] {
  return readers.map((reader) =>
    reader.kind === 'prometheus' && reader.port === undefined
      ? {
          kind: 'prometheus',
          host: reader.host ?? DEFAULT_PROMETHEUS_HOST,
          port: DEFAULT_PROMETHEUS_PORT,
        }
      : reader,
  );
}

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
  const env = options.env ?? process.env;
  const fail = options.fail ?? exitWith;
  const self = options.process ?? {
    pid: process.pid,
    hasIpc: process.channel !== undefined,
  };
  // A worker forked by an app started with --require/--import inherits the flag (child-process.ts).
  const role = processRole({ env, ...self });
  try {
    const base = { env, defaultServiceName: defaultServiceName() };
    const resolved = resolveTelemetryConfig(base);
    let readers = zeroCodeReaders(resolved.metrics.readers);
    let logger = stderrReporter;
    let resourceAttributes = resolved.resource.attributes;
    if (role.kind === 'child') {
      const child = childMetricReaders(readers, resolved.traces);
      readers = child.readers;
      resourceAttributes = childResourceAttributes(
        resourceAttributes,
        role,
        self.pid,
      );
      logger = childReporter(
        childStartLine(
          role,
          resolved.resource.serviceName,
          self.pid,
          child.metrics,
        ),
      );
    }
    const telemetry = startTelemetry({
      ...base,
      overrides: { metrics: { readers }, resourceAttributes },
      logger,
    });
    // Processes this one starts with the same flags are its children.
    if (telemetry.enabled && env === process.env)
      process.env[PARENT_PID_VARIABLE] = String(self.pid);
    if (
      telemetry.enabled &&
      role.kind === 'app' &&
      telemetry.serviceName === base.defaultServiceName
    )
      stderrReporter.warn(
        `no service name is configured, so spans, metrics and logs carry service.name=${base.defaultServiceName}: set OTEL_SERVICE_NAME`,
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
 * A child's reporter: its start-up banner becomes the one child line (the app printed the
 * banner already); everything else as usual.
 */
function childReporter(line: string): typeof stderrReporter {
  let first = true;
  return {
    info: (message: string) => {
      if (first && message.startsWith('telemetry: ')) {
        first = false;
        stderrReporter.info(line);
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
