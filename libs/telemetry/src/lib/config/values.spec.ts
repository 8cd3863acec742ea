import { TelemetryConfigError } from './errors.js';
import {
  parseBoolean,
  parseEndpoint,
  parseEnum,
  parseEnumList,
  parseHeaders,
  parseInteger,
  parseKeyValueList,
  parseRatio,
  readEnv,
  readVariables,
  text,
  integer,
  oneOf,
  listOf,
} from './values.js';

/** The one-line message a thrown TelemetryConfigError carries. */
function errorOf(fn: () => unknown): TelemetryConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TelemetryConfigError);
    expect((error as Error).message).not.toContain('\n');
    return error as TelemetryConfigError;
  }
  throw new Error('expected a TelemetryConfigError');
}

describe('readEnv', () => {
  it('treats empty and blank values as unset, as the specification says', () => {
    expect(readEnv({ A: '' }, 'A')).toBeUndefined();
    expect(readEnv({ A: '  ' }, 'A')).toBeUndefined();
    expect(readEnv({ A: ' x ' }, 'A')).toBe('x');
  });
});

describe('readVariables: the environment read once, through a table', () => {
  const table = {
    A_PORT: integer({ min: 1, max: 65535 }),
    A_MODE: oneOf(['on', 'off'] as const),
    A_NAME: text,
    A_LIST: listOf((entry) => /^[a-z]+$/.test(entry), 'is not a word'),
  };

  it('parses each set variable of the table, leaves out unset and blank ones, and lists every set name', () => {
    const read = readVariables(
      { A_PORT: ' 8080 ', A_MODE: 'ON', A_NAME: '  ', OTHER: 'x', EMPTY: '' },
      table,
    );
    expect(read.values).toEqual({ A_PORT: 8080, A_MODE: 'on' });
    expect(read.set).toEqual(['A_MODE', 'A_PORT', 'OTHER']);
    expect(Object.isFrozen(read.values)).toBe(true);
    expect(Object.isFrozen(read.set)).toBe(true);
  });

  it('stops at the first unusable value, in the table’s order, with one line naming it', () => {
    const error = errorOf(() =>
      readVariables({ A_LIST: 'a,B c', A_PORT: '0' }, table),
    );
    expect(error.variable).toBe('A_PORT');
    expect(error.message).toBe(
      'A_PORT="0" is invalid: must be an integer between 1 and 65535',
    );
    expect(
      errorOf(() => readVariables({ A_LIST: 'a,B c' }, table)).message,
    ).toBe('A_LIST="a,B c" is invalid: "B c" is not a word');
  });

  it('reads only the rows it is given', () => {
    expect(
      readVariables<typeof table>(
        { A_PORT: 'bad', A_NAME: 'n' },
        { A_NAME: text },
      ).values,
    ).toEqual({ A_NAME: 'n' });
  });
});

describe('parseEnum / parseEnumList', () => {
  it('is case-insensitive and names the variable and the accepted values', () => {
    expect(parseEnum('V', ' GRPC ', ['grpc', 'http/json'])).toBe('grpc');
    const error = errorOf(() =>
      parseEnum('OTEL_EXPORTER_OTLP_PROTOCOL', 'carrier-pigeon', [
        'grpc',
        'http/protobuf',
      ]),
    );
    expect(error.variable).toBe('OTEL_EXPORTER_OTLP_PROTOCOL');
    expect(error.message).toBe(
      'OTEL_EXPORTER_OTLP_PROTOCOL="carrier-pigeon" is invalid: supported values are grpc, http/protobuf',
    );
  });

  it('splits lists, drops duplicates and blanks, and refuses none with others', () => {
    const kinds = ['otlp', 'console', 'none'] as const;
    expect(parseEnumList('V', 'otlp, console,,otlp', kinds)).toEqual([
      'otlp',
      'console',
    ]);
    expect(parseEnumList('V', 'none', kinds)).toEqual(['none']);
    expect(
      errorOf(() => parseEnumList('V', 'none,otlp', kinds)).message,
    ).toMatch(/"none" cannot be combined/);
    expect(
      errorOf(() => parseEnumList('V', 'otlp,fax', kinds)).message,
    ).toMatch(/V="fax" is invalid/);
  });
});

describe('parseBoolean / parseInteger / parseRatio', () => {
  it('accepts only true/false', () => {
    expect(parseBoolean('B', 'TRUE')).toBe(true);
    expect(parseBoolean('B', 'false')).toBe(false);
    expect(errorOf(() => parseBoolean('B', '1')).variable).toBe('B');
  });

  it.each(['-1', '1.5', '0x10', '1e3', 'ten', ''])(
    'refuses %j as an integer',
    (raw) => {
      expect(errorOf(() => parseInteger('N', raw)).message).toMatch(
        /must be an integer/,
      );
    },
  );

  it('bounds integers', () => {
    expect(parseInteger('N', '0')).toBe(0);
    expect(parseInteger('N', '65535', { min: 1, max: 65535 })).toBe(65535);
    expect(errorOf(() => parseInteger('N', '0', { min: 1 })).message).toMatch(
      /≥ 1/,
    );
    expect(
      errorOf(() => parseInteger('N', '70000', { min: 1, max: 65535 })).message,
    ).toMatch(/between 1 and 65535/);
  });

  it.each([
    ['0', 0],
    ['1', 1],
    ['0.25', 0.25],
    ['.5', 0.5],
    ['1.0', 1],
  ])('reads ratio %s', (raw, ratio) => {
    expect(parseRatio('R', raw)).toBe(ratio);
  });

  it.each(['1.5', '-0.1', 'half', '1e-1'])('refuses ratio %s', (raw) => {
    expect(errorOf(() => parseRatio('R', raw)).message).toMatch(
      /between 0 and 1/,
    );
  });
});

describe('parseHeaders', () => {
  it('reads key=value pairs, percent-decoded, with lower-case names', () => {
    expect(
      parseHeaders('H', 'Authorization=Bearer%20abc, x-tenant = acme ,'),
    ).toEqual({ authorization: 'Bearer abc', 'x-tenant': 'acme' });
  });

  it.each([
    [
      'an entry without "="',
      'authorization=Bearer abc,s3cr3t',
      /entry 2 of 2 is not key=value/,
    ],
    ['an empty key', '=s3cr3t', /entry 1 of 1 is not key=value/],
    [
      'a key that is no header name',
      'bad key=s3cr3t',
      /not a valid header name/,
    ],
    ['a broken escape', 'x-token=s3cr3t%zz', /broken %-escape/],
    ['an encoded line break', 'x-token=s3cr3t%0D%0AX-Evil: 1', /line break/],
  ])('refuses %s without echoing the secret', (_label, raw, pattern) => {
    const error = errorOf(() =>
      parseHeaders('OTEL_EXPORTER_OTLP_HEADERS', raw),
    );
    expect(error.message).toMatch(pattern);
    expect(error.message).toMatch(/^OTEL_EXPORTER_OTLP_HEADERS is invalid/);
    expect(error.message).not.toContain('s3cr3t');
  });
});

describe('parseKeyValueList', () => {
  it('reads percent-decoded pairs', () => {
    expect(parseKeyValueList('R', 'service.namespace=shop,team=a%2Cb')).toEqual(
      { 'service.namespace': 'shop', team: 'a,b' },
    );
  });

  it('refuses a malformed entry instead of dropping the variable silently', () => {
    expect(
      errorOf(() => parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', 'a=1,oops'))
        .message,
    ).toMatch(/entry 2 \("oops"\) is not key=value/);
    expect(
      errorOf(() => parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', 'a=100%'))
        .message,
    ).toMatch(/broken %-escape/);
  });
});

describe('parseEndpoint', () => {
  it('reads http(s) URLs and their path', () => {
    expect(parseEndpoint('E', 'https://collector:4318/v1/traces')).toEqual({
      href: 'https://collector:4318/v1/traces',
      scheme: 'https',
      path: '/v1/traces',
    });
  });

  it('accepts host:port only where gRPC allows it', () => {
    expect(
      parseEndpoint('E', 'collector:4317', { allowNoScheme: true }),
    ).toEqual({ href: 'collector:4317', scheme: undefined, path: '' });
    expect(errorOf(() => parseEndpoint('E', 'collector:4317')).message).toMatch(
      /expected an http:\/\/ or https:\/\/ URL/,
    );
  });

  it.each(['ftp://collector:21', 'http://', 'not a url', 'unix:///tmp/s'])(
    'refuses %s',
    (raw) => {
      expect(errorOf(() => parseEndpoint('E', raw)).variable).toBe('E');
    },
  );

  it('masks user info in the error', () => {
    const error = errorOf(() =>
      parseEndpoint('E', 'ftp://user:pa55word@collector:21'),
    );
    expect(error.message).toContain('ftp://***@collector:21');
    expect(error.message).not.toContain('pa55word');
  });
});
