/**
 * Classifying lines of the app's own output (stdout + stderr). Pure.
 */
import { parseJsonObject, type OutputLine } from '@otel-dice/test-support';

/** pino's numeric level for warn. */
const PINO_WARN = 40;

/**
 * Warning lines about trace export, in either form the telemetry library can emit them: the
 * default `[otel] warning: …` line on stderr, or a JSON log line at warn level or above when the
 * app hands the library its own logger. Matching on "export" keeps unrelated warnings out.
 */
export function exporterWarnings(lines: readonly OutputLine[]): string[] {
  return lines
    .map(({ text }) => text)
    .filter((text) => {
      const json = parseJsonObject(text);
      if (json) {
        const level = json['level'];
        const isWarning =
          (typeof level === 'number' && level >= PINO_WARN) ||
          level === 'warn' ||
          level === 'error';
        return isWarning && /export/i.test(String(json['msg'] ?? ''));
      }
      return /warn/i.test(text) && /export/i.test(text);
    });
}

/** Signs of an unhandled promise rejection or uncaught exception in the output. */
export function crashSigns(lines: readonly OutputLine[]): string[] {
  return lines
    .map(({ text }) => text)
    .filter((text) => /unhandled|uncaught/i.test(text));
}
