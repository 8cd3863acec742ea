import { format } from 'node:util';
import {
  diag,
  DiagLogLevel,
  type DiagLogFunction,
  type DiagLogger,
} from '@opentelemetry/api';
import type { DiagLevelName } from './config/model.js';
import { redactText } from './config/redact.js';

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
 * OTEL_LOG_LEVEL turns on the SDK's own diagnostics (exporter retries, dropped spans, patching
 * of modules). Unset, the SDK stays silent and the app sees only our one-line outage warnings.
 */
export function configureDiagnostics(
  level: DiagLevelName | undefined,
  secrets: readonly string[] = [],
): void {
  if (level === undefined) return;
  diag.setLogger(redactingDiagLogger(secrets), {
    logLevel: LEVELS[level],
    suppressOverrideMessage: true,
  });
}
