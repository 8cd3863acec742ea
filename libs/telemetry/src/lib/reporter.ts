/**
 * Where the library's own lines go — the start-up summary, configuration notes, export-outage
 * warnings — for an app whose JSON logger can only be created after startTelemetry() (the logger
 * module must be loaded after the instrumentations that patch it). Lines are held until the app
 * attaches its logger, then replayed into it in order, so they land in the same log as
 * everything else. If the process ends before that (a start-up failure), held lines are written
 * to the fallback (plain stderr lines) instead of being lost.
 */
import type { TelemetryConfig } from './config/model.js';
import { knownSecrets, redactText } from './config/redact.js';
import { resolveTelemetryConfig } from './config/resolve.js';
import type { TelemetryLogger } from './export-health.js';

export interface DeferredReporter extends TelemetryLogger {
  /** Replays held lines into `target` and sends every later line there. */
  attach(target: TelemetryLogger): void;
  /** Writes held lines to the fallback now (e.g. before exiting on a start-up error). */
  flush(): void;
}

/** At most this many lines are held; later ones go straight to the fallback. */
export const MAX_HELD_LINES = 100;

type Line = { level: 'warn' | 'info'; message: string };

export function createDeferredReporter(
  fallback: TelemetryLogger,
  onExit: (listener: () => void) => void = (listener) =>
    process.once('exit', listener),
): DeferredReporter {
  let target: TelemetryLogger | undefined;
  const held: Line[] = [];
  const write = (to: TelemetryLogger, line: Line) =>
    line.level === 'warn' ? to.warn(line.message) : to.info(line.message);
  const flush = () => {
    for (const line of held.splice(0)) write(fallback, line);
  };
  onExit(flush);
  const send = (line: Line) => {
    if (target) write(target, line);
    else if (held.length < MAX_HELD_LINES) held.push(line);
    else write(fallback, line);
  };
  return {
    warn: (message) => send({ level: 'warn', message }),
    info: (message) => send({ level: 'info', message }),
    attach: (next) => {
      target = next;
      for (const line of held.splice(0)) write(next, line);
    },
    flush,
  };
}

/** Plain stderr lines prefixed with the app's name: the fallback before a logger exists. */
export function stderrLines(prefix: string): TelemetryLogger {
  return {
    warn: (message) => process.stderr.write(`${prefix}: warning: ${message}\n`),
    info: (message) => process.stderr.write(`${prefix}: ${message}\n`),
  };
}

/**
 * Every line through the one redaction routine (config/redact.ts): URL-shaped words masked, and
 * `secrets` — the configuration's own credentials (knownSecrets) — masked wherever they occur,
 * so a message from an exporter or the SDK cannot print them in a form the URL rule misses.
 */
export function redactingReporter(
  target: TelemetryLogger,
  secrets: readonly string[] = [],
): TelemetryLogger {
  return {
    warn: (message) => target.warn(redactText(message, secrets)),
    info: (message) => target.info(redactText(message, secrets)),
  };
}

/** The library's own lines when the app gives no logger: one plain line each on stderr. */
export const stderrReporter: TelemetryLogger = {
  warn: (message) => process.stderr.write(`[otel] warning: ${message}\n`),
  info: (message) => process.stderr.write(`[otel] ${message}\n`),
};

/**
 * Where the library prints for `config`: the app's logger (or stderr), every line redacted with
 * the configuration's own credentials. What startTelemetry, initTraces and initMetrics print
 * through.
 */
export function libraryLogger(
  config: TelemetryConfig,
  logger: TelemetryLogger = stderrReporter,
): TelemetryLogger {
  return redactingReporter(logger, knownSecrets(config));
}

/**
 * The options of initTraces()/initMetrics() called on their own: the configuration resolved once
 * (from the environment, as startTelemetry() would) unless given, and the library's lines through
 * libraryLogger — what startTelemetry() hands its own parts.
 */
export function standalone<
  O extends {
    readonly config?: TelemetryConfig;
    readonly logger?: TelemetryLogger;
  },
>(
  options: O,
): O & { readonly config: TelemetryConfig; readonly logger: TelemetryLogger } {
  const config =
    options.config ?? resolveTelemetryConfig({ defaultServiceName: '' });
  return { ...options, config, logger: libraryLogger(config, options.logger) };
}
