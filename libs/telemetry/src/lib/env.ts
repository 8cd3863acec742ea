/**
 * Pure readers for the environment variables the library honours. Every function takes the
 * environment as an argument so precedence rules are unit-tested without touching process.env.
 *
 * Precedence is always: explicit option > standard OTEL_* variable > the seed's own variable >
 * built-in default. The seed's names (APP_SERVICE_NAME, TRACE_ENDPOINT) keep working for people
 * coming from the tutorial; the OTEL_* names win because they are what collectors, operators and
 * platform tooling already set.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** Thrown for a variable whose value cannot be used; the message names the variable. */
export class TelemetryConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    rule: string,
  ) {
    super(`${variable}=${JSON.stringify(value)} is invalid: ${rule}`);
    this.name = 'TelemetryConfigError';
  }
}

export const DEFAULT_OTLP_GRPC_ENDPOINT = 'http://localhost:4317';

/** A variable counts as set only when it holds something other than whitespace. */
export function readEnv(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function firstSet(
  ...candidates: Array<string | undefined>
): string | undefined {
  return candidates.find((c) => c !== undefined && c.trim() !== '')?.trim();
}

export function resolveServiceName(
  env: Env,
  explicit: string | undefined,
  fallback: string,
): string {
  return (
    firstSet(
      explicit,
      readEnv(env, 'OTEL_SERVICE_NAME'),
      readEnv(env, 'APP_SERVICE_NAME'),
      parseResourceAttributes(env)['service.name'],
    ) ?? fallback
  );
}

/**
 * The OTLP/gRPC endpoint for traces. A gRPC endpoint has no path, so unlike OTLP/HTTP no
 * `/v1/traces` suffix is appended to OTEL_EXPORTER_OTLP_ENDPOINT.
 */
export function resolveTraceEndpoint(env: Env, explicit?: string): string {
  return (
    firstSet(
      explicit,
      readEnv(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'),
      readEnv(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
      readEnv(env, 'TRACE_ENDPOINT'),
    ) ?? DEFAULT_OTLP_GRPC_ENDPOINT
  );
}

/** OTEL_SDK_DISABLED: only the (case-insensitive) string "true" disables, as the spec says. */
export function isSdkDisabled(env: Env): boolean {
  return readEnv(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
}

/**
 * OTEL_RESOURCE_ATTRIBUTES: `key1=value1,key2=value2`, values percent-encoded. Malformed entries
 * are skipped (the spec says to discard the whole variable on error; we keep the good pairs,
 * which is what operators expect when one value is mistyped).
 */
export function parseResourceAttributes(env: Env): Record<string, string> {
  const raw = readEnv(env, 'OTEL_RESOURCE_ATTRIBUTES');
  const attributes: Record<string, string> = {};
  if (!raw) return attributes;
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (!key) continue;
    try {
      attributes[key] = decodeURIComponent(value);
    } catch {
      continue; // a broken %-escape: skip this pair only
    }
  }
  return attributes;
}

export type TracesExporterKind = 'otlp' | 'console' | 'none';

/** OTEL_TRACES_EXPORTER: the first recognised value of the list; `otlp` by default. */
export function resolveTracesExporter(env: Env): TracesExporterKind {
  const raw = readEnv(env, 'OTEL_TRACES_EXPORTER');
  if (!raw) return 'otlp';
  const kinds = raw.split(',').map((k) => k.trim().toLowerCase());
  for (const kind of kinds) {
    if (kind === 'otlp' || kind === 'console' || kind === 'none') return kind;
  }
  throw new TelemetryConfigError(
    'OTEL_TRACES_EXPORTER',
    raw,
    'supported values are otlp, console and none',
  );
}

export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface SamplerConfig {
  name: SamplerName;
  /** Only for the *traceidratio samplers: probability in [0, 1]. */
  ratio?: number;
}

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

/** OTEL_TRACES_SAMPLER (+ OTEL_TRACES_SAMPLER_ARG); the spec's default is parentbased_always_on. */
export function resolveSampler(env: Env): SamplerConfig {
  const raw =
    readEnv(env, 'OTEL_TRACES_SAMPLER')?.toLowerCase() ??
    'parentbased_always_on';
  const name = SAMPLERS.find((s) => s === raw);
  if (!name) {
    throw new TelemetryConfigError(
      'OTEL_TRACES_SAMPLER',
      raw,
      `supported values are ${SAMPLERS.join(', ')}`,
    );
  }
  if (!name.endsWith('traceidratio')) return { name };
  const arg = readEnv(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (arg === undefined) return { name, ratio: 1 };
  const ratio = Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new TelemetryConfigError(
      'OTEL_TRACES_SAMPLER_ARG',
      arg,
      'must be a number between 0 and 1',
    );
  }
  return { name, ratio };
}

export interface BatchConfig {
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
}

/** The spec's defaults, except a shorter delay: 1 s keeps traces fresh in Jaeger at trivial cost. */
export const DEFAULT_BATCH_CONFIG: BatchConfig = {
  scheduledDelayMillis: 1000,
  exportTimeoutMillis: 30_000,
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
};

function positiveInteger(env: Env, name: string, fallback: number): number {
  const raw = readEnv(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TelemetryConfigError(name, raw, 'must be a positive integer');
  }
  return value;
}

/** OTEL_BSP_*; a batch larger than the queue is clamped to the queue, as the SDK would. */
export function resolveBatchConfig(env: Env): BatchConfig {
  const config: BatchConfig = {
    scheduledDelayMillis: positiveInteger(
      env,
      'OTEL_BSP_SCHEDULE_DELAY',
      DEFAULT_BATCH_CONFIG.scheduledDelayMillis,
    ),
    exportTimeoutMillis: positiveInteger(
      env,
      'OTEL_BSP_EXPORT_TIMEOUT',
      DEFAULT_BATCH_CONFIG.exportTimeoutMillis,
    ),
    maxQueueSize: positiveInteger(
      env,
      'OTEL_BSP_MAX_QUEUE_SIZE',
      DEFAULT_BATCH_CONFIG.maxQueueSize,
    ),
    maxExportBatchSize: positiveInteger(
      env,
      'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      DEFAULT_BATCH_CONFIG.maxExportBatchSize,
    ),
  };
  config.maxExportBatchSize = Math.min(
    config.maxExportBatchSize,
    config.maxQueueSize,
  );
  return config;
}

export type LogLevelName =
  | 'none'
  | 'error'
  | 'warn'
  | 'info'
  | 'debug'
  | 'verbose'
  | 'all';
const LOG_LEVELS: readonly LogLevelName[] = [
  'none',
  'error',
  'warn',
  'info',
  'debug',
  'verbose',
  'all',
];

/** OTEL_LOG_LEVEL; unset means the SDK's own diagnostics stay quiet (our outage warnings still show). */
export function resolveLogLevel(env: Env): LogLevelName | undefined {
  const raw = readEnv(env, 'OTEL_LOG_LEVEL')?.toLowerCase();
  if (raw === undefined) return undefined;
  const level = LOG_LEVELS.find((l) => l === raw);
  if (!level) {
    throw new TelemetryConfigError(
      'OTEL_LOG_LEVEL',
      raw,
      `supported values are ${LOG_LEVELS.join(', ')}`,
    );
  }
  return level;
}

/**
 * Which instrumentations to switch on. Default: the two an Express service needs (http,
 * express). OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS use the
 * package-suffix names of @opentelemetry/auto-instrumentations-node (e.g. `http,express,pg`).
 */
export function resolveInstrumentationNames(
  env: Env,
  defaults: readonly string[] = ['http', 'express'],
): string[] {
  const list = (name: string) =>
    (readEnv(env, name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const enabled = list('OTEL_NODE_ENABLED_INSTRUMENTATIONS');
  const disabled = new Set(list('OTEL_NODE_DISABLED_INSTRUMENTATIONS'));
  const chosen = enabled.length > 0 ? enabled : [...defaults];
  return [...new Set(chosen)].filter((n) => !disabled.has(n));
}
