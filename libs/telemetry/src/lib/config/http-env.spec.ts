import { DEFAULT_REDACTED_QUERY_PARAMS } from '../http-edge.js';
import { resolveHttpFromEnv } from './http-env.js';

describe('resolveHttpFromEnv', () => {
  it('defaults: the built-in redaction list, caller context trusted, no proxy trusted', () => {
    expect(resolveHttpFromEnv({})).toEqual({
      instrumentation: 'lean',
      redactedQueryParams: DEFAULT_REDACTED_QUERY_PARAMS,
      trustIncomingContext: true,
      trustedProxies: [],
    });
  });

  it('extends the list and reads the edge settings', () => {
    expect(
      resolveHttpFromEnv({
        TELEMETRY_HTTP_REDACT_QUERY_PARAMS: 'tenant, email',
        TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT: 'false',
        TELEMETRY_HTTP_TRUSTED_PROXIES: '10.0.0.7, 10.1.0.0/16, fd00::/8',
        TELEMETRY_HTTP_INSTRUMENTATION: 'Upstream',
      }),
    ).toEqual({
      instrumentation: 'upstream',
      redactedQueryParams: [
        ...DEFAULT_REDACTED_QUERY_PARAMS,
        'tenant',
        'email',
      ],
      trustIncomingContext: false,
      trustedProxies: ['10.0.0.7', '10.1.0.0/16', 'fd00::/8'],
    });
  });

  it.each([
    [
      'TELEMETRY_HTTP_TRUSTED_PROXIES',
      '10.0.0.0/33',
      /"10\.0\.0\.0\/33" is not an IP address or CIDR/,
    ],
    [
      'TELEMETRY_HTTP_TRUSTED_PROXIES',
      'proxy.internal',
      /is not an IP address or CIDR/,
    ],
    [
      'TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT',
      'no',
      /supported values are true, false/,
    ],
    [
      'TELEMETRY_HTTP_INSTRUMENTATION',
      'fast',
      /supported values are lean, upstream/,
    ],
    [
      'TELEMETRY_HTTP_REDACT_QUERY_PARAMS',
      'a b',
      /"a b" is not a query parameter name/,
    ],
  ])('%s=%j is refused', (variable, value, message) => {
    expect(() => resolveHttpFromEnv({ [variable]: value })).toThrow(message);
  });
});
