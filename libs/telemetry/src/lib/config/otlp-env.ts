/**
 * OTEL_EXPORTER_OTLP_* for one signal, by the specification's rules:
 *
 * - every setting has a generic (`OTEL_EXPORTER_OTLP_X`) and a per-signal
 *   (`OTEL_EXPORTER_OTLP_TRACES_X`) variable; the per-signal one wins;
 * - for HTTP, the generic endpoint is a base URL to which `v1/<signal>` is appended, while a
 *   per-signal endpoint is used exactly as given; for gRPC both are used as given;
 * - headers of the two variables are merged, per-signal values winning per key;
 * - `https://` means TLS, `http://` means none, and a scheme-less gRPC `host:port` means TLS
 *   unless OTEL_EXPORTER_OTLP_INSECURE=true.
 *
 * The seed's TRACE_ENDPOINT is the traces endpoint at the lowest precedence, used as given.
 *
 * The result is one exporter of the configuration model (`otlp_grpc` or `otlp_http`, see
 * model.ts) with every setting explicit, and the variable each setting came from.
 */
import { invalidValue, TelemetryConfigError } from './errors.js';
import type {
  OtlpProtocol,
  OtlpSetting,
  OtlpValue,
  Variables,
} from './known-variables.js';
import {
  DEFAULT_GRPC_ENDPOINT,
  DEFAULT_HTTP_ENDPOINT,
  DEFAULT_OTLP_TIMEOUT_MS,
  type OtlpSettings,
  type Signal,
} from './model.js';
import { redactUrl } from './redact.js';
import { parseEndpoint } from './values.js';

/** The seed tutorial's own variable for the traces endpoint. */
export const SEED_TRACE_ENDPOINT = 'TRACE_ENDPOINT';

/** The seed's protocol (the specification's default is http/protobuf). */
export const DEFAULT_PROTOCOL: OtlpProtocol = 'grpc';

export function otlpVariable(
  signal: Signal | undefined,
  setting: string,
): string {
  return signal
    ? `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_${setting}`
    : `OTEL_EXPORTER_OTLP_${setting}`;
}

/** Per-signal variable first, then the generic one: which was set, and its value. */
function setting<S extends OtlpSetting>(
  vars: Variables,
  signal: Signal,
  name: S,
): { name: string; value: OtlpValue<S> } | undefined {
  const byName = vars as Readonly<Record<string, OtlpValue<S> | undefined>>;
  for (const variable of [
    otlpVariable(signal, name),
    otlpVariable(undefined, name),
  ]) {
    const value = byName[variable];
    if (value !== undefined) return { name: variable, value };
  }
  return undefined;
}

/** `base` + `v1/<signal>`, with exactly one slash between them. */
export function appendSignalPath(base: string, signal: Signal): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

/**
 * The endpoint, by the specification's rules: per-signal, generic (HTTP: + `v1/<signal>`), the
 * seed's TRACE_ENDPOINT (traces), the default. Parsed here, where the protocol is known: gRPC
 * takes a scheme-less `host:port` and no path.
 */
export function resolveOtlpEndpoint(
  vars: Variables,
  signal: Signal,
  protocol: OtlpProtocol,
): { endpoint: string; source: string; scheme: 'http' | 'https' | undefined } {
  const grpc = protocol === 'grpc';
  const set =
    setting(vars, signal, 'ENDPOINT') ??
    (signal === 'traces' && vars.TRACE_ENDPOINT !== undefined
      ? { name: SEED_TRACE_ENDPOINT, value: vars.TRACE_ENDPOINT }
      : undefined);
  if (set === undefined)
    return grpc
      ? { endpoint: DEFAULT_GRPC_ENDPOINT, source: 'default', scheme: 'http' }
      : {
          endpoint: appendSignalPath(DEFAULT_HTTP_ENDPOINT, signal),
          source: 'default',
          scheme: 'http',
        };
  const url = parseEndpoint(set.name, set.value, { allowNoScheme: grpc });
  if (grpc && url.path !== '' && url.path !== '/')
    throw invalidValue(
      set.name,
      redactUrl(url.href),
      'the protocol is grpc, and a gRPC endpoint has no path (for OTLP/HTTP set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf or http/json)',
    );
  const generic = set.name === otlpVariable(undefined, 'ENDPOINT');
  const endpoint =
    grpc || !generic ? url.href : appendSignalPath(url.href, signal);
  return { endpoint, source: set.name, scheme: url.scheme };
}

/** One OTLP exporter of the model, and which variable gave which of its keys. */
export interface OtlpFromEnv {
  readonly kind: 'otlp_grpc' | 'otlp_http';
  readonly settings: OtlpSettings;
  /** Key (relative to the exporter body: `endpoint`, `tls.ca_file`, …) → variable. */
  readonly sources: Readonly<Record<string, string>>;
}

/**
 * The OTLP exporter of every signal, whether or not the signal is exported over OTLP: settings
 * that cannot work together (an endpoint the protocol cannot take, half an mTLS pair) should fail
 * today, not the day someone turns that exporter on.
 */
export function otlpFromEnv(vars: Variables): Record<Signal, OtlpFromEnv> {
  return {
    traces: resolveOtlpFromEnv(vars, 'traces'),
    metrics: resolveOtlpFromEnv(vars, 'metrics'),
    logs: resolveOtlpFromEnv(vars, 'logs'),
  };
}

/** Everything an OTLP exporter for `signal` needs. */
export function resolveOtlpFromEnv(
  vars: Variables,
  signal: Signal,
): OtlpFromEnv {
  const protocol = setting(vars, signal, 'PROTOCOL')?.value ?? DEFAULT_PROTOCOL;
  const grpc = protocol === 'grpc';
  const { endpoint, source, scheme } = resolveOtlpEndpoint(
    vars,
    signal,
    protocol,
  );
  const sources: Record<string, string> = {};
  if (source !== 'default') sources['endpoint'] = source;
  const tls = resolveTls(vars, signal, sources);
  // Only a scheme-less gRPC host:port asks the question: https:// is TLS and http:// is not.
  const schemeless = grpc && scheme === undefined;
  const insecure = setting(vars, signal, 'INSECURE');
  if (schemeless && insecure) sources['tls.insecure'] = insecure.name;
  return {
    kind: grpc ? 'otlp_grpc' : 'otlp_http',
    settings: {
      endpoint,
      // Merged per key, the per-signal value winning.
      headers: Object.entries({
        ...vars.OTEL_EXPORTER_OTLP_HEADERS,
        ...vars[`OTEL_EXPORTER_OTLP_${upper(signal)}_HEADERS`],
      }).map(([name, value]) => ({ name, value })),
      compression: setting(vars, signal, 'COMPRESSION')?.value ?? 'none',
      timeout:
        setting(vars, signal, 'TIMEOUT')?.value ?? DEFAULT_OTLP_TIMEOUT_MS,
      tls: {
        ...tls,
        ...(schemeless && insecure?.value ? { insecure: true } : {}),
      },
      ...(grpc
        ? {}
        : { encoding: protocol === 'http/json' ? 'json' : 'protobuf' }),
    },
    sources,
  };
}

function upper<S extends Signal>(signal: S): Uppercase<S> {
  return signal.toUpperCase() as Uppercase<S>;
}

/** The certificate files, recorded in `sources`; the mTLS key and certificate come together. */
function resolveTls(
  vars: Variables,
  signal: Signal,
  sources: Record<string, string>,
): NonNullable<OtlpSettings['tls']> {
  const file = (
    name: 'CERTIFICATE' | 'CLIENT_KEY' | 'CLIENT_CERTIFICATE',
    key: string,
  ) => {
    const set = setting(vars, signal, name);
    if (set) sources[`tls.${key}`] = set.name;
    return set?.value;
  };
  const ca_file = file('CERTIFICATE', 'ca_file');
  const key_file = file('CLIENT_KEY', 'key_file');
  const cert_file = file('CLIENT_CERTIFICATE', 'cert_file');
  if ((key_file === undefined) !== (cert_file === undefined)) {
    const missing =
      key_file === undefined
        ? otlpVariable(signal, 'CLIENT_KEY')
        : otlpVariable(signal, 'CLIENT_CERTIFICATE');
    const given =
      sources[key_file === undefined ? 'tls.cert_file' : 'tls.key_file'];
    throw new TelemetryConfigError(
      missing,
      `${given} is set but ${missing} (or ${missing.replace(`${signal.toUpperCase()}_`, '')}) is not: mTLS needs both the client key and the client certificate`,
    );
  }
  return {
    ...(ca_file === undefined ? {} : { ca_file }),
    ...(key_file === undefined ? {} : { key_file, cert_file }),
  };
}
