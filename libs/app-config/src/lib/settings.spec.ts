import {
  parseChoice,
  parseHost,
  parseLogLevel,
  parsePort,
  parseText,
  SettingsReader,
} from './settings.js';

describe('SettingsReader', () => {
  it('uses the default for unset variables and collects every problem', () => {
    const reader = new SettingsReader({
      APP_PORT: 'abc',
      LOG_LEVEL: ' ',
      NAME: 'dice',
    });
    expect(reader.read('APP_PORT', parsePort, 5000)).toBe(5000);
    expect(reader.read('LOG_LEVEL', parseLogLevel, 'info')).toBe('info');
    expect(reader.read('NAME', parseText('name'), 'x')).toBe('dice');
    expect(reader.read('UNSET', parsePort, 1)).toBe(1);
    expect(reader.problems).toEqual([
      {
        variable: 'APP_PORT',
        value: 'abc',
        message: 'APP_PORT must be an integer between 1 and 65535, got "abc"',
      },
      {
        variable: 'LOG_LEVEL',
        value: ' ',
        message:
          'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got " "',
      },
    ]);
  });

  it('echoes a value with the credentials of anything URL-shaped in it masked', () => {
    const reader = new SettingsReader({
      APP_PORT: 'http://admin:p@ss/w0rd@10.0.0.1:5000/?token=t0k3n',
    });
    reader.read('APP_PORT', parsePort, 5000);
    expect(reader.problems[0].message).toBe(
      'APP_PORT must be an integer between 1 and 65535, got "http://***@10.0.0.1:5000/?token=***"',
    );
  });

  it('rejects set-but-blank values with the parser’s own expectation', () => {
    const reader = new SettingsReader({ APP_SERVICE_NAME: '' });
    reader.read('APP_SERVICE_NAME', parseText('service name'), 'dice-api');
    expect(reader.problems[0].message).toBe(
      'APP_SERVICE_NAME must be a non-empty service name, got ""',
    );
  });
});

describe('parsers', () => {
  it.each(['1', '5000', '65535'])('port %s', (raw) => {
    expect(parsePort(raw)).toEqual({ ok: true, value: Number(raw) });
  });

  it.each([
    '0',
    '65536',
    '+5000',
    '5000.0',
    '5e3',
    '0x1388',
    ' 5000 ',
    '5000abc',
  ])('not a port: %j', (raw) => {
    expect(parsePort(raw).ok).toBe(false);
  });

  it('hosts, choices and log levels', () => {
    expect(parseHost('::1')).toEqual({ ok: true, value: '::1' });
    expect(parseHost('local host').ok).toBe(false);
    expect(parseChoice(['a', 'b'] as const)(' B ')).toEqual({
      ok: true,
      value: 'b',
    });
    expect(parseLogLevel('verbose')).toEqual({
      ok: false,
      expected: 'must be one of fatal, error, warn, info, debug, trace, silent',
    });
  });
});
