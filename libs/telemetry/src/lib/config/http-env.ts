/**
 * The library's own variables for HTTP server spans at the edge (no OTEL_* variable covers
 * them; read whether the rest comes from the environment or a configuration file):
 *
 * - TELEMETRY_HTTP_REDACT_QUERY_PARAMS: more query parameter names to redact, added to the
 *   defaults (DEFAULT_REDACTED_QUERY_PARAMS), or to a file's
 *   `instrumentation/development.general.sanitization.url.sensitive_query_parameters`;
 * - TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT: `false` for a service that faces the public;
 * - TELEMETRY_HTTP_TRUSTED_PROXIES: IPs or CIDRs whose X-Forwarded-For is believed;
 * - TELEMETRY_HTTP_INSTRUMENTATION: `lean` (default) or `upstream`: which code makes server spans.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { DEFAULT_REDACTED_QUERY_PARAMS } from '../http-edge.js';
import { invalidValue } from './errors.js';
import type { HttpEdgeSettings } from './model.js';
import { parseBoolean, parseEnum, readEnv, type Env } from './values.js';

export const HTTP_VARIABLES = [
  'TELEMETRY_HTTP_REDACT_QUERY_PARAMS',
  'TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT',
  'TELEMETRY_HTTP_TRUSTED_PROXIES',
  'TELEMETRY_HTTP_INSTRUMENTATION',
] as const;

export const HTTP_INSTRUMENTATIONS = ['lean', 'upstream'] as const;

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** An IP address or CIDR, as TELEMETRY_HTTP_TRUSTED_PROXIES (and the file) take them. */
export function validProxy(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  if (extra !== undefined) return false;
  const v4 = isIPv4(address);
  if (!v4 && !isIPv6(address)) return false;
  if (prefix === undefined) return true;
  const bits = /^[0-9]{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  return bits >= 0 && bits <= (v4 ? 32 : 128);
}

export const PROXY_HINT =
  'is not an IP address or CIDR (e.g. 10.0.0.7, 10.0.0.0/8, fd00::/8)';

export interface HttpFromEnv {
  /** The extension's `http`: only the variables that are set. */
  readonly edge: Partial<HttpEdgeSettings>;
  /** TELEMETRY_HTTP_REDACT_QUERY_PARAMS: names added to whatever list applies. */
  readonly extraRedactedQueryParams: readonly string[];
}

export function resolveHttpFromEnv(env: Env): HttpFromEnv {
  const extra = list(readEnv(env, 'TELEMETRY_HTTP_REDACT_QUERY_PARAMS'));
  const badName = extra.find((name) => !/^[\w.~-]+$/.test(name));
  if (badName !== undefined)
    throw invalidValue(
      'TELEMETRY_HTTP_REDACT_QUERY_PARAMS',
      readEnv(env, 'TELEMETRY_HTTP_REDACT_QUERY_PARAMS'),
      `${JSON.stringify(badName)} is not a query parameter name`,
    );
  const trustRaw = readEnv(env, 'TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT');
  const proxiesRaw = readEnv(env, 'TELEMETRY_HTTP_TRUSTED_PROXIES');
  const proxies = list(proxiesRaw);
  const badProxy = proxies.find((entry) => !validProxy(entry));
  if (badProxy !== undefined)
    throw invalidValue(
      'TELEMETRY_HTTP_TRUSTED_PROXIES',
      proxiesRaw,
      `${JSON.stringify(badProxy)} ${PROXY_HINT}`,
    );
  const instrumentation = readEnv(env, 'TELEMETRY_HTTP_INSTRUMENTATION');
  return {
    edge: {
      ...(instrumentation === undefined
        ? {}
        : {
            instrumentation: parseEnum(
              'TELEMETRY_HTTP_INSTRUMENTATION',
              instrumentation,
              HTTP_INSTRUMENTATIONS,
            ),
          }),
      ...(trustRaw === undefined
        ? {}
        : {
            trust_incoming_context: parseBoolean(
              'TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT',
              trustRaw,
            ),
          }),
      ...(proxiesRaw === undefined ? {} : { trusted_proxies: proxies }),
    },
    extraRedactedQueryParams: extra,
  };
}

/** The edge rules when nothing sets them: trust callers' context, believe no proxy. */
export const DEFAULT_EDGE: HttpEdgeSettings = {
  instrumentation: 'lean',
  trust_incoming_context: true,
  trusted_proxies: [],
};

/** The redaction list: the file's (or the defaults), plus TELEMETRY_HTTP_REDACT_QUERY_PARAMS. */
export function redactedQueryParams(
  base: readonly string[] | undefined,
  extra: readonly string[],
): string[] {
  return [...new Set([...(base ?? DEFAULT_REDACTED_QUERY_PARAMS), ...extra])];
}
