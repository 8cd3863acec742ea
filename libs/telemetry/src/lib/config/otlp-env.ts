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
import {
  DEFAULT_GRPC_ENDPOINT,
  DEFAULT_HTTP_ENDPOINT,
  DEFAULT_OTLP_TIMEOUT_MS,
  type OtlpSettings,
  type Signal,
} from './model.js';
import { redactUrl } from './redact.js';
import {
  parseBoolean,
  parseEndpoint,
  parseEnum,
  parseHeaders,
  parseMillis,
  readEnv,
  readFirst,
  type Env,
} from './values.js';

/** The seed tutorial's own variable for the traces endpoint. */
export const SEED_TRACE_ENDPOINT = 'TRACE_ENDPOINT';

export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = [
  'grpc',
  'http/protobuf',
  'http/json',
];
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

/** Per-signal variable first, then the generic one. */
function readSetting(
  env: Env,
  signal: Signal,
  setting: string,
): { name: string; value: string } | undefined {
  return readFirst(
    env,
    otlpVariable(signal, setting),
    otlpVariable(undefined, setting),
  );
}

export function resolveOtlpProtocol(env: Env, signal: Signal): OtlpProtocol {
  const set = readSetting(env, signal, 'PROTOCOL');
  return set
    ? parseEnum(set.name, set.value, OTLP_PROTOCOLS)
    : DEFAULT_PROTOCOL;
}

/** `base` + `v1/<signal>`, with exactly one slash between them. */
export function appendSignalPath(base: string, signal: Signal): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

export function resolveOtlpEndpoint(
  env: Env,
  signal: Signal,
  protocol: OtlpProtocol,
): { endpoint: string; source: string; scheme: 'http' | 'https' | undefined } {
  const grpc = protocol === 'grpc';
  const candidates: Array<{ name: string; perSignal: boolean }> = [
    { name: otlpVariable(signal, 'ENDPOINT'), perSignal: true },
    { name: otlpVariable(undefined, 'ENDPOINT'), perSignal: false },
  ];
  if (signal === 'traces')
    candidates.push({ name: SEED_TRACE_ENDPOINT, perSignal: true });

  for (const { name, perSignal } of candidates) {
    const raw = readEnv(env, name);
    if (raw === undefined) continue;
    const url = parseEndpoint(name, raw, { allowNoScheme: grpc });
    if (grpc && url.path !== '' && url.path !== '/')
      throw invalidValue(
        name,
        redactUrl(url.href),
        'the protocol is grpc, and a gRPC endpoint has no path (for OTLP/HTTP set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf or http/json)',
      );
    const endpoint =
      grpc || perSignal ? url.href : appendSignalPath(url.href, signal);
    return { endpoint, source: name, scheme: url.scheme };
  }
  return grpc
    ? { endpoint: DEFAULT_GRPC_ENDPOINT, source: 'default', scheme: 'http' }
    : {
        endpoint: appendSignalPath(DEFAULT_HTTP_ENDPOINT, signal),
        source: 'default',
        scheme: 'http',
      };
}

function resolveHeaders(
  env: Env,
  signal: Signal,
): Array<{ name: string; value: string }> {
  const parse = (name: string) => {
    const raw = readEnv(env, name);
    return raw === undefined ? {} : parseHeaders(name, raw);
  };
  const merged = {
    ...parse(otlpVariable(undefined, 'HEADERS')),
    ...parse(otlpVariable(signal, 'HEADERS')),
  };
  return Object.entries(merged).map(([name, value]) => ({ name, value }));
}

/** One OTLP exporter of the model, and which variable gave which of its keys. */
export interface OtlpFromEnv {
  readonly kind: 'otlp_grpc' | 'otlp_http';
  readonly settings: OtlpSettings;
  /** Key (relative to the exporter body: `endpoint`, `tls.ca_file`, …) → variable. */
  readonly sources: Readonly<Record<string, string>>;
}

/** Everything an OTLP exporter for `signal` needs, from the environment. */
export function resolveOtlpFromEnv(env: Env, signal: Signal): OtlpFromEnv {
  const protocol = resolveOtlpProtocol(env, signal);
  const { endpoint, source, scheme } = resolveOtlpEndpoint(
    env,
    signal,
    protocol,
  );
  const sources: Record<string, string> = {};
  if (source !== 'default') sources['endpoint'] = source;
  const compression = readSetting(env, signal, 'COMPRESSION');
  const timeout = readSetting(env, signal, 'TIMEOUT');
  const grpc = protocol === 'grpc';
  return {
    kind: grpc ? 'otlp_grpc' : 'otlp_http',
    settings: {
      endpoint,
      headers: resolveHeaders(env, signal),
      compression: compression
        ? parseEnum(compression.name, compression.value, [
            'gzip',
            'none',
          ] as const)
        : 'none',
      timeout: timeout
        ? parseMillis(timeout.name, timeout.value)
        : DEFAULT_OTLP_TIMEOUT_MS,
      tls: resolveTls(env, signal, grpc && scheme === undefined, sources),
      ...(grpc
        ? {}
        : { encoding: protocol === 'http/json' ? 'json' : 'protobuf' }),
    },
    sources,
  };
}

function resolveTls(
  env: Env,
  signal: Signal,
  schemeless: boolean,
  sources: Record<string, string>,
): NonNullable<OtlpSettings['tls']> {
  const insecureSet = readSetting(env, signal, 'INSECURE');
  const insecure = insecureSet
    ? parseBoolean(insecureSet.name, insecureSet.value)
    : false;
  const file = (setting: string, key: string) => {
    const set = readSetting(env, signal, setting);
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
  // Only a scheme-less gRPC host:port asks the question: https:// is TLS and http:// is not.
  if (schemeless && insecureSet) sources['tls.insecure'] = insecureSet.name;
  return {
    ...(ca_file === undefined ? {} : { ca_file }),
    ...(key_file === undefined ? {} : { key_file, cert_file }),
    ...(schemeless && insecure ? { insecure: true } : {}),
  };
}
