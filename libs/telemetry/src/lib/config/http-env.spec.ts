import { DEFAULT_REDACTED_QUERY_PARAMS } from '../http-edge.js';
import { settingsOf } from './model.js';
import { resolveTelemetryConfig } from './resolve.js';

const resolve = (env: Record<string, string>) =>
  resolveTelemetryConfig({ env, defaultServiceName: 'svc' });

describe('TELEMETRY_HTTP_*, mapped onto the model', () => {
  it('defaults: the built-in redaction list, caller context trusted, no proxy trusted', () => {
    const config = resolve({});
    expect(settingsOf(config).http).toEqual({
      instrumentation: 'lean',
      trust_incoming_context: true,
      trusted_proxies: [],
    });
    expect(
      config['instrumentation/development']?.general?.sanitization?.url
        ?.sensitive_query_parameters,
    ).toEqual(DEFAULT_REDACTED_QUERY_PARAMS);
  });

  it('extends the list and reads the edge settings', () => {
    const config = resolve({
      TELEMETRY_HTTP_REDACT_QUERY_PARAMS: 'tenant, email',
      TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT: 'false',
      TELEMETRY_HTTP_TRUSTED_PROXIES: '10.0.0.7, 10.1.0.0/16, fd00::/8',
      TELEMETRY_HTTP_INSTRUMENTATION: 'Upstream',
    });
    expect(settingsOf(config).http).toEqual({
      instrumentation: 'upstream',
      trust_incoming_context: false,
      trusted_proxies: ['10.0.0.7', '10.1.0.0/16', 'fd00::/8'],
    });
    expect(
      config['instrumentation/development']?.general?.sanitization?.url
        ?.sensitive_query_parameters,
    ).toEqual([...DEFAULT_REDACTED_QUERY_PARAMS, 'tenant', 'email']);
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
    expect(() => resolve({ [variable]: value })).toThrow(
      new RegExp(`^${variable}=.*${message.source}`),
    );
  });
});
