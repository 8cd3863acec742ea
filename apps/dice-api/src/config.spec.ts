import { ConfigError, loadConfig } from './config.js';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses the seed defaults when nothing is set', () => {
    expect(loadConfig({}, 65536)).toEqual({
      host: '0.0.0.0',
      port: 5000,
      diceFault: 'random',
      logLevel: 'info',
      server: {
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 25_000,
        keepAliveTimeoutMs: 5_000,
        maxConnections: 1_000,
        sendTimeoutMs: 10_000,
        maxPipelinedRequests: 32,
      },
    });
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        APP_HOST_NAME: '127.0.0.1',
        APP_PORT: '8080',
        APP_SERVICE_NAME: 'dice-api-blue',
        DICE_FAULT: 'off',
        LOG_LEVEL: 'debug',
        APP_HEADERS_TIMEOUT_MS: '5000',
        APP_REQUEST_TIMEOUT_MS: '8000',
        APP_KEEP_ALIVE_TIMEOUT_MS: '1000',
        APP_MAX_CONNECTIONS: '50',
        APP_SEND_TIMEOUT_MS: '3000',
        APP_MAX_PIPELINED_REQUESTS: '8',
      }),
    ).toEqual({
      host: '127.0.0.1',
      port: 8080,
      diceFault: 'off',
      logLevel: 'debug',
      server: {
        headersTimeoutMs: 5000,
        requestTimeoutMs: 8000,
        keepAliveTimeoutMs: 1000,
        maxConnections: 50,
        sendTimeoutMs: 3000,
        maxPipelinedRequests: 8,
      },
    });
  });

  it('ignores unrelated variables and returns a frozen object', () => {
    const config = loadConfig({ PORT: '1', HOST: 'x', PATH: '/usr/bin' });
    expect(config.port).toBe(5000);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each(['1', '80', '5000', '65535', '00080'])(
    'accepts APP_PORT=%j',
    (value) => {
      expect(loadConfig({ APP_PORT: value }).port).toBe(Number(value));
    },
  );

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['a word', 'abc'],
    ['zero (random port)', '0'],
    ['above the port range', '65536'],
    ['far above the port range', '999999'],
    ['negative', '-1'],
    ['explicitly positive', '+5000'],
    ['a decimal', '5000.5'],
    ['a decimal with zero fraction', '5000.0'],
    ['exponent notation', '5e3'],
    ['hexadecimal', '0x1388'],
    ['trailing garbage', '5000abc'],
    ['surrounding blanks', ' 5000 '],
    ['a list', '5000,5001'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
  ])(
    'rejects APP_PORT that is %s (%j), naming the variable and the value',
    (_case, value) => {
      const error = configError({ APP_PORT: value });
      expect(error.variable).toBe('APP_PORT');
      expect(error.value).toBe(value);
      expect(error.message).toBe(
        `APP_PORT must be an integer between 1 and 65535, got ${JSON.stringify(value)}`,
      );
    },
  );

  it.each(['', '  ', 'local host'])('rejects APP_HOST_NAME=%j', (value) => {
    expect(configError({ APP_HOST_NAME: value }).variable).toBe(
      'APP_HOST_NAME',
    );
  });

  it.each(['::', '::1', 'localhost', 'dice-api.internal'])(
    'accepts APP_HOST_NAME=%j',
    (value) => {
      expect(loadConfig({ APP_HOST_NAME: value }).host).toBe(value);
    },
  );

  it('rejects an empty APP_SERVICE_NAME instead of silently using the default', () => {
    expect(configError({ APP_SERVICE_NAME: '' }).variable).toBe(
      'APP_SERVICE_NAME',
    );
  });

  it.each([
    ['random', 'random'],
    ['off', 'off'],
    ['always', 'always'],
    [' OFF ', 'off'],
    ['Always', 'always'],
  ])('reads DICE_FAULT=%j as %s', (value, expected) => {
    expect(loadConfig({ DICE_FAULT: value }).diceFault).toBe(expected);
  });

  it.each(['', 'on', 'true', '0', 'sometimes'])(
    'rejects DICE_FAULT=%j, listing the choices',
    (value) => {
      const error = configError({ DICE_FAULT: value });
      expect(error.variable).toBe('DICE_FAULT');
      expect(error.message).toContain('must be one of random, off, always');
    },
  );

  it.each(['verbose', '', '30'])('rejects LOG_LEVEL=%j', (value) => {
    expect(configError({ LOG_LEVEL: value }).variable).toBe('LOG_LEVEL');
  });

  it('reports the first bad variable in a fixed order (host, port, ...)', () => {
    expect(configError({ APP_PORT: 'x', DICE_FAULT: 'y' }).variable).toBe(
      'APP_PORT',
    );
  });
});
