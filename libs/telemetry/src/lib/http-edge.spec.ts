import {
  defaultTextMapGetter,
  propagation,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  clientAddress,
  DEFAULT_REDACTED_QUERY_PARAMS,
  forwardedHost,
  isSensitiveName,
  lastForwardedValue,
  nameWords,
  proxyMatcher,
  redactQuery,
  sensitiveNames,
  UntrustedExtractPropagator,
  validPort,
} from './http-edge.js';

describe('redactQuery', () => {
  const sensitive = sensitiveNames(DEFAULT_REDACTED_QUERY_PARAMS);

  it('redacts credential-looking parameters, whatever their case or separators', () => {
    expect(
      redactQuery(
        'rolls=2&token=t0k&Password=pw&API-Key=k1&api_key=k2&apikey=k3&X-Amz-Signature=s&sig=x',
        sensitive,
      ),
    ).toBe(
      'rolls=2&token=REDACTED&Password=REDACTED&API-Key=REDACTED&api_key=REDACTED&apikey=REDACTED&X-Amz-Signature=REDACTED&sig=REDACTED',
    );
  });

  it('redacts by part and by word, not only whole names (issue 20)', () => {
    expect(
      redactQuery(
        'rolls=2&myPassword=hunter2&otp=123456&pageToken=t&x-api-key=k&email=a',
        sensitive,
      ),
    ).toBe(
      'rolls=2&myPassword=REDACTED&otp=REDACTED&pageToken=REDACTED&x-api-key=REDACTED&email=a',
    );
  });

  it('keeps the rest as sent, and follows an extended list', () => {
    expect(redactQuery('rolls=3&colour=red', sensitive)).toBe(
      'rolls=3&colour=red',
    );
    expect(
      redactQuery(
        'tenant=acme&rolls=1',
        sensitiveNames([...DEFAULT_REDACTED_QUERY_PARAMS, 'tenant']),
      ),
    ).toBe('tenant=REDACTED&rolls=1');
    expect(redactQuery('token', sensitive)).toBe('token=REDACTED');
  });
});

describe('the sensitive-name rule', () => {
  it.each([
    // issue 20: whole-name matching let these through
    'myPassword',
    'otp',
    // a sensitive part anywhere, whatever the case and separators
    'new_passwd',
    'user-pwd',
    'PASSPHRASE',
    'client_secret',
    'X-Amz-Security-Token',
    'pageToken',
    'x-api-key',
    'AWSAccessKeyId',
    'private.key',
    'X-Goog-Signature',
    'X-Amz-Credential',
    'oauth_verifier',
    'authorization',
    'JSESSIONID',
    'cookie',
    'bearer',
    'jwt',
    'otp_attempt',
    'totp',
    // a sensitive word
    'key',
    'api_key',
    'apiKey',
    'sig',
    'X-Sig',
    'pass',
    'pin',
    'code',
    'auth_code',
    'sid',
    'hmac',
    'mfa',
    'ssn',
    'cvv',
  ])('%s is sensitive', (name) => {
    expect(isSensitiveName(name)).toBe(true);
  });

  it.each([
    'rolls',
    'colour',
    'page',
    'q',
    'sort',
    'limit',
    'monkey',
    'keyboard',
    'passenger',
    'compass',
    'signal',
    'codec',
    'spinner',
    'email',
  ])('%s is not', (name) => {
    expect(isSensitiveName(name)).toBe(false);
  });

  it('splits words at separators and case changes', () => {
    expect(nameWords('myAPIKey_v2')).toEqual(['my', 'api', 'key', 'v2']);
    expect(nameWords('X-Amz-Signature')).toEqual(['x', 'amz', 'signature']);
  });

  it('adds configured names, matched as a whole name or a word of one', () => {
    const sensitive = sensitiveNames(['email', 'x-tenant']);
    for (const name of ['email', 'user_email', 'emailAddress', 'X_Tenant'])
      expect([name, sensitive(name)]).toEqual([name, true]);
    expect(sensitive('tenant')).toBe(false);
    expect(sensitive('emails')).toBe(false);
    expect(sensitive('token')).toBe(true);
  });

  it('covers every name of the exact-match list', () => {
    for (const name of DEFAULT_REDACTED_QUERY_PARAMS)
      expect([name, isSensitiveName(name)]).toEqual([name, true]);
  });
});

describe('forwarding headers for the server', () => {
  const trusted = proxyMatcher(['10.0.0.0/8']);

  it('forwardedHost walks from the right past trusted proxies', () => {
    const elements = [
      { for: '198.51.100.7', host: 'forged.example' },
      { for: '203.0.113.9:4711', host: 'edge.example', proto: 'https' },
      { for: '10.0.0.2', host: 'inner.example' },
    ];
    expect(forwardedHost(elements, trusted)).toEqual({
      host: 'edge.example',
      proto: 'https',
    });
    // every hop a trusted proxy: the leftmost element is the best there is
    expect(
      forwardedHost(
        [{ for: '10.0.0.3', host: 'a' }, { for: '10.0.0.2' }],
        trusted,
      ),
    ).toEqual({ host: 'a', proto: undefined });
    // `for` hidden or garbage: that element is the edge; without a host it states none
    expect(forwardedHost([{ for: '_hidden' }], trusted)).toBeUndefined();
    expect(forwardedHost([], trusted)).toBeUndefined();
  });

  it('lastForwardedValue takes the value the nearest proxy appended', () => {
    expect(lastForwardedValue('evil.example, dice.example')).toBe(
      'dice.example',
    );
    expect(lastForwardedValue(['a', 'b, c'])).toBe('c');
    expect(lastForwardedValue(' , ')).toBeUndefined();
    expect(lastForwardedValue(undefined)).toBeUndefined();
  });

  it.each([
    ['443', 443],
    ['1', 1],
    ['65535', 65535],
    ['0', undefined],
    ['65536', undefined],
    ['notaport', undefined],
    ['', undefined],
    [' 80', undefined],
    ['0x50', undefined],
    [undefined, undefined],
  ])('validPort(%j) is %j', (port, expected) => {
    expect(validPort(port)).toBe(expected);
  });
});

describe('clientAddress', () => {
  const trusted = proxyMatcher(['10.0.0.0/8', '::1']);

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', trusted)).toBe(
      '203.0.113.9',
    );
    expect(clientAddress('203.0.113.9', undefined, proxyMatcher([]))).toBe(
      '203.0.113.9',
    );
  });

  it('walks X-Forwarded-For from the right, past trusted proxies', () => {
    expect(
      clientAddress('10.0.0.5', '1.2.3.4, 198.51.100.7, 10.1.2.3', trusted),
    ).toBe('198.51.100.7');
    expect(clientAddress('::ffff:10.0.0.5', '198.51.100.7:5555', trusted)).toBe(
      '198.51.100.7',
    );
    expect(clientAddress('::1', '[2001:db8::1]:443', trusted)).toBe(
      '2001:db8::1',
    );
    // only proxies all the way: the leftmost address is the best there is
    expect(clientAddress('10.0.0.5', '10.0.0.9', trusted)).toBe('10.0.0.9');
    expect(clientAddress('10.0.0.5', undefined, trusted)).toBe('10.0.0.5');
  });

  it('believes nothing of a forwarding header with garbage in it', () => {
    expect(
      clientAddress('10.0.0.5', 'evil.example, 198.51.100.7', trusted),
    ).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.5', '198.51.100.7, not-an-ip', trusted)).toBe(
      '10.0.0.5',
    );
  });
});

describe('UntrustedExtractPropagator', () => {
  const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
  const headers = {
    traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-00`,
  };

  it('continues nothing, and keeps what the caller sent for a link', () => {
    const propagator = new UntrustedExtractPropagator(
      new W3CTraceContextPropagator(),
    );
    const extracted = propagator.extract(
      ROOT_CONTEXT,
      headers,
      defaultTextMapGetter,
    );
    expect(trace.getSpanContext(extracted)).toBeUndefined();
    expect(propagation.getBaggage(extracted)).toBeUndefined();
    expect(propagator.remoteContextOf(headers)).toMatchObject({
      traceId: TRACE_ID,
      isRemote: true,
    });
    expect(propagator.remoteContextOf({})).toBeUndefined();
    expect(propagator.fields()).toEqual(['traceparent', 'tracestate']);
  });
});
