/**
 * The library's own variable for the span export pipeline (no OTEL_* variable covers it; read
 * whether the rest comes from the environment or a configuration file):
 *
 * - TELEMETRY_OTLP_SPAN_ENCODING: `upstream` (default) leaves the serialization of each batch to
 *   the upstream exporter; `on-end` encodes each sampled span to OTLP protobuf when it ends.
 */
import {
  DEFAULT_OTLP_SPAN_ENCODING,
  OTLP_SPAN_ENCODINGS,
  type OtlpSpanEncoding,
} from './model.js';
import { parseEnum, readEnv, type Env } from './values.js';

export const SPAN_ENCODING_VARIABLES = [
  'TELEMETRY_OTLP_SPAN_ENCODING',
] as const;

export function resolveOtlpSpanEncodingFromEnv(env: Env): OtlpSpanEncoding {
  const raw = readEnv(env, 'TELEMETRY_OTLP_SPAN_ENCODING');
  return raw === undefined
    ? DEFAULT_OTLP_SPAN_ENCODING
    : parseEnum('TELEMETRY_OTLP_SPAN_ENCODING', raw, OTLP_SPAN_ENCODINGS);
}
