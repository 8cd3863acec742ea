/**
 * Which tracer makes the spans, decided once at start from the configuration model and the app's
 * own span processors: the compact tracer for what it covers — one batch processor exporting
 * over OTLP gRPC or http/protobuf, or no processor at all (spans made for context, exported
 * nowhere) — and the SDK's TracerProvider for everything else, with the reason, which the
 * start-up line names. Pure.
 */
import {
  settingsOf,
  type ProcessorModel,
  type TelemetryConfig,
} from '../config/model.js';

export type TracerPath =
  | { readonly kind: 'compact' }
  | { readonly kind: 'sdk'; readonly reason: string };

export function tracerPath(
  config: TelemetryConfig,
  appProcessors = 0,
): TracerPath {
  if (settingsOf(config).tracer === 'sdk')
    return { kind: 'sdk', reason: 'TELEMETRY_TRACER=sdk' };
  // A processor of the app's own sees the SDK's span objects (onStart, ReadableSpan), which the
  // compact tracer does not make.
  if (appProcessors > 0)
    return {
      kind: 'sdk',
      reason: `${appProcessors} span processor${appProcessors > 1 ? 's' : ''} of the app's`,
    };
  const processors = (config.tracer_provider?.processors ??
    []) as ProcessorModel[];
  if (processors.length > 1)
    return { kind: 'sdk', reason: `${processors.length} span processors` };
  const only = processors[0];
  if (only === undefined) return { kind: 'compact' };
  if (only.batch === undefined)
    return { kind: 'sdk', reason: 'a simple span processor' };
  const exporter = only.batch.exporter;
  if (exporter.otlp_grpc) return { kind: 'compact' };
  if (exporter.otlp_http)
    return exporter.otlp_http.encoding === 'json'
      ? { kind: 'sdk', reason: 'OTLP http/json' }
      : { kind: 'compact' };
  return { kind: 'sdk', reason: 'the console exporter' };
}

/** The start-up line's words for it. */
export function describeTracerPath(path: TracerPath): string {
  return path.kind === 'compact'
    ? 'tracer compact'
    : `tracer sdk (${path.reason})`;
}
