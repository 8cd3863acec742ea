import {
  DEFAULT_SERVER_LIMITS,
  maxConnectionsFor,
  parseOpenFilesLimit,
  readServerLimits,
  serverOptions,
} from './server-limits.js';
import { SettingsReader } from './settings.js';

const PROC_LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('server limits', () => {
  it('defaults cut slow headers within ~11 s and a slow body within ~26 s', () => {
    const reader = new SettingsReader({});
    const limits = readServerLimits(reader, 'APP', 65536);
    expect(limits).toEqual(DEFAULT_SERVER_LIMITS);
    expect(serverOptions(limits)).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 25_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
    });
    expect(reader.problems).toEqual([]);
  });

  it('caps connections below the open-file limit', () => {
    expect(parseOpenFilesLimit(PROC_LIMITS)).toBe(1024);
    expect(
      parseOpenFilesLimit('Max open files unlimited unlimited files'),
    ).toBeUndefined();
    expect(maxConnectionsFor(1024)).toBe(819);
    expect(maxConnectionsFor(1_048_576)).toBe(1000);
    expect(maxConnectionsFor(undefined)).toBe(1000);
  });

  it('reads every setting with the app prefix and refuses nonsense', () => {
    const reader = new SettingsReader({
      PLAYER_HEADERS_TIMEOUT_MS: '2000',
      PLAYER_REQUEST_TIMEOUT_MS: '1000',
      PLAYER_KEEP_ALIVE_TIMEOUT_MS: '0',
      PLAYER_MAX_CONNECTIONS: 'lots',
      PLAYER_SEND_TIMEOUT_MS: '-5',
      PLAYER_MAX_PIPELINED_REQUESTS: '10001',
    });
    readServerLimits(reader, 'PLAYER');
    expect(reader.problems.map((p) => p.message)).toEqual([
      'PLAYER_REQUEST_TIMEOUT_MS must not be shorter than PLAYER_HEADERS_TIMEOUT_MS (2000 ms), got "1000"',
      'PLAYER_KEEP_ALIVE_TIMEOUT_MS must be an integer number of milliseconds between 1 and 3600000, got "0"',
      'PLAYER_MAX_CONNECTIONS must be an integer between 1 and 1000000, got "lots"',
      'PLAYER_SEND_TIMEOUT_MS must be an integer number of milliseconds between 1 and 3600000, got "-5"',
      'PLAYER_MAX_PIPELINED_REQUESTS must be an integer between 1 and 10000, got "10001"',
    ]);
  });

  it('reads the send timeout and the pipelining bound', () => {
    const reader = new SettingsReader({
      APP_SEND_TIMEOUT_MS: '2500',
      APP_MAX_PIPELINED_REQUESTS: '4',
    });
    expect(readServerLimits(reader, 'APP')).toMatchObject({
      sendTimeoutMs: 2_500,
      maxPipelinedRequests: 4,
    });
    expect(reader.problems).toEqual([]);
  });

  it('keeps the request timeout at least the headers timeout when only the latter is raised', () => {
    const reader = new SettingsReader({ APP_HEADERS_TIMEOUT_MS: '40000' });
    expect(readServerLimits(reader, 'APP').requestTimeoutMs).toBe(40_000);
  });
});
