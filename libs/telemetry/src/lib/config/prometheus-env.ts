/**
 * The library's own variables for how `/metrics` is served (no OTEL_* variable covers them; read
 * whether the rest comes from the environment or a configuration file, like TELEMETRY_HTTP_*),
 * onto the extension's `prometheus` (model.ts, PrometheusSettings):
 *
 * - TELEMETRY_PROMETHEUS_TARGET_INFO: `service` (default), `all` or `none`;
 * - TELEMETRY_PROMETHEUS_CACHE_MS: how long a rendered page is served again (0: every scrape);
 * - TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS, _REQUEST_TIMEOUT_MS, _KEEP_ALIVE_TIMEOUT_MS,
 *   _MAX_CONNECTIONS, _SEND_TIMEOUT_MS, _MAX_PIPELINED_REQUESTS: the Prometheus port's server,
 *   named and bounded as the apps' own APP_* / PLAYER_* limits are (libs/app-config).
 *
 * The same bounds apply to a configuration file's `distribution['otel-dice'].prometheus` and to
 * code overrides (from-file.ts reads PROMETHEUS_NUMBERS); the headers timeout must not exceed
 * the request timeout whichever source set them (checkPrometheusTimeouts, run on the resolved
 * configuration).
 */
import { invalidValue } from './errors.js';
import {
  DEFAULT_PROMETHEUS,
  EXTENSION,
  settingsOf,
  TARGET_INFO_MODES,
  type PrometheusSettings,
  type TelemetryConfig,
} from './model.js';
import { parseEnum, parseInteger, readEnv, type Env } from './values.js';

type ServerKey = keyof PrometheusSettings['server'];

/** A numeric setting: its key under `prometheus`, its variable, its bounds. */
export interface PrometheusNumber {
  readonly key: 'cache' | `server.${ServerKey}`;
  readonly variable: string;
  readonly min: number;
  readonly max: number;
}

const HOUR_MS = 3_600_000;

export const PROMETHEUS_NUMBERS: readonly PrometheusNumber[] = [
  {
    key: 'cache',
    variable: 'TELEMETRY_PROMETHEUS_CACHE_MS',
    min: 0,
    max: 60_000,
  },
  {
    key: 'server.headers_timeout',
    variable: 'TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS',
    min: 1,
    max: HOUR_MS,
  },
  {
    key: 'server.request_timeout',
    variable: 'TELEMETRY_PROMETHEUS_REQUEST_TIMEOUT_MS',
    min: 1,
    max: HOUR_MS,
  },
  {
    key: 'server.keep_alive_timeout',
    variable: 'TELEMETRY_PROMETHEUS_KEEP_ALIVE_TIMEOUT_MS',
    min: 1,
    max: HOUR_MS,
  },
  {
    key: 'server.max_connections',
    variable: 'TELEMETRY_PROMETHEUS_MAX_CONNECTIONS',
    min: 1,
    max: 1_000_000,
  },
  {
    key: 'server.send_timeout',
    variable: 'TELEMETRY_PROMETHEUS_SEND_TIMEOUT_MS',
    min: 1,
    max: HOUR_MS,
  },
  {
    key: 'server.max_pipelined_requests',
    variable: 'TELEMETRY_PROMETHEUS_MAX_PIPELINED_REQUESTS',
    min: 1,
    max: 10_000,
  },
];

export const PROMETHEUS_TARGET_INFO_VARIABLE =
  'TELEMETRY_PROMETHEUS_TARGET_INFO';

export const PROMETHEUS_VARIABLES: readonly string[] = [
  PROMETHEUS_TARGET_INFO_VARIABLE,
  ...PROMETHEUS_NUMBERS.map((n) => n.variable),
];

/** The key path of a `prometheus` setting in the model, as errors and `sources` name it. */
export function prometheusKeyPath(key: string): string {
  return `distribution.${EXTENSION}.prometheus.${key}`;
}

/** What a file or code override gives: any of the settings, the server's one by one. */
export type PrometheusGiven = Partial<Omit<PrometheusSettings, 'server'>> & {
  readonly server?: Partial<PrometheusSettings['server']>;
};

/** `given` over `base`, key by key. */
export function withPrometheus(
  base: PrometheusSettings,
  given: PrometheusGiven | undefined,
): PrometheusSettings {
  if (given === undefined) return base;
  return {
    target_info: given.target_info ?? base.target_info,
    cache: given.cache ?? base.cache,
    server: { ...base.server, ...given.server },
  };
}

/**
 * The extension's `sources` entries for what `given` sets: key path → `nameOf(key path)`, e.g.
 * `OTEL_CONFIG_FILE (distribution.otel-dice.prometheus.cache)`.
 */
export function prometheusSources(
  given: PrometheusGiven | undefined,
  nameOf: (keyPath: string) => string,
): Record<string, string> {
  const keys = [
    ...(given?.target_info !== undefined ? ['target_info'] : []),
    ...(given?.cache !== undefined ? ['cache'] : []),
    ...Object.keys(given?.server ?? {}).map((name) => `server.${name}`),
  ];
  return Object.fromEntries(
    keys.map((key) => {
      const path = prometheusKeyPath(key);
      return [path, nameOf(path)];
    }),
  );
}

export interface PrometheusFromEnv {
  /** Only the variables that are set. */
  readonly given: PrometheusGiven;
  /** Key path → variable, for the extension's `sources`. */
  readonly sources: Readonly<Record<string, string>>;
}

export function resolvePrometheusFromEnv(env: Env): PrometheusFromEnv {
  const sources: Record<string, string> = {};
  const targetInfoRaw = readEnv(env, PROMETHEUS_TARGET_INFO_VARIABLE);
  let given: PrometheusGiven = {};
  if (targetInfoRaw !== undefined) {
    given = {
      target_info: parseEnum(
        PROMETHEUS_TARGET_INFO_VARIABLE,
        targetInfoRaw,
        TARGET_INFO_MODES,
      ),
    };
    sources[prometheusKeyPath('target_info')] = PROMETHEUS_TARGET_INFO_VARIABLE;
  }
  for (const { key, variable, min, max } of PROMETHEUS_NUMBERS) {
    const raw = readEnv(env, variable);
    if (raw === undefined) continue;
    given = withNumber(given, key, parseInteger(variable, raw, { min, max }));
    sources[prometheusKeyPath(key)] = variable;
  }
  return { given, sources };
}

/** `given` with the numeric setting `key` set to `value`. */
export function withNumber(
  given: PrometheusGiven,
  key: PrometheusNumber['key'],
  value: number,
): PrometheusGiven {
  if (key === 'cache') return { ...given, cache: value };
  const name = key.slice('server.'.length) as ServerKey;
  return { ...given, server: { ...given.server, [name]: value } };
}

/** The extension's `prometheus` from the environment alone: the defaults, then the variables. */
export function prometheusFromEnv(env: Env): PrometheusFromEnv & {
  readonly settings: PrometheusSettings;
} {
  const fromEnv = resolvePrometheusFromEnv(env);
  return {
    ...fromEnv,
    settings: withPrometheus(DEFAULT_PROMETHEUS, fromEnv.given),
  };
}

/**
 * Node refuses a server whose headers timeout exceeds its request timeout; so does the library,
 * at start, with one line naming the setting that was set — the headers timeout's source if it
 * was set (by a variable, the file or code), else the request timeout's.
 */
export function checkPrometheusTimeouts(config: TelemetryConfig): void {
  const settings = settingsOf(config);
  const { headers_timeout: headers, request_timeout: request } =
    settings.prometheus.server;
  if (headers <= request) return;
  const headersSource =
    settings.sources[prometheusKeyPath('server.headers_timeout')];
  const requestSource =
    settings.sources[prometheusKeyPath('server.request_timeout')];
  if (headersSource !== undefined)
    throw invalidValue(
      headersSource,
      String(headers),
      `must not exceed the request timeout (${request} ms, ${requestSource ?? `the default; ${variableOf('server.request_timeout')} sets it`})`,
    );
  throw invalidValue(
    requestSource ?? variableOf('server.request_timeout'),
    String(request),
    `must not be shorter than the headers timeout (${headers} ms, the default; ${variableOf('server.headers_timeout')} sets it)`,
  );
}

function variableOf(key: PrometheusNumber['key']): string {
  return PROMETHEUS_NUMBERS.find((n) => n.key === key)?.variable ?? key;
}
