/**
 * dice-player's configuration, parsed from environment variables. Pure: env in, config or a list
 * of problems out, so a bad deployment fails at start-up with one line per mistake instead of a
 * half-started player.
 *
 * Rule for every variable (shared with dice-api through @otel-dice/app-config): unset means "use
 * the default"; set but blank is a mistake and is rejected, because an empty value in a compose
 * file is almost never intended. OTEL_* variables are read and validated by @otel-dice/telemetry,
 * not here: the player honours the same configuration model as dice-api.
 */
import {
  invalid,
  parseHost,
  parseLogLevel,
  parsePort,
  readOpenFilesLimit,
  readServerLimits,
  SettingsReader,
  valid,
  type ConfigProblem,
  type Env,
  type LogLevel,
  type Parsed,
  type ServerLimits,
} from '@otel-dice/app-config';

export { LOG_LEVELS } from '@otel-dice/app-config';
export type { ConfigProblem, LogLevel, Parsed } from '@otel-dice/app-config';

export interface PlayerConfig {
  /** Base URL of dice-api; rounds call `<target>/rolldice` (PLAYER_TARGET_URL). */
  readonly targetUrl: URL;
  /** Rounds started per second (PLAYER_RATE). */
  readonly ratePerSecond: number;
  /** How long to play before exiting by itself; 0 = until a signal (PLAYER_DURATION_S). */
  readonly durationMs: number;
  /** Deadline for one /rolldice call, connection included (PLAYER_TIMEOUT_MS). */
  readonly requestTimeoutMs: number;
  /** Interface and port of the player's own /metrics and /healthz (PLAYER_HOST, PLAYER_PORT). */
  readonly host: string;
  readonly port: number;
  /** pino level of the JSON log on stdout (PLAYER_LOG_LEVEL); `debug` adds a line per round. */
  readonly logLevel: LogLevel;
  /**
   * Slow-client protection of the status server: PLAYER_HEADERS_TIMEOUT_MS,
   * PLAYER_REQUEST_TIMEOUT_MS, PLAYER_KEEP_ALIVE_TIMEOUT_MS, PLAYER_MAX_CONNECTIONS,
   * PLAYER_SEND_TIMEOUT_MS, PLAYER_MAX_PIPELINED_REQUESTS.
   */
  readonly server: ServerLimits;
}

export const DEFAULTS = {
  targetUrl: 'http://127.0.0.1:5000',
  ratePerSecond: 2,
  durationS: 0,
  requestTimeoutMs: 2_000,
  host: '0.0.0.0',
  port: 5001,
  logLevel: 'info',
} as const;

/** A bound that keeps a typo ("2000" for "2") from turning the player into a load generator. */
export const MAX_RATE_PER_SECOND = 1_000;
export const MAX_REQUEST_TIMEOUT_MS = 60_000;

export type ConfigResult =
  | { readonly ok: true; readonly config: PlayerConfig }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Parses every variable and reports every problem at once, so one restart fixes them all. */
export function parseConfig(
  env: Env,
  fdSoftLimit: number | undefined = readOpenFilesLimit(),
): ConfigResult {
  const reader = new SettingsReader(env);
  const targetUrl = reader.read(
    'PLAYER_TARGET_URL',
    parseTargetUrl,
    new URL(DEFAULTS.targetUrl),
  );
  const ratePerSecond = reader.read(
    'PLAYER_RATE',
    parseRate,
    DEFAULTS.ratePerSecond,
  );
  const durationS = reader.read(
    'PLAYER_DURATION_S',
    parseDuration,
    DEFAULTS.durationS,
  );
  const requestTimeoutMs = reader.read(
    'PLAYER_TIMEOUT_MS',
    parseTimeout,
    DEFAULTS.requestTimeoutMs,
  );
  const host = reader.read('PLAYER_HOST', parseHost, DEFAULTS.host);
  const port = reader.read('PLAYER_PORT', parsePort, DEFAULTS.port);
  const logLevel = reader.read<LogLevel>(
    'PLAYER_LOG_LEVEL',
    parseLogLevel,
    DEFAULTS.logLevel,
  );
  const server = readServerLimits(reader, 'PLAYER', fdSoftLimit);

  if (reader.problems.length > 0)
    return { ok: false, problems: reader.problems };
  return {
    ok: true,
    config: Object.freeze({
      targetUrl,
      ratePerSecond,
      durationMs: Math.round(durationS * 1000),
      requestTimeoutMs,
      host,
      port,
      logLevel,
      server,
    }),
  };
}

// Plain decimals only: Number() would also accept "0x10", "1e3" and "Infinity".
const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;
const INTEGER = /^[0-9]+$/;

export function parseTargetUrl(raw: string): Parsed<URL> {
  const expected = invalid(
    'must be an http:// or https:// base URL without query or fragment, e.g. http://dice-api:5000',
  );
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return expected;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return expected;
  // The player appends /rolldice; a query or fragment here would end up in the wrong place.
  if (url.search !== '' || url.hash !== '') return expected;
  return valid(url);
}

export function parseRate(raw: string): Parsed<number> {
  const value = raw.trim();
  const rate = DECIMAL.test(value) ? Number(value) : NaN;
  return rate > 0 && rate <= MAX_RATE_PER_SECOND
    ? valid(rate)
    : invalid(
        `must be a number of rounds per second greater than 0 and at most ${MAX_RATE_PER_SECOND}`,
      );
}

export function parseDuration(raw: string): Parsed<number> {
  const value = raw.trim();
  return DECIMAL.test(value)
    ? valid(Number(value))
    : invalid('must be a number of seconds (0 = play until stopped)');
}

export function parseTimeout(raw: string): Parsed<number> {
  const value = raw.trim();
  const ms = INTEGER.test(value) ? Number(value) : NaN;
  return ms >= 1 && ms <= MAX_REQUEST_TIMEOUT_MS
    ? valid(ms)
    : invalid(
        `must be an integer number of milliseconds between 1 and ${MAX_REQUEST_TIMEOUT_MS}`,
      );
}

/** `<base>/rolldice`, keeping a path prefix the base URL may have (e.g. behind a proxy). */
export function rollDiceUrl(base: URL): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/rolldice`;
  return url;
}
