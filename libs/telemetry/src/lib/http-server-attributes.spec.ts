import type { IncomingMessage } from 'node:http';
import { SpanStatusCode } from '@opentelemetry/api';
import { proxyMatcher, sensitiveNames } from './http-edge.js';
import {
  durationAttributes,
  normalizeMethod,
  parseHostHeader,
  rawQuery,
  responseAttributes,
  routeSpanName,
  serverAddress,
  serverErrorType,
  serverSpanAttributes,
  serverSpanStatus,
  urlPath,
  type EdgeRules,
} from './http-server-attributes.js';

const edge: EdgeRules = {
  isSensitive: sensitiveNames(['token', 'password']),
  isTrustedProxy: proxyMatcher(['10.0.0.0/8']),
};

function request(
  fields: Partial<Pick<IncomingMessage, 'method' | 'url' | 'httpVersion'>> & {
    headers?: Record<string, string | string[]>;
    peer?: string;
    peerPort?: number;
  },
): IncomingMessage {
  return {
    method: fields.method ?? 'GET',
    url: fields.url ?? '/',
    httpVersion: fields.httpVersion ?? '1.1',
    headers: fields.headers ?? { host: 'shop.example:8080' },
    socket: { remoteAddress: fields.peer, remotePort: fields.peerPort },
  } as unknown as IncomingMessage;
}

describe('urlPath', () => {
  const whatwg = (target: string, host: string | undefined) => {
    try {
      return new URL(target, `http://${host || 'localhost'}`).pathname;
    } catch {
      return undefined;
    }
  };

  it.each([
    '/rolldice',
    '/rolldice?rolls=2',
    '/a/b/c/',
    '/',
    '/users/42;v=1',
    "/it's:fine@here",
    '/a/./b',
    '/a/../../b',
    '/.hidden',
    '/%2e%2e/x',
    '/a%20b',
    '/a b',
    '/ünï',
    '/a\\b',
    '//evil.example/x',
    '/a#frag?x',
    '/{x}|^`',
    'http://other.example/abs?x=1',
    '*',
    '',
  ])('%j is what the WHATWG parser makes of it', (target) => {
    for (const host of ['shop.example:8080', '[::1]:3000', undefined])
      expect(urlPath(target, host, 'http')).toBe(whatwg(target, host));
  });

  it('is undefined when the Host header does not parse, like upstream', () => {
    expect(urlPath('/rolldice', 'bad host', 'http')).toBeUndefined();
    expect(urlPath('/rolldice', '256.1.1.1', 'http')).toBeUndefined();
    expect(urlPath('/rolldice', 'example:99999', 'http')).toBeUndefined();
  });
});

describe('rawQuery', () => {
  it.each([
    ['/a', undefined],
    ['/a?', undefined],
    ['/a?x=1', 'x=1'],
    ['/a?x=1#f', 'x=1#f'],
    [undefined, undefined],
  ])('%j -> %j', (target, query) => {
    expect(rawQuery(target)).toBe(query);
  });
});

describe('parseHostHeader / serverAddress', () => {
  it.each([
    ['example.com', 'http', { host: 'example.com', port: '80' }],
    ['example.com', 'https', { host: 'example.com', port: '443' }],
    ['example.com', undefined, { host: 'example.com' }],
    ['example.com:8080', 'http', { host: 'example.com', port: '8080' }],
    ['[::1]', 'http', { host: '[::1]', port: '80' }],
    ['[::1]:3000', 'http', { host: '[::1]', port: '3000' }],
    ['a:b:c', 'http', { host: 'a:b:c' }],
  ])('%s (%s) -> %j', (header, proto, expected) => {
    expect(parseHostHeader(header, proto)).toEqual(expected);
  });

  const proxies = proxyMatcher(['10.0.0.0/8']);

  it('from a trusted proxy, prefers Forwarded, then X-Forwarded-Host, then Host', () => {
    expect(
      serverAddress(
        {
          forwarded: 'for=1.2.3.4;host=a.example;proto=https',
          'x-forwarded-host': 'b.example',
          host: 'c.example',
        },
        'http',
        proxies,
      ),
    ).toEqual({ host: 'a.example', port: 443 });
    expect(
      serverAddress(
        {
          'x-forwarded-host': 'b.example',
          'x-forwarded-proto': 'https',
          host: 'c.example',
        },
        'http',
        proxies,
      ),
    ).toEqual({ host: 'b.example', port: 443 });
    expect(serverAddress({ host: 'c.example' }, 'http', proxies)).toEqual({
      host: 'c.example',
      port: 80,
    });
    expect(
      serverAddress({ forwarded: 'garbage;;=' }, 'http', proxies),
    ).toBeUndefined();
    expect(serverAddress({}, 'http', proxies)).toBeUndefined();
  });

  it('from any other peer, reads Host only (issue 20)', () => {
    const headers = {
      forwarded: 'for=1.2.3.4;host=evil.example;proto=https',
      'x-forwarded-host': 'evil.example:666',
      host: 'c.example:8080',
    };
    expect(serverAddress(headers, 'http')).toEqual({
      host: 'c.example',
      port: 8080,
    });
  });

  it('reads what the outermost trusted proxy wrote, not what the client sent ahead of it', () => {
    // the client sent its own Forwarded / X-Forwarded-Host; the proxies appended theirs
    expect(
      serverAddress(
        {
          forwarded:
            'for=198.51.100.7;host=evil.example, for=203.0.113.9;host=dice.example;proto=https, for=10.0.0.2;host="internal:8080"',
          host: 'x',
        },
        'http',
        proxies,
      ),
    ).toEqual({ host: 'dice.example', port: 443 });
    expect(
      serverAddress(
        {
          'x-forwarded-host': 'evil.example, dice.example',
          'x-forwarded-proto': 'http, https',
          host: 'x',
        },
        'http',
        proxies,
      ),
    ).toEqual({ host: 'dice.example', port: 443 });
    // an empty X-Forwarded-Host states nothing: Host
    expect(
      serverAddress(
        { 'x-forwarded-host': '', host: 'c.example' },
        'http',
        proxies,
      ),
    ).toEqual({ host: 'c.example', port: 80 });
  });

  it.each([
    ['evil.example:notaport'],
    ['evil.example:0'],
    ['evil.example:65536'],
    ['evil.example:'],
    ['evil.example:+80'],
    ['evil.example:8e1'],
  ])('leaves out the port of %j, never NaN', (value) => {
    expect(
      serverAddress({ 'x-forwarded-host': value, host: 'c' }, 'http', proxies),
    ).toEqual({ host: 'evil.example' });
    expect(serverAddress({ host: value }, 'http')).toEqual({
      host: 'evil.example',
    });
  });
});

describe('serverSpanAttributes', () => {
  it('gives the stable semantic-convention attributes of the upstream instrumentation', () => {
    expect(
      serverSpanAttributes(
        request({
          url: '/rolldice?rolls=2&Token=s3cret',
          headers: { host: 'shop.example:8080', 'user-agent': 'curl/8' },
          peer: '192.0.2.7',
          peerPort: 50000,
        }),
        'http',
        edge,
      ),
    ).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'server.address': 'shop.example',
      'server.port': 8080,
      'network.peer.address': '192.0.2.7',
      'network.peer.port': 50000,
      'network.protocol.version': '1.1',
      'user_agent.original': 'curl/8',
      'url.path': '/rolldice',
      'url.query': 'rolls=2&Token=REDACTED',
      'client.address': '192.0.2.7',
    });
  });

  it('believes X-Forwarded-For only from a trusted proxy', () => {
    const spoofed = { host: 'x', 'x-forwarded-for': '198.51.100.1' };
    expect(
      serverSpanAttributes(
        request({ headers: spoofed, peer: '192.0.2.7' }),
        'http',
        edge,
      )['client.address'],
    ).toBe('192.0.2.7');
    expect(
      serverSpanAttributes(
        request({ headers: spoofed, peer: '10.1.2.3' }),
        'http',
        edge,
      )['client.address'],
    ).toBe('198.51.100.1');
  });

  it('believes forwarding headers for server.address/server.port only from a trusted proxy', () => {
    const headers = {
      host: 'dice.internal:5000',
      'x-forwarded-host': 'evil.example:notaport',
    };
    const direct = serverSpanAttributes(
      request({ headers, peer: '192.0.2.7' }),
      'http',
      edge,
    );
    expect([direct['server.address'], direct['server.port']]).toEqual([
      'dice.internal',
      5000,
    ]);
    const proxied = serverSpanAttributes(
      request({ headers, peer: '10.1.2.3' }),
      'http',
      edge,
    );
    expect(proxied['server.address']).toBe('evil.example');
    expect('server.port' in proxied).toBe(false);
  });

  it('names unknown methods _OTHER and keeps the original', () => {
    const attributes = serverSpanAttributes(
      request({ method: 'PROPFIND' }),
      'https',
      edge,
    );
    expect(attributes['http.request.method']).toBe('_OTHER');
    expect(attributes['http.request.method_original']).toBe('PROPFIND');
    expect(attributes['url.scheme']).toBe('https');
    expect(normalizeMethod('get')).toBe('GET');
    expect(normalizeMethod(undefined)).toBe('GET');
  });

  it('leaves out what is not known rather than writing undefined', () => {
    const attributes = serverSpanAttributes(
      request({ headers: {}, url: '/x' }),
      'http',
      edge,
    );
    expect(Object.values(attributes)).not.toContain(undefined);
    expect(attributes['server.address']).toBeUndefined();
    expect(attributes['url.path']).toBe('/x');
  });
});

describe('response outcome', () => {
  it('sets status, route and error.type the upstream way', () => {
    expect(responseAttributes(200, '/rolldice')).toEqual({
      'http.response.status_code': 200,
      'http.route': '/rolldice',
    });
    expect(responseAttributes(503, undefined)).toEqual({
      'http.response.status_code': 503,
      'error.type': '503',
    });
    expect(serverSpanStatus(200)).toBe(SpanStatusCode.UNSET);
    expect(serverSpanStatus(404)).toBe(SpanStatusCode.UNSET);
    expect(serverSpanStatus(500)).toBe(SpanStatusCode.ERROR);
    expect(serverSpanStatus(0)).toBe(SpanStatusCode.ERROR);
    expect(serverErrorType(499)).toBeUndefined();
    expect(serverErrorType('500')).toBeUndefined();
    expect(routeSpanName('GET', '/users/:id')).toBe('GET /users/:id');
    expect(routeSpanName('GET', undefined)).toBeUndefined();
  });

  it('gives the histogram its low-cardinality attributes', () => {
    expect(
      durationAttributes('GET', 'http', '1.1', {
        statusCode: 500,
        route: '/rolldice',
      }),
    ).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
      'http.route': '/rolldice',
      'http.response.status_code': 500,
      'error.type': '500',
    });
    const error = new TypeError('boom');
    expect(durationAttributes('POST', 'https', '2.0', { error })).toEqual({
      'http.request.method': 'POST',
      'url.scheme': 'https',
      'network.protocol.version': '2.0',
      'error.type': 'TypeError',
    });
    // Whatever a listener throws: no name, no error.type (and no TypeError of our own).
    for (const thrown of [null, undefined, 'a string'])
      expect(
        durationAttributes('GET', 'http', '1.1', { error: thrown }),
      ).toEqual({
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'network.protocol.version': '1.1',
      });
  });
});
