/**
 * The variants compared, and the environment each one runs with. Pure.
 */
import type { ExtraVariant } from './args.js';

export interface VariantSpec {
  id: string;
  label: string;
  /** The bare node:http server in this package, the built dice-api, or the --baseline bundle. */
  program: 'limit' | 'dice-api' | 'baseline';
  /** 'up': a live OTLP receiver counts the spans; 'down': nothing listens on the OTLP port. */
  collector: 'up' | 'down' | undefined;
  /** Environment on top of the common one (the OTLP endpoint is added when ports are known). */
  env: Record<string, string>;
}

/**
 * Every dice-api variant: the seed's fault switched off (no 500s to skew latency), and the access
 * log at warn. One JSON line per request is the app's cost, not telemetry's, and writing tens of
 * thousands of lines a second into the bench's pipe would measure the pipe.
 */
export const DICE_API_ENV: Readonly<Record<string, string>> = {
  DICE_FAULT: 'off',
  LOG_LEVEL: 'warn',
};

/** Fully on: every trace sampled, every span exported. */
export const SDK_ON_ENV: Readonly<Record<string, string>> = {
  OTEL_TRACES_SAMPLER: 'always_on',
};

export function variantSpecs(
  onEnv: Record<string, string>,
  extras: readonly ExtraVariant[],
  withBaseline = false,
): VariantSpec[] {
  const on = { ...DICE_API_ENV, ...SDK_ON_ENV, ...onEnv };
  const baseline: VariantSpec[] = withBaseline
    ? [{ id: 'baseline', label: 'baseline: as on, the --baseline build', program: 'baseline', collector: 'up', env: on }]
    : [];
  return [
    { id: 'limit', label: 'limit: bare node:http, no telemetry', program: 'limit', collector: undefined, env: {} },
    {
      id: 'off',
      label: 'off: dice-api, OTEL_SDK_DISABLED=true',
      program: 'dice-api',
      collector: undefined,
      env: { ...DICE_API_ENV, OTEL_SDK_DISABLED: 'true' },
    },
    { id: 'on', label: 'on: 100 % sampled, OTLP/gRPC to a live receiver', program: 'dice-api', collector: 'up', env: on },
    { id: 'down', label: 'down: as on, nothing listening on the OTLP port', program: 'dice-api', collector: 'down', env: on },
    ...extras.map((extra) => ({
      id: extra.id,
      label: `${extra.id}: as on + ${Object.entries(extra.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      program: 'dice-api' as const,
      collector: 'up' as const,
      env: { ...on, ...extra.env },
    })),
    ...baseline,
  ];
}

/** The endpoint variables for a variant whose collector is at `endpoint`. */
export function endpointEnv(endpoint: string): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
}
