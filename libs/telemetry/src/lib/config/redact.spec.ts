import { resolveTelemetryConfig } from './resolve.js';
import {
  describeHeaders,
  knownSecrets,
  MASK,
  redactText,
  redactUrl,
  urlSecrets,
} from './redact.js';

describe('redactUrl', () => {
  it.each([
    // the four shapes of issue 20
    ['http://user:p@ss@collector:4317', 'http://***@collector:4317'],
    ['http://user:p/ss@collector:4317', 'http://***@collector:4317'],
    ['user:pass@collector:4317', '***@collector:4317'],
    [
      'http://collector:4318/v1/traces?api_key=k3y&tenant=shop',
      'http://collector:4318/v1/traces?api_key=***',
    ],
    // and the rest of the rule
    ['https://user:secret@host:4317/x?a=b', 'https://***@host:4317/x?a=***'],
    ['https://t0ken@host', 'https://***@host'],
    ['http://u:p?ss#w@host:4317', 'http://***'],
    ['http://h:4318/v1/traces?api_key=a@b,c', 'http://***'],
    ['http://u:p ss"x@host', 'http://***@host'],
    ['http:user:pass@host', '***@host'],
    [
      'http://host:4317/v1/traces#access_token=x',
      'http://host:4317/v1/traces#***',
    ],
    ['http://host/?k&=v&a=&b=1', 'http://host/?***'],
    ['http://host/?key=a&b,c?d=e', 'http://host/?key=***'],
    ['http://host/?key=', 'http://host/?key='],
    ['http://host/?k3y', 'http://host/?***'],
    ['http://host:4317/a@b', 'http://***@b'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
    expect(redactUrl(shown)).toBe(shown);
  });

  it.each([
    'collector:4317',
    'http://collector:4318/v1/traces',
    'https://h/',
    '',
  ])('leaves %j as it is', (url) => expect(redactUrl(url)).toBe(url));
});

describe('redactText', () => {
  it('redacts every URL-shaped word, keeping what surrounds it', () => {
    expect(
      redactText(
        'connect to https://a:b@one:1 failed, then endpoint=http://token@two:2/path and "http://x:y@three"',
      ),
    ).toBe(
      'connect to https://***@one:1 failed, then endpoint=http://***@two:2/path and "http://***@three"',
    );
    expect(
      redactText(
        'Name resolution failed for target dns:user:pass@10.0.0.1:4317 (collector:4318/v1/traces?api_key=k)',
      ),
    ).toBe(
      // a query value runs to the end of the word: the closing bracket goes with it
      'Name resolution failed for target ***@10.0.0.1:4317 (collector:4318/v1/traces?api_key=***',
    );
  });

  it('masks known credentials wherever they are, even split by a quote or a space', () => {
    const secrets = knownSecrets({
      endpoint: 'http://user:pa"s s@host:4317/?api_key=k3y-123',
    });
    expect(
      redactText('"http://user:pa\\"s s@host" refused; pa"s s', secrets),
    ).toBe('"http://***@host" refused; ***');
  });

  it('leaves text without URLs alone: packages, e-mail addresses, key=value', () => {
    const text =
      'OTEL_EXPORTER_OTLP_HEADERS is invalid: entry 2 of 2 is not key=value; expected http://host:port; not supported by @otel-dice/telemetry, load @opentelemetry/api@1.9.0 first; ask ops@example.com';
    expect(redactText(text)).toBe(text);
  });
});

describe('knownSecrets', () => {
  it('finds endpoint credentials and header values anywhere in a configuration', () => {
    const secrets = knownSecrets({
      traces: {
        pipelines: [
          {
            exporter: {
              otlp: {
                endpoint: 'https://admin:s3cret%40x@c:4318/v1/traces?sig=abcd',
                headers: { authorization: 'Bearer tok3n', 'x-tenant': 'ab' },
              },
            },
          },
        ],
      },
    });
    expect(secrets).toEqual(
      expect.arrayContaining([
        'admin:s3cret%40x',
        'admin:s3cret@x',
        's3cret%40x',
        's3cret@x',
        'abcd',
        'Bearer tok3n',
        'tok3n',
      ]),
    );
    expect(secrets).not.toContain('ab'); // too short to search for in free text
  });

  it('finds them in the resolved configuration model: headers as a list, endpoints, a file’s headers_list', () => {
    const config = resolveTelemetryConfig({
      env: {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:
          'http://ci:pa55-word@127.0.0.1:4317',
        OTEL_EXPORTER_OTLP_HEADERS:
          'authorization=Bearer tok3n-xyz,x-team=dice',
      },
      defaultServiceName: 'svc',
    });
    expect(knownSecrets(config)).toEqual(
      expect.arrayContaining([
        'ci:pa55-word',
        'pa55-word',
        'Bearer tok3n-xyz',
        'tok3n-xyz',
        'dice',
      ]),
    );
    expect(
      knownSecrets({ otlp_http: { headers_list: 'api-key=k3y-value,x=1' } }),
    ).toEqual(expect.arrayContaining(['k3y-value']));
  });

  it('takes the user info, the password and the query values of a URL', () => {
    expect(urlSecrets('http://u:p@ss@h/x?a=1&b#frag')).toEqual([
      'u:p@ss',
      'u',
      'p@ss',
      'frag',
      '1',
      'b',
      '1&b',
    ]);
    expect(urlSecrets('collector:4317')).toEqual([]);
  });
});

it('shows header names only', () => {
  expect(describeHeaders({ authorization: 'Bearer x', 'x-a': 'y' })).toBe(
    'authorization=***,x-a=***',
  );
  expect(MASK).toBe('***');
});
