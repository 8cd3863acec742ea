/**
 * The library's own variables for how `/metrics` is served (no OTEL_* variable covers them), over
 * whatever the environment or a configuration file resolved to (resolve.ts), like TELEMETRY_HTTP_*:
 * the extension's `prometheus` (model.ts, PrometheusSettings):
 *
 * - TELEMETRY_PROMETHEUS_TARGET_INFO: `service` (default), `all` or `none`;
 * - TELEMETRY_PROMETHEUS_CACHE_MS: how long a rendered page is served again (0: every scrape);
 * - TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS, _REQUEST_TIMEOUT_MS, _KEEP_ALIVE_TIMEOUT_MS,
 *   _MAX_CONNECTIONS, _SEND_TIMEOUT_MS, _MAX_PIPELINED_REQUESTS: the Prometheus port's server,
 *   named and bounded as the apps' own APP_* / PLAYER_* limits are (libs/app-config).
 *
 * The same bounds apply to a configuration file's `distribution['otel-dice'].prometheus` and to
 * code overrides (PROMETHEUS_NUMBERS, known-variables.ts); the headers timeout must not exceed
 * the request timeout whichever source set them (checkPrometheusTimeouts, run on the resolved
 * configuration).
 */
import { invalidValue } from './errors.js';
import {
  PROMETHEUS_NUMBERS,
  type PrometheusNumber,
  type Variables,
} from './known-variables.js';
import {
  EXTENSION,
  settingsOf,
  type PrometheusSettings,
  type TelemetryConfig,
} from './model.js';

type ServerKey = keyof PrometheusSettings['server'];

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

/**
 * TELEMETRY_PROMETHEUS_* over `config`: each variable that is set wins over the extension's
 * `prometheus`, and is recorded in its `sources`.
 */
export function withPrometheusVariables(
  config: TelemetryConfig,
  vars: Variables,
): TelemetryConfig {
  const settings = settingsOf(config);
  const sources: Record<string, string> = {};
  let given: PrometheusGiven = {};
  const targetInfo = vars.TELEMETRY_PROMETHEUS_TARGET_INFO;
  if (targetInfo !== undefined) {
    given = { target_info: targetInfo };
    sources[prometheusKeyPath('target_info')] =
      'TELEMETRY_PROMETHEUS_TARGET_INFO';
  }
  for (const { key, variable } of PROMETHEUS_NUMBERS) {
    const value = vars[variable];
    if (value === undefined) continue;
    given = withNumber(given, key, value);
    sources[prometheusKeyPath(key)] = variable;
  }
  return {
    ...config,
    distribution: {
      [EXTENSION]: {
        ...settings,
        prometheus: withPrometheus(settings.prometheus, given),
        sources: { ...settings.sources, ...sources },
      },
    },
  };
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
