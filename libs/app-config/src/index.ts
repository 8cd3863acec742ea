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
