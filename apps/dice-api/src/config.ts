/**
 * Process configuration for dice-api, parsed from environment variables.
 *
 * Pure: takes an env object, returns a frozen config or throws ConfigError. The entry point
 * calls it before anything else starts, so a typo in APP_PORT stops the process with one clear
 * line instead of a half-started service. Variable names follow the seed tutorial.
 *
 * Rule for every variable: unset means "use the default"; set but empty (or blank) is a mistake
 * and is rejected, because an empty value in a compose file or manifest is almost never intended.
 */
import { DICE_FAULT_MODES, type DiceFault } from './dice.js';

export interface AppConfig {
  /** Interface to bind (APP_HOST_NAME). */
  readonly host: string;
  /** TCP port to listen on (APP_PORT). */
  readonly port: number;
  /**
   * Service name used when OTEL_SERVICE_NAME is not set (APP_SERVICE_NAME); passed to the
   * telemetry library as `defaultServiceName`.
   */
  readonly serviceName: string;
  /** How often the die lands on the impossible seventh face (DICE_FAULT). */
  readonly diceFault: DiceFault;
  /** Minimum pino level written (LOG_LEVEL). */
  readonly logLevel: LogLevel;
}

export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_PORT = 5000;
export const DEFAULT_SERVICE_NAME = 'dice-api';
/** The seed's behaviour: draw 1..7 and answer 500 on the 7. */
export const DEFAULT_DICE_FAULT: DiceFault = 'random';
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** A configuration variable holds a value the service cannot run with. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly variable: string,
    readonly value: string,
    expectation: string,
  ) {
    super(`${variable} ${expectation}, got ${JSON.stringify(value)}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  return Object.freeze({
    host: parseHost(env),
    port: parsePort(env),
    serviceName: parseServiceName(env),
    diceFault: parseDiceFault(env),
    logLevel: parseLogLevel(env),
  });
}

/** Returns the raw value, undefined when unset, and rejects set-but-blank values. */
function readVariable(
  env: NodeJS.ProcessEnv,
  name: string,
  expectation: string,
): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new ConfigError(name, value, expectation);
  return value;
}

function parseHost(env: NodeJS.ProcessEnv): string {
  const expectation = 'must be a host name or IP address to bind, e.g. 0.0.0.0';
  const value = readVariable(env, 'APP_HOST_NAME', expectation);
  if (value === undefined) return DEFAULT_HOST;
  // Whitespace inside a host name always comes from a quoting mistake; listen() would only
  // fail later with a less helpful getaddrinfo error.
  if (/\s/.test(value))
    throw new ConfigError('APP_HOST_NAME', value, expectation);
  return value;
}

const PORT_EXPECTATION = 'must be an integer between 1 and 65535';

function parsePort(env: NodeJS.ProcessEnv): number {
  const value = readVariable(env, 'APP_PORT', PORT_EXPECTATION);
  if (value === undefined) return DEFAULT_PORT;
  // Only plain decimal digits: Number() would also accept "0x1F", "1e3", " 80 " and "5000.0",
  // and parseInt() would accept "5000abc".
  if (!/^[0-9]{1,5}$/.test(value))
    throw new ConfigError('APP_PORT', value, PORT_EXPECTATION);
  const port = Number(value);
  // 0 would ask the OS for a random port, which nobody could then find or scrape.
  if (port < 1 || port > 65535)
    throw new ConfigError('APP_PORT', value, PORT_EXPECTATION);
  return port;
}

function parseServiceName(env: NodeJS.ProcessEnv): string {
  const value = readVariable(
    env,
    'APP_SERVICE_NAME',
    'must be a non-empty service name',
  );
  return value ?? DEFAULT_SERVICE_NAME;
}

function parseDiceFault(env: NodeJS.ProcessEnv): DiceFault {
  return parseChoice(env, 'DICE_FAULT', DICE_FAULT_MODES, DEFAULT_DICE_FAULT);
}

function parseLogLevel(env: NodeJS.ProcessEnv): LogLevel {
  return parseChoice(env, 'LOG_LEVEL', LOG_LEVELS, DEFAULT_LOG_LEVEL);
}

/** One of a fixed set of words, case-insensitive, surrounding blanks ignored. */
function parseChoice<T extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const expectation = `must be one of ${choices.join(', ')}`;
  const value = readVariable(env, name, expectation);
  if (value === undefined) return fallback;
  const choice = choices.find(
    (candidate) => candidate === value.trim().toLowerCase(),
  );
  if (choice === undefined) throw new ConfigError(name, value, expectation);
  return choice;
}
