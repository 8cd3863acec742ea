/**
 * TELEMETRY_TRACER: which code makes the spans. `compact` (default): the library's compact
 * tracer (tracer/), for the configurations it covers (one batch processor to OTLP over gRPC or
 * http/protobuf; anything else falls back to the SDK, and the start-up line says why); `sdk`:
 * @opentelemetry/sdk-trace's TracerProvider for every configuration. Read whether the rest of
 * the configuration comes from the environment or a file (where `distribution.otel-dice.tracer`
 * sets it too; the variable wins).
 */
import { parseEnum, readEnv, type Env } from './values.js';

export const TRACERS = ['compact', 'sdk'] as const;
export type TracerChoice = (typeof TRACERS)[number];

export const TRACER_VARIABLE = 'TELEMETRY_TRACER';

export const DEFAULT_TRACER: TracerChoice = 'compact';

/** The variable's value, or undefined when it is not set. Throws on any other value. */
export function resolveTracerFromEnv(env: Env): TracerChoice | undefined {
  const raw = readEnv(env, TRACER_VARIABLE);
  return raw === undefined
    ? undefined
    : parseEnum(TRACER_VARIABLE, raw, TRACERS);
}
