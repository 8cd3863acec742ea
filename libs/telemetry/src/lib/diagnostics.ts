import { format } from 'node:util';
import {
  diag,
  DiagLogLevel,
  type DiagLogFunction,
  type DiagLogger,
} from '@opentelemetry/api';
import { redactText } from './config/redact.js';

/** The schema's severities (`trace`…`fatal4`) by their family, as the API's diagnostic levels. */
const LEVELS: Array<[RegExp, DiagLogLevel]> = [
  [/^trace/, DiagLogLevel.VERBOSE],
  [/^debug/, DiagLogLevel.DEBUG],
  [/^info/, DiagLogLevel.INFO],
  [/^warn/, DiagLogLevel.WARN],
  [/^(error|fatal)/, DiagLogLevel.ERROR],
];

/**
 * The console logger of @opentelemetry/api (same console methods, same formatting), with every
 * line through the one redaction routine: at debug level the SDK prints exporter URLs and
 * whole objects, and `secrets` (the configuration's credentials) must not be among them.
 */
export function redactingDiagLogger(
  secrets: readonly string[] = [],
  write: (
    level: 'error' | 'warn' | 'info' | 'debug' | 'trace',
    line: string,
  ) => void = (level, line) => console[level](line),
): DiagLogger {
  const at =
    (level: 'error' | 'warn' | 'info' | 'debug' | 'trace'): DiagLogFunction =>
    (message, ...args) =>
      write(level, redactText(format(message, ...args), secrets));
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    verbose: at('trace'),
  };
}

/**
 * `log_level` (OTEL_LOG_LEVEL) turns on the SDK's own diagnostics (exporter retries, dropped
 * spans, patching of modules), every line redacted (redactingDiagLogger). Unset, the SDK stays
 * silent and the app sees only the library's one-line outage warnings.
 */
export function configureDiagnostics(
  level: string | undefined,
  secrets: readonly string[] = [],
): void {
  const found = level && LEVELS.find(([pattern]) => pattern.test(level));
  if (!found) return;
  diag.setLogger(redactingDiagLogger(secrets), {
    logLevel: found[1],
    suppressOverrideMessage: true,
  });
}
