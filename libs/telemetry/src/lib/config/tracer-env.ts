/**
 * TELEMETRY_TRACER: which code makes the spans. `compact` (default): the library's compact
 * tracer (tracer/), for the configurations it covers (one batch processor to OTLP over gRPC or
 * http/protobuf; anything else falls back to the SDK, and the start-up line says why); `sdk`:
 * @opentelemetry/sdk-trace's TracerProvider for every configuration. Read whether the rest of
 * the configuration comes from the environment or a file (where `distribution.otel-dice.tracer`
 * sets it too; the variable wins; a code override wins over both). Its row, which reads and
 * checks the value, is in known-variables.ts.
 */
import type { Variables } from './known-variables.js';
import { EXTENSION, settingsOf, type TelemetryConfig } from './model.js';

export const TRACER_VARIABLE = 'TELEMETRY_TRACER';

export const TRACERS = ['compact', 'sdk'] as const;
export type TracerChoice = (typeof TRACERS)[number];

export const DEFAULT_TRACER: TracerChoice = 'compact';

/** TELEMETRY_TRACER, when set, over what the environment mapping or the file chose. */
export function withTracerVariable(
  config: TelemetryConfig,
  vars: Variables,
): TelemetryConfig {
  const tracer = vars.TELEMETRY_TRACER;
  if (tracer === undefined) return config;
  const settings = settingsOf(config);
  return {
    ...config,
    distribution: {
      [EXTENSION]: {
        ...settings,
        tracer,
        sources: { ...settings.sources, [TRACER_KEY_PATH]: TRACER_VARIABLE },
      },
    },
  };
}

const TRACER_KEY_PATH = `distribution.${EXTENSION}.tracer`;
