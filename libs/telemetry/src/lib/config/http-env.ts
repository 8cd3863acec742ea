/**
 * The library's own variables for HTTP server spans at the edge (no OTEL_* variable covers
 * them), over whatever the environment or a configuration file resolved to (resolve.ts):
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
import { EXTENSION, settingsOf, type TelemetryConfig } from './model.js';

/**
 * TELEMETRY_HTTP_* over `config`: each variable that is set wins over the extension's `http`;
 * the redaction names are added to the list (none in `config`: the defaults).
 */
export function withHttpVariables(
  config: TelemetryConfig,
  vars: Variables,
): TelemetryConfig {
  const settings = settingsOf(config);
  const general = config['instrumentation/development']?.general;
  const instrumentation = vars.TELEMETRY_HTTP_INSTRUMENTATION;
  const trust = vars.TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT;
  const proxies = vars.TELEMETRY_HTTP_TRUSTED_PROXIES;
  const redacted = [
    ...(general?.sanitization?.url?.sensitive_query_parameters ??
      DEFAULT_REDACTED_QUERY_PARAMS),
    ...(vars.TELEMETRY_HTTP_REDACT_QUERY_PARAMS ?? []),
  ];
  return {
    ...config,
    'instrumentation/development': {
      ...config['instrumentation/development'],
      general: {
        ...general,
        sanitization: {
          url: { sensitive_query_parameters: [...new Set(redacted)] },
        },
      },
    },
    distribution: {
      [EXTENSION]: {
        ...settings,
        http: {
          ...settings.http,
          ...(instrumentation === undefined ? {} : { instrumentation }),
          ...(trust === undefined ? {} : { trust_incoming_context: trust }),
          ...(proxies === undefined ? {} : { trusted_proxies: proxies }),
        },
      },
    },
  };
}
