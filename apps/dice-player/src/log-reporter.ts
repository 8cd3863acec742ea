/**
 * Where @otel-dice/telemetry's export warnings go ("collector unreachable", "recovered, N spans
 * lost"). The library needs its logger at startTelemetry(), but the JSON logger (pino) is only
 * loaded after it, with the rest of the app. This reporter writes plain stderr lines until the
 * app attaches its logger, then forwards there.
 */
import type { ExportHealthReporter } from '@otel-dice/telemetry';

export interface DeferredReporter extends ExportHealthReporter {
  attach(target: ExportHealthReporter): void;
}

export function createDeferredReporter(
  fallback: ExportHealthReporter = {
    warn: (message) =>
      process.stderr.write(`dice-player: telemetry warning: ${message}\n`),
    info: (message) =>
      process.stderr.write(`dice-player: telemetry: ${message}\n`),
  },
): DeferredReporter {
  let target: ExportHealthReporter | undefined;
  return {
    warn: (message) => (target ?? fallback).warn(message),
    info: (message) => (target ?? fallback).info(message),
    attach: (next) => {
      target = next;
    },
  };
}
