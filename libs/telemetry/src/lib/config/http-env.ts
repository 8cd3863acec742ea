/**
 * The library's own variables for HTTP server spans at the edge (no OTEL_* variable covers
 * them; read whether the rest comes from the environment or a configuration file), onto the
 * extension's `http` and the redaction list:
 *
 * - TELEMETRY_HTTP_REDACT_QUERY_PARAMS: more query parameter names to redact, added to the
 *   defaults (DEFAULT_REDACTED_QUERY_PARAMS), or to a file's
 *   `instrumentation/development.general.sanitization.url.sensitive_query_parameters`;
 * - TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT: `false` for a service that faces the public;
 * - TELEMETRY_HTTP_TRUSTED_PROXIES: IPs or CIDRs whose X-Forwarded-For is believed;
 * - TELEMETRY_HTTP_INSTRUMENTATION: `lean` (default) or `upstream`: which code makes server spans.
 *
 * Their values are read and checked with the rest of the environment (known-variables.ts).
 */
import { DEFAULT_REDACTED_QUERY_PARAMS } from '../http-edge.js';
import type { Variables } from './known-variables.js';
import type { HttpEdgeSettings } from './model.js';

/** The edge rules when nothing sets them: trust callers' context, believe no proxy. */
export const DEFAULT_EDGE: HttpEdgeSettings = {
  instrumentation: 'lean',
  trust_incoming_context: true,
  trusted_proxies: [],
};

export interface HttpFromEnv {
  /** The extension's `http`. */
  readonly edge: HttpEdgeSettings;
  /** `sensitive_query_parameters`: the base list, plus TELEMETRY_HTTP_REDACT_QUERY_PARAMS. */
  readonly sensitiveQueryParameters: string[];
}

/**
 * The variables over `base` (a configuration file's settings; none: the defaults), key by key:
 * each variable that is set wins, and the redaction names are added to the base list.
 */
export function httpFromEnv(
  vars: Variables,
  base: {
    readonly edge?: Partial<HttpEdgeSettings>;
    readonly sensitiveQueryParameters?: readonly string[];
  } = {},
): HttpFromEnv {
  const instrumentation = vars.TELEMETRY_HTTP_INSTRUMENTATION;
  const trust = vars.TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT;
  const proxies = vars.TELEMETRY_HTTP_TRUSTED_PROXIES;
  return {
    edge: {
      ...DEFAULT_EDGE,
      ...base.edge,
      ...(instrumentation === undefined ? {} : { instrumentation }),
      ...(trust === undefined ? {} : { trust_incoming_context: trust }),
      ...(proxies === undefined ? {} : { trusted_proxies: proxies }),
    },
    sensitiveQueryParameters: [
      ...new Set([
        ...(base.sensitiveQueryParameters ?? DEFAULT_REDACTED_QUERY_PARAMS),
        ...(vars.TELEMETRY_HTTP_REDACT_QUERY_PARAMS ?? []),
      ]),
    ],
  };
}
