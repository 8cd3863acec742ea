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
 */
import { invalidValue, TelemetryConfigError } from './errors.js';
import {
  DEFAULT_GRPC_ENDPOINT,
  DEFAULT_HTTP_ENDPOINT,
  DEFAULT_OTLP_TIMEOUT_MS,
  DEFAULT_PROTOCOL,
  OTLP_PROTOCOLS,
  type Compression,
  type OtlpExporterConfig,
  type OtlpProtocol,
  type PemFileRef,
  type Signal,
  type TlsConfig,
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

function resolveHeaders(env: Env, signal: Signal): Record<string, string> {
  const generic = otlpVariable(undefined, 'HEADERS');
  const specific = otlpVariable(signal, 'HEADERS');
  const parse = (name: string) => {
    const raw = readEnv(env, name);
    return raw === undefined ? {} : parseHeaders(name, raw);
  };
  return { ...parse(generic), ...parse(specific) };
}

function resolveCompression(env: Env, signal: Signal): Compression {
  const set = readSetting(env, signal, 'COMPRESSION');
  return set
    ? parseEnum(set.name, set.value, ['gzip', 'none'] as const)
    : 'none';
}

function resolveTimeout(env: Env, signal: Signal): number {
  const set = readSetting(env, signal, 'TIMEOUT');
  return set ? parseMillis(set.name, set.value) : DEFAULT_OTLP_TIMEOUT_MS;
}

function pemRef(
  env: Env,
  signal: Signal,
  setting: string,
): PemFileRef | undefined {
  const set = readSetting(env, signal, setting);
  return set && { path: set.value, source: set.name };
}

function resolveTls(
  env: Env,
  signal: Signal,
  scheme: 'http' | 'https' | undefined,
): TlsConfig {
  const insecureSet = readSetting(env, signal, 'INSECURE');
  const insecure = insecureSet
    ? parseBoolean(insecureSet.name, insecureSet.value)
    : false;
  const secure = scheme === 'https' || (scheme === undefined && !insecure);
  const clientKey = pemRef(env, signal, 'CLIENT_KEY');
  const clientCertificate = pemRef(env, signal, 'CLIENT_CERTIFICATE');
  if ((clientKey === undefined) !== (clientCertificate === undefined)) {
    const missing =
      clientKey === undefined
        ? otlpVariable(signal, 'CLIENT_KEY')
        : otlpVariable(signal, 'CLIENT_CERTIFICATE');
    const given = (clientKey ?? clientCertificate) as PemFileRef;
    throw new TelemetryConfigError(
      missing,
      `${given.source} is set but ${missing} (or ${missing.replace(`${signal.toUpperCase()}_`, '')}) is not: mTLS needs both the client key and the client certificate`,
    );
  }
  return {
    secure,
    ca: pemRef(env, signal, 'CERTIFICATE'),
    clientKey,
    clientCertificate,
  };
}

/** Everything an OTLP exporter for `signal` needs, from the environment. */
export function resolveOtlpFromEnv(
  env: Env,
  signal: Signal,
): OtlpExporterConfig {
  const protocol = resolveOtlpProtocol(env, signal);
  const { endpoint, source, scheme } = resolveOtlpEndpoint(
    env,
    signal,
    protocol,
  );
  return {
    protocol,
    endpoint,
    endpointSource: source,
    headers: resolveHeaders(env, signal),
    compression: resolveCompression(env, signal),
    timeoutMillis: resolveTimeout(env, signal),
    tls: resolveTls(env, signal, scheme),
  };
}
