/**
 * The variants compared, and the environment each one runs with. Pure.
 */
import type { ExtraVariant } from './args.js';

export interface VariantSpec {
  id: string;
  label: string;
  /**
   * The bare node:http server in this package, the built dice-api, the --baseline bundle, the
   * getting-started setup in this package (peer-server-main.js), or Datadog's dd-trace on the
   * same app (datadog-peer-main.js).
   */
  program: 'limit' | 'dice-api' | 'baseline' | 'peer' | 'datadog';
  /**
   * 'up': a live receiver counts the spans (OTLP, or for 'datadog' the stand-in agent);
   * 'down': nothing listens on the OTLP port; undefined: the variant sends nothing.
   */
  collector: 'up' | 'down' | undefined;
  /** Environment on top of the common one (the OTLP endpoint is added when ports are known). */
  env: Record<string, string>;
  /**
   * The variant that is this one's app with its telemetry off: "telemetry CPU per request" is
   * this variant's CPU per request minus that one's. Undefined for the offs and limit.
   */
  offId?: string;
  /** Whose telemetry this is: the library's, a peer's, or none (the offs and limit). */
  family: 'ours' | 'peer' | 'none';
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

/**
 * dd-trace at its defaults, with every feature that would send anything but traces (and the
 * app's DogStatsD counters) turned off by its documented variable. All of these are dd-trace
 * 6.x settings (`packages/dd-trace/src/config/supported-configurations.json`):
 *
 * - DD_INSTRUMENTATION_TELEMETRY_ENABLED=false — on by default: app-started/dependencies/
 *   heartbeat reports to the agent's /telemetry/proxy.
 * - DD_REMOTE_CONFIGURATION_ENABLED=false — on by default: polls the agent's /v0.7/config every 5 s.
 * - DD_CRASHTRACKING_ENABLED=false — on by default: a native crash handler that reports to the agent.
 * - DD_PROFILING_ENABLED, DD_APPSEC_ENABLED, DD_IAST_ENABLED, DD_DYNAMIC_INSTRUMENTATION_ENABLED,
 *   DD_DATA_STREAMS_ENABLED, DD_LLMOBS_ENABLED, DD_RUNTIME_METRICS_ENABLED=false — off by default
 *   (AppSec can be switched on remotely, which the line above also rules out); set so a
 *   machine-wide DD_* setting cannot turn them on.
 * - DD_TRACE_STARTUP_LOGS=false — the configuration dump on stdout at start.
 *
 * Sampling, instrumentations, code origin for spans, the 2 s flush and the v0.4 intake stay at
 * their defaults. The agent URL and DogStatsD port are added when the stand-in agent's ports are
 * known (datadogEndpointEnv).
 */
export const DATADOG_ENV: Readonly<Record<string, string>> = {
  DD_SERVICE: 'dice-peer',
  DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
  DD_REMOTE_CONFIGURATION_ENABLED: 'false',
  DD_CRASHTRACKING_ENABLED: 'false',
  DD_PROFILING_ENABLED: 'false',
  DD_APPSEC_ENABLED: 'false',
  DD_IAST_ENABLED: 'false',
  DD_DYNAMIC_INSTRUMENTATION_ENABLED: 'false',
  DD_DATA_STREAMS_ENABLED: 'false',
  DD_LLMOBS_ENABLED: 'false',
  DD_RUNTIME_METRICS_ENABLED: 'false',
  DD_TRACE_STARTUP_LOGS: 'false',
};

/** A peer's app with its tracer never started (peer-mode.ts). */
export const PEER_OFF_ENV: Readonly<Record<string, string>> = { PEER_TRACER: 'off' };

/** The ids of the peers and their offs, in report order. */
export const PEER_IDS = ['dd', 'peer'] as const;
export const PEER_OFF_IDS: Readonly<Record<(typeof PEER_IDS)[number], string>> = { dd: 'dd-off', peer: 'peer-off' };

export function variantSpecs(
  onEnv: Record<string, string>,
  extras: readonly ExtraVariant[],
  withBaseline = false,
  only?: readonly string[],
): VariantSpec[] {
  const on = { ...DICE_API_ENV, ...SDK_ON_ENV, ...onEnv };
  const ours = { family: 'ours', offId: 'off' } as const;
  const none = { family: 'none' } as const;
  const baseline: VariantSpec[] = withBaseline
    ? [{ id: 'baseline', label: 'baseline: as on, the --baseline build', program: 'baseline', collector: 'up', env: on, ...ours }]
    : [];
  const builtIn: VariantSpec[] = [
    { id: 'limit', label: 'limit: bare node:http, no telemetry', program: 'limit', collector: undefined, env: {}, ...none },
    {
      id: 'off',
      label: 'off: dice-api, OTEL_SDK_DISABLED=true',
      program: 'dice-api',
      collector: undefined,
      env: { ...DICE_API_ENV, OTEL_SDK_DISABLED: 'true' },
      ...none,
    },
    { id: 'on', label: 'on: 100 % sampled, OTLP/gRPC to a live receiver', program: 'dice-api', collector: 'up', env: on, ...ours },
    { id: 'down', label: 'down: as on, nothing listening on the OTLP port', program: 'dice-api', collector: 'down', env: on, ...ours },
    {
      id: 'ratio10',
      label: 'ratio10: as on, parentbased_traceidratio 0.1 (10 % of traces sampled)',
      program: 'dice-api',
      collector: 'up',
      env: { ...on, ...SAMPLED_ENV },
      ...ours,
    },
    {
      id: 'peer',
      label: 'peer: getting-started setup (NodeSDK + auto-instrumentations defaults), OTLP/gRPC',
      program: 'peer',
      collector: 'up',
      env: { ...PEER_ENV, ...onEnv },
      family: 'peer',
      offId: 'peer-off',
    },
    {
      id: 'peer-off',
      label: 'peer-off: the getting-started app, SDK not loaded',
      program: 'peer',
      collector: undefined,
      env: { ...PEER_OFF_ENV },
      ...none,
    },
    {
      id: 'dd',
      label: 'dd: Datadog dd-trace defaults, to a stand-in agent',
      program: 'datadog',
      collector: 'up',
      env: { ...DATADOG_ENV },
      family: 'peer',
      offId: 'dd-off',
    },
    {
      id: 'dd-off',
      label: 'dd-off: the same app, dd-trace loaded but never initialized',
      program: 'datadog',
      collector: undefined,
      env: { ...PEER_OFF_ENV },
      ...none,
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
      ...ours,
    })),
    ...baseline,
  ];
}

/** The endpoint variables for a variant whose collector is at `endpoint`. */
export function endpointEnv(endpoint: string): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
}

/**
 * Where dd-trace sends: the stand-in agent's intake (DD_TRACE_AGENT_URL; DogStatsD metrics then
 * go to its /dogstatsd/v2/proxy) and its UDP DogStatsD port, on 127.0.0.1 (the default host,
 * `localhost`, could resolve to ::1), plus the port the app serves its span count on.
 */
export function datadogEndpointEnv(agentUrl: string, dogstatsdPort: number, spansPort: number): Record<string, string> {
  return {
    DD_TRACE_AGENT_URL: agentUrl,
    DD_DOGSTATSD_HOST: '127.0.0.1',
    DD_DOGSTATSD_PORT: String(dogstatsdPort),
    PEER_SPANS_PORT: String(spansPort),
  };
}

/** Whether the variant's app serves a Prometheus page, scraped once a second during its load. */
export function servesMetrics(spec: VariantSpec): boolean {
  if (spec.program === 'dice-api' || spec.program === 'baseline') return true;
  return spec.program === 'peer' && spec.env['PEER_TRACER'] !== 'off';
}

/** Peers are compared by what their tracer costs, so each needs its own off in the same rounds. */
export function withOwnOffs(ids: readonly string[]): string[] {
  const result = [...ids];
  for (const peer of PEER_IDS) {
    if (result.includes(peer) && !result.includes(PEER_OFF_IDS[peer])) result.push(PEER_OFF_IDS[peer]);
  }
  return result;
}
