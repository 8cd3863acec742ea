/**
 * The start-up sequence every service on this library repeats, in one place:
 *
 * 1. (before this is called) the app's own configuration, read and checked by the app — a bad
 *    value of its own stops it with one line before the SDK is even loaded;
 * 2. telemetry, which installs the hooks that patch http, express and pino as they load — an
 *    unusable OTEL_* value ends the start with one line `<name>: cannot start telemetry: …`
 *    (exit code 1);
 * 3. the app's logger, created only now so an instrumented logger (pino) is patched; the
 *    library's own lines (the start-up summary, notes, outage warnings) were held until then and
 *    go into it, or onto stderr if the process ends first;
 * 4. the app itself, loaded by `main` — with require() at that point, never a static import
 *   that a bundler or formatter could move above step 2. If it cannot start (a port in use),
 *    one line `<name>: failed to start: …`, telemetry flushed, exit 1.
 *
 * Both last-resort lines pass the library's one redaction routine (config/redact.ts), the second
 * with the running configuration's own credentials: an error's message is text nobody checked.
 */
import { knownSecrets, redactText } from './config/redact.js';
import type { TelemetryLogger } from './export-health.js';
import { flushOnExit } from './exit.js';
import { createDeferredReporter, stderrLines } from './reporter.js';
import {
  startTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from './telemetry.js';

export interface ServiceOptions<L extends TelemetryLogger = TelemetryLogger>
  extends Omit<TelemetryOptions, 'defaultServiceName' | 'logger'> {
  /** The service: its default `service.name`, and the prefix of the lines written before its logger exists. */
  readonly name: string;
  /**
   * Creates the app's logger once telemetry runs. The library's lines go to it from then on —
   * through `child({ component: 'otel' })` when it has one (pino), so they can be told apart.
   */
  readonly logger?: (telemetry: Telemetry) => L;
  /**
   * On SIGTERM/SIGINT and when the event loop runs dry, flush telemetry (flushOnExit): for a
   * start module whose app closes its own server and lets the process end.
   */
  readonly flushOnExit?: boolean;
  /**
   * Loads and runs the app. A rejection (a port in use) ends the process: one line, telemetry
   * flushed, exit code 1. Without it, the caller loads the app once this returns.
   */
  readonly main?: (service: {
    readonly telemetry: Telemetry;
    readonly logger: L | undefined;
  }) => unknown;
}

/**
 * Runs the start-up sequence above. Returns the running telemetry, or undefined when it could
 * not start (the line is written and the exit code set; nothing of the app was loaded).
 */
export function runService<L extends TelemetryLogger = TelemetryLogger>(
  options: ServiceOptions<L>,
): Telemetry | undefined {
  const {
    name,
    logger: createLogger,
    main,
    flushOnExit: flush,
    ...telemetryOptions
  } = options;
  const lines = stderrLines(name);
  // Held only while a logger is coming; without one, lines go straight to stderr.
  const reporter = createLogger ? createDeferredReporter(lines) : undefined;
  let telemetry: Telemetry;
  try {
    telemetry = startTelemetry({
      ...telemetryOptions,
      defaultServiceName: name,
      logger: reporter ?? lines,
    });
  } catch (error) {
    // e.g. TelemetryConfigError for an unusable OTEL_* value; its message names the variable.
    reporter?.flush();
    process.stderr.write(
      `${name}: cannot start telemetry: ${redactText(describe(error))}\n`,
    );
    process.exitCode = 1;
    return undefined;
  }
  if (flush && telemetry.enabled) flushOnExit(telemetry);
  const logger = createLogger?.(telemetry);
  if (logger) reporter?.attach(tagged(logger));
  if (main === undefined) return telemetry;
  const failed = async (error: unknown) => {
    // Typically EADDRINUSE or EACCES from listen(); one line, then leave with telemetry flushed.
    process.stderr.write(
      `${name}: failed to start: ${redactText(describe(error), knownSecrets(telemetry.config))}\n`,
    );
    await telemetry.shutdown();
    process.exit(1);
  };
  try {
    void Promise.resolve(main({ telemetry, logger })).catch(failed);
  } catch (error) {
    void failed(error);
  }
  return telemetry;
}

function tagged(logger: TelemetryLogger): TelemetryLogger {
  const child = (logger as { child?: (fields: object) => TelemetryLogger })
    .child;
  return typeof child === 'function'
    ? child.call(logger, { component: 'otel' })
    : logger;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
