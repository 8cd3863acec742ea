/**
 * The variants compared, and the environment each one runs with. Pure.
 */
import type { ExtraVariant } from './args.js';

export interface VariantSpec {
  id: string;
  label: string;
  /**
   * The bare node:http server in this package, the built dice-api, the --baseline bundle, or the
   * getting-started setup in this package (peer-server-main.js).
   */
  program: 'limit' | 'dice-api' | 'baseline' | 'peer';
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

/** Production-style head sampling: one trace in ten recorded and exported, the rest decided "no". */
export const SAMPLED_ENV: Readonly<Record<string, string>> = {
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0.1',
};

/**
 * The getting-started setup runs with the same sampler as "on" and its own defaults otherwise
 * (roles/peer-telemetry.ts). No LOG_LEVEL or DICE_FAULT: it has no access log and no fault.
 */
export const PEER_ENV: Readonly<Record<string, string>> = {
  OTEL_TRACES_SAMPLER: 'always_on',
};

export function variantSpecs(
  onEnv: Record<string, string>,
  extras: readonly ExtraVariant[],
  withBaseline = false,
  only?: readonly string[],
): VariantSpec[] {
  const on = { ...DICE_API_ENV, ...SDK_ON_ENV, ...onEnv };
  const baseline: VariantSpec[] = withBaseline
    ? [
        {
          id: 'baseline',
          label: 'baseline: as on, the --baseline build',
          program: 'baseline',
          collector: 'up',
          env: on,
        },
      ]
    : [];
  const builtIn: VariantSpec[] = [
    {
      id: 'limit',
      label: 'limit: bare node:http, no telemetry',
      program: 'limit',
      collector: undefined,
      env: {},
    },
    {
      id: 'off',
      label: 'off: dice-api, OTEL_SDK_DISABLED=true',
      program: 'dice-api',
      collector: undefined,
      env: { ...DICE_API_ENV, OTEL_SDK_DISABLED: 'true' },
    },
    {
      id: 'on',
      label: 'on: 100 % sampled, OTLP/gRPC to a live receiver',
      program: 'dice-api',
      collector: 'up',
      env: on,
    },
    {
      id: 'down',
      label: 'down: as on, nothing listening on the OTLP port',
      program: 'dice-api',
      collector: 'down',
      env: on,
    },
    {
      id: 'ratio10',
      label:
        'ratio10: as on, parentbased_traceidratio 0.1 (10 % of traces sampled)',
      program: 'dice-api',
      collector: 'up',
      env: { ...on, ...SAMPLED_ENV },
    },
    {
      id: 'peer',
      label:
        'peer: getting-started setup (NodeSDK + auto-instrumentations defaults), OTLP/gRPC',
      program: 'peer',
      collector: 'up',
      env: { ...PEER_ENV, ...onEnv },
    },
  ];
  return [
    ...builtIn.filter((spec) => only === undefined || only.includes(spec.id)),
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
