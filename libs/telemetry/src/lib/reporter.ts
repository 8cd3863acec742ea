/**
 * Where the library's own lines go — the start-up summary, configuration notes, export-outage
 * warnings — for an app whose JSON logger can only be created after startTelemetry() (the logger
 * module must be loaded after the instrumentations that patch it). Lines are held until the app
 * attaches its logger, then replayed into it in order, so they land in the same log as
 * everything else. If the process ends before that (a start-up failure), held lines are written
 * to the fallback (plain stderr lines) instead of being lost.
 */
import { redactText } from './config/redact.js';
import type { ExportHealthReporter } from './export-health.js';

export interface DeferredReporter extends ExportHealthReporter {
  /** Replays held lines into `target` and sends every later line there. */
  attach(target: ExportHealthReporter): void;
  /** Writes held lines to the fallback now (e.g. before exiting on a start-up error). */
  flush(): void;
}

/** At most this many lines are held; later ones go straight to the fallback. */
export const MAX_HELD_LINES = 100;

type Line = { level: 'warn' | 'info'; message: string };

export function createDeferredReporter(
  fallback: ExportHealthReporter,
  onExit: (listener: () => void) => void = (listener) =>
    process.once('exit', listener),
): DeferredReporter {
  let target: ExportHealthReporter | undefined;
  const held: Line[] = [];
  const write = (to: ExportHealthReporter, line: Line) =>
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
export function stderrLines(prefix: string): ExportHealthReporter {
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
  target: ExportHealthReporter,
  secrets: readonly string[] = [],
): ExportHealthReporter {
  return {
    warn: (message) => target.warn(redactText(message, secrets)),
    info: (message) => target.info(redactText(message, secrets)),
  };
}
