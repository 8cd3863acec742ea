import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLevelName } from './config/model.js';

const LEVELS: Record<DiagLevelName, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/**
 * OTEL_LOG_LEVEL turns on the SDK's own diagnostics (exporter retries, dropped spans, patching
 * of modules). Unset, the SDK stays silent and the app sees only our one-line outage warnings.
 */
export function configureDiagnostics(level: DiagLevelName | undefined): void {
  if (level === undefined) return;
  diag.setLogger(new DiagConsoleLogger(), {
    logLevel: LEVELS[level],
    suppressOverrideMessage: true,
  });
}
