export {
  SettingsReader,
  LOG_LEVELS,
  parseChoice,
  parseHost,
  parseLogLevel,
  parsePort,
  parseText,
  valid,
  invalid,
} from './lib/settings.js';
export type { ConfigProblem, Env, LogLevel, Parsed } from './lib/settings.js';
export {
  CONNECTIONS_CHECKING_INTERVAL_MS,
  DEFAULT_SERVER_LIMITS,
  maxConnectionsFor,
  parseOpenFilesLimit,
  readOpenFilesLimit,
  readServerLimits,
  serverOptions,
} from './lib/server-limits.js';
export type { ServerLimits } from './lib/server-limits.js';
