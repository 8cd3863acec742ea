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
  proxyMatcher,
  redactQuery,
  sensitiveNames,
  UntrustedExtractPropagator,
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
