/**
 * The library's own variables for HTTP server spans at the edge (no OTEL_* variable covers
 * them; read whether the rest comes from the environment or a configuration file):
 *
 * - TELEMETRY_HTTP_REDACT_QUERY_PARAMS: more query parameter names to redact, added to the
 *   defaults (DEFAULT_REDACTED_QUERY_PARAMS);
 * - TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT: `false` for a service that faces the public;
 * - TELEMETRY_HTTP_TRUSTED_PROXIES: IPs or CIDRs whose X-Forwarded-For is believed;
 * - TELEMETRY_HTTP_INSTRUMENTATION: `lean` (default) or `upstream`: which code makes server spans,
 *   and whether dropped spans are made without the SDK (lean-tracer.ts) or by it.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { DEFAULT_REDACTED_QUERY_PARAMS } from '../http-edge.js';
import { invalidValue } from './errors.js';
import { HTTP_INSTRUMENTATION_KINDS, type HttpConfig } from './model.js';
import { parseBoolean, parseEnum, readEnv, type Env } from './values.js';

export const HTTP_VARIABLES = [
  'TELEMETRY_HTTP_REDACT_QUERY_PARAMS',
  'TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT',
  'TELEMETRY_HTTP_TRUSTED_PROXIES',
  'TELEMETRY_HTTP_INSTRUMENTATION',
] as const;

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function validProxy(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  if (extra !== undefined) return false;
  const v4 = isIPv4(address);
  if (!v4 && !isIPv6(address)) return false;
  if (prefix === undefined) return true;
  const bits = /^[0-9]{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  return bits >= 0 && bits <= (v4 ? 32 : 128);
}

export function resolveHttpFromEnv(env: Env): HttpConfig {
  const extra = list(readEnv(env, 'TELEMETRY_HTTP_REDACT_QUERY_PARAMS'));
  const badName = extra.find((name) => !/^[\w.~-]+$/.test(name));
  if (badName !== undefined)
    throw invalidValue(
      'TELEMETRY_HTTP_REDACT_QUERY_PARAMS',
      readEnv(env, 'TELEMETRY_HTTP_REDACT_QUERY_PARAMS'),
      `${JSON.stringify(badName)} is not a query parameter name`,
    );
  const trustRaw = readEnv(env, 'TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT');
  const proxies = list(readEnv(env, 'TELEMETRY_HTTP_TRUSTED_PROXIES'));
  const badProxy = proxies.find((entry) => !validProxy(entry));
  if (badProxy !== undefined)
    throw invalidValue(
      'TELEMETRY_HTTP_TRUSTED_PROXIES',
      readEnv(env, 'TELEMETRY_HTTP_TRUSTED_PROXIES'),
      `${JSON.stringify(badProxy)} is not an IP address or CIDR (e.g. 10.0.0.7, 10.0.0.0/8, fd00::/8)`,
    );
  const instrumentation = readEnv(env, 'TELEMETRY_HTTP_INSTRUMENTATION');
  return {
    instrumentation:
      instrumentation === undefined
        ? 'lean'
        : parseEnum(
            'TELEMETRY_HTTP_INSTRUMENTATION',
            instrumentation,
            HTTP_INSTRUMENTATION_KINDS,
          ),
    redactedQueryParams: [...DEFAULT_REDACTED_QUERY_PARAMS, ...extra],
    trustIncomingContext:
      trustRaw === undefined
        ? true
        : parseBoolean('TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT', trustRaw),
    trustedProxies: proxies,
  };
}
