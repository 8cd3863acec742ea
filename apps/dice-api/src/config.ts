/**
 * Process configuration for dice-api, parsed from environment variables.
 *
 * Pure: takes an env object, returns a frozen config or throws ConfigError. The entry point
 * calls it before anything else starts, so a typo in APP_PORT stops the process with one clear
 * line instead of a half-started service. Variable names follow the seed tutorial.
 *
 * Rule for every variable (shared with dice-player through @otel-dice/app-config): unset means
 * "use the default"; set but empty (or blank) is a mistake and is rejected, because an empty value
 * in a compose file or manifest is almost never intended.
 */
import {
  LOG_LEVELS,
  parseChoice,
  parseHost,
  parseLogLevel,
  parsePort,
  parseText,
  readOpenFilesLimit,
  readServerLimits,
  SettingsReader,
  type ConfigProblem,
  type LogLevel,
  type ServerLimits,
} from '@otel-dice/app-config';
import { DICE_FAULT_MODES, type DiceFault } from './dice.js';

export interface AppConfig {
  /** Interface to bind (APP_HOST_NAME). */
  readonly host: string;
  /** TCP port to listen on (APP_PORT). */
  readonly port: number;
  /** How often the die lands on the impossible seventh face (DICE_FAULT). */
  readonly diceFault: DiceFault;
  /** Minimum pino level written (LOG_LEVEL). */
  readonly logLevel: LogLevel;
  /**
   * Slow-client protection: APP_HEADERS_TIMEOUT_MS, APP_REQUEST_TIMEOUT_MS,
   * APP_KEEP_ALIVE_TIMEOUT_MS, APP_MAX_CONNECTIONS, APP_SEND_TIMEOUT_MS,
   * APP_MAX_PIPELINED_REQUESTS (see @otel-dice/app-config).
   */
  readonly server: ServerLimits;
}

export { LOG_LEVELS, type LogLevel };

export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_PORT = 5000;
export const DEFAULT_SERVICE_NAME = 'dice-api';
/** The seed's behaviour: draw 1..7 and answer 500 on the 7. */
export const DEFAULT_DICE_FAULT: DiceFault = 'random';
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/**
 * One or more configuration variables hold values the service cannot run with. `variable` and
 * `value` are the first problem's, in a fixed order (host, port, service name, fault, log level);
 * the message lists every problem, so one restart fixes them all.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly variable: string;
  readonly value: string;

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map((problem) => problem.message).join('; '));
    this.variable = problems[0].variable;
    this.value = problems[0].value;
  }
}

export function loadConfig(
  env: NodeJS.ProcessEnv,
  fdSoftLimit: number | undefined = readOpenFilesLimit(),
): AppConfig {
  const reader = new SettingsReader(env);
  const config: AppConfig = {
    host: reader.read('APP_HOST_NAME', parseHost, DEFAULT_HOST),
    port: reader.read('APP_PORT', parsePort, DEFAULT_PORT),
    diceFault: reader.read(
      'DICE_FAULT',
      parseChoice(DICE_FAULT_MODES),
      DEFAULT_DICE_FAULT,
    ),
    logLevel: reader.read('LOG_LEVEL', parseLogLevel, DEFAULT_LOG_LEVEL),
    server: readServerLimits(reader, 'APP', fdSoftLimit),
  };
  // APP_SERVICE_NAME names the service, but the telemetry library decides the name (with
  // OTEL_SERVICE_NAME above it, DEFAULT_SERVICE_NAME below): it is only checked here, so an
  // empty value fails with the app's other mistakes instead of silently meaning "unset".
  reader.read(
    'APP_SERVICE_NAME',
    parseText('service name'),
    DEFAULT_SERVICE_NAME,
  );
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return Object.freeze(config);
}
