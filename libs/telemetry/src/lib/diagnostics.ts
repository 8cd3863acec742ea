import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';

/** The schema's severities (`trace`…`fatal4`) by their family, as the API's diagnostic levels. */
const LEVELS: Array<[RegExp, DiagLogLevel]> = [
  [/^trace/, DiagLogLevel.VERBOSE],
  [/^debug/, DiagLogLevel.DEBUG],
  [/^info/, DiagLogLevel.INFO],
  [/^warn/, DiagLogLevel.WARN],
  [/^(error|fatal)/, DiagLogLevel.ERROR],
];

/**
 * `log_level` (OTEL_LOG_LEVEL) turns on the SDK's own diagnostics (exporter retries, dropped
 * spans, patching of modules). Unset, the SDK stays silent and the app sees only the library's
 * one-line outage warnings.
 */
export function configureDiagnostics(level: string | undefined): void {
  const found = level && LEVELS.find(([pattern]) => pattern.test(level));
  if (!found) return;
  diag.setLogger(new DiagConsoleLogger(), {
    logLevel: found[1],
    suppressOverrideMessage: true,
  });
}
