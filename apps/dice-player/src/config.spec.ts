import { redactValue } from '@otel-dice/telemetry/redact';
import { DEFAULT_SERVER_LIMITS } from '@otel-dice/app-config';
import {
  DEFAULTS,
  MAX_RATE_PER_SECOND,
  parseConfig,
  rollDiceUrl,
  type ConfigResult,
  type PlayerConfig,
} from './config';

function config(env: Record<string, string>): PlayerConfig {
  const result = parseConfig(env, 65536);
  if (!result.ok)
    throw new Error(
      `unexpected problems: ${result.problems.map((p) => p.message).join('; ')}`,
    );
  return result.config;
}

function problems(env: Record<string, string>): string[] {
  const result: ConfigResult = parseConfig(env, 65536);
  if (result.ok)
    throw new Error(`expected problems for ${JSON.stringify(env)}`);
  return result.problems.map((p) => `${p.variable}: ${p.message}`);
}

describe('parseConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(config({})).toEqual({
      targetUrl: new URL('http://127.0.0.1:5000'),
      ratePerSecond: 2,
      durationMs: 0,
      requestTimeoutMs: 2000,
      host: '0.0.0.0',
      port: 5001,
      logLevel: 'info',
      server: DEFAULT_SERVER_LIMITS,
    });
    expect(DEFAULTS.port).toBe(5001);
  });

  it('reads every variable', () => {
    expect(
      config({
        PLAYER_TARGET_URL: 'https://dice.example.test:8443/api/',
        PLAYER_RATE: '0.5',
        PLAYER_DURATION_S: '1.25',
        PLAYER_TIMEOUT_MS: '750',
        PLAYER_HOST: '127.0.0.1',
        PLAYER_PORT: '9000',
        PLAYER_LOG_LEVEL: 'DEBUG',
      }),
    ).toEqual({
      targetUrl: new URL('https://dice.example.test:8443/api/'),
      ratePerSecond: 0.5,
      durationMs: 1250,
      requestTimeoutMs: 750,
      host: '127.0.0.1',
      port: 9000,
      logLevel: 'debug',
      server: DEFAULT_SERVER_LIMITS,
    });
  });

  it.each([
    [
      'PLAYER_TARGET_URL',
      'dice-api:5000',
      'must be an http:// or https:// base URL',
    ],
    [
      'PLAYER_TARGET_URL',
      'ftp://dice-api',
      'must be an http:// or https:// base URL',
    ],
    [
      'PLAYER_TARGET_URL',
      'http://dice-api:5000/?x=1',
      'without query or fragment',
    ],
    ['PLAYER_RATE', '0', `greater than 0 and at most ${MAX_RATE_PER_SECOND}`],
    ['PLAYER_RATE', '-1', 'greater than 0'],
    ['PLAYER_RATE', '1e3', 'greater than 0'],
    ['PLAYER_RATE', '1001', 'at most 1000'],
    ['PLAYER_RATE', 'fast', 'rounds per second'],
    ['PLAYER_DURATION_S', '-5', 'must be a number of seconds'],
    ['PLAYER_DURATION_S', '10s', 'must be a number of seconds'],
    ['PLAYER_TIMEOUT_MS', '0', 'between 1 and 60000'],
    ['PLAYER_TIMEOUT_MS', '1.5', 'integer number of milliseconds'],
    ['PLAYER_PORT', '0', 'between 1 and 65535'],
    ['PLAYER_PORT', '70000', 'between 1 and 65535'],
    ['PLAYER_PORT', ' 5001', 'between 1 and 65535'],
    ['PLAYER_HOST', 'local host', 'host name or IP address'],
    [
      'PLAYER_LOG_LEVEL',
      'verbose',
      'must be one of fatal, error, warn, info, debug, trace, silent',
    ],
  ])('rejects %s=%j, naming the variable', (variable, value, expected) => {
    const [problem, ...rest] = problems({ [variable]: value });
    expect(rest).toEqual([]);
    expect(problem).toContain(`${variable}: ${variable} `);
    expect(problem).toContain(expected);
    expect(problem).toContain(`got ${JSON.stringify(redactValue(value))}`);
  });

  it.each([
    ['http://player:p/ss@dice-api:5000', 'http://***@dice-api:5000'],
    ['player:s3cret@dice-api:5000', '***@dice-api:5000'],
    [
      'http://dice-api:5000/?api_key=s3cret',
      'http://dice-api:5000/?api_key=***',
    ],
  ])(
    'never echoes the credentials of an unusable PLAYER_TARGET_URL=%j',
    (value, shown) => {
      const [problem] = problems({ PLAYER_TARGET_URL: value });
      expect(problem).toContain(`got "${shown}"`);
      expect(problem).not.toMatch(/p\/ss|s3cret/);
    },
  );

  it('rejects a variable that is set but empty', () => {
    expect(problems({ PLAYER_RATE: '  ' })).toEqual([
      'PLAYER_RATE: PLAYER_RATE must be a number of rounds per second greater than 0 and at most 1000, got "  "',
    ]);
  });

  it('reports every bad variable at once', () => {
    expect(
      problems({
        PLAYER_RATE: 'x',
        PLAYER_PORT: 'y',
        PLAYER_RATE_TYPO: 'z',
      }).map((p) => p.split(':')[0]),
    ).toEqual(['PLAYER_RATE', 'PLAYER_PORT']);
  });
});

describe('rollDiceUrl', () => {
  it.each([
    ['http://127.0.0.1:5000', 'http://127.0.0.1:5000/rolldice'],
    ['http://dice-api:5000/', 'http://dice-api:5000/rolldice'],
    ['https://proxy.test/dice', 'https://proxy.test/dice/rolldice'],
    ['https://proxy.test/dice//', 'https://proxy.test/dice/rolldice'],
  ])('%s -> %s', (base, expected) => {
    expect(rollDiceUrl(new URL(base)).href).toBe(expected);
  });
});
