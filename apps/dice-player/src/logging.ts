/** The player's JSON log on stdout (pino, as dice-api), with the service name on every line. */
import {
  pino,
  stdTimeFunctions,
  type DestinationStream,
  type Logger,
} from 'pino';
import type { LogLevel } from './config.js';

export type { Logger } from 'pino';

export function createLogger(
  serviceName: string,
  level: LogLevel,
  destination?: DestinationStream,
): Logger {
  const options = {
    name: serviceName,
    level,
    timestamp: stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
