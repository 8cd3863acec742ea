/**
 * What an HTTP server span may believe and record about a request from outside: which query
 * values are secrets, who the client is behind proxies, and whether the caller's trace context
 * is trusted. Pure functions plus the propagator wrapper; wired into the HTTP instrumentation's
 * hooks in instrumentations.ts.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import {
  ROOT_CONTEXT,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';

/** The marker the HTTP instrumentation itself writes for redacted values. */
export const REDACTED = 'REDACTED';

/**
 * Query parameters whose values are redacted by default: the HTTP instrumentation's own list
 * (AWS, Google Cloud signed URLs) plus common credential names. Matched case-insensitively,
 * ignoring `-` and `_` (`API-Key`, `api_key` and `apikey` are one name).
 */
export const DEFAULT_REDACTED_QUERY_PARAMS: readonly string[] = [
  'sig',
  'signature',
  'awsaccesskeyid',
  'x-goog-signature',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'auth',
  'authorization',
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'api_key',
  'key',
  'session',
  'sessionid',
  'jwt',
  'code',
  'credential',
  'credentials',
];

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/** A matcher for the given names (see DEFAULT_REDACTED_QUERY_PARAMS for the matching rule). */
export function sensitiveNames(
  names: readonly string[],
): (name: string) => boolean {
  const set = new Set(names.map(normalizeName));
  return (name) => set.has(normalizeName(name));
}

/**
 * `a=1&token=abc&Password=x` → `a=1&token=REDACTED&Password=REDACTED`. Keys, order and the other
 * values stay as sent; a value that cannot be parsed as a query string is kept only if it has no
 * `=` at all (nothing to redact).
 */
export function redactQuery(
  query: string,
  isSensitive: (name: string) => boolean,
): string {
  const params = new URLSearchParams(query);
  let changed = false;
  const out = new URLSearchParams();
  for (const [name, value] of params) {
    if (isSensitive(name)) {
      out.append(name, REDACTED);
      changed = true;
    } else out.append(name, value);
  }
  return changed ? out.toString() : params.toString();
}

/**
 * The client address of a request: the connection's peer, unless that peer is a trusted proxy —
 * then walk X-Forwarded-For from the right, skipping trusted proxies, and take the first address
 * that is not one. An untrusted peer's forwarding headers are ignored: anyone can send them.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  isTrusted: (address: string) => boolean,
): string | undefined {
  if (peer === undefined || !isTrusted(peer)) return peer;
  const hops = (
    Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '')
  )
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = stripPort(hops[i]);
    if (!isIPv4(hop) && !isIPv6(hop)) return peer; // garbage: do not believe any of it
    if (!isTrusted(hop)) return hop;
  }
  return hops.length > 0 ? stripPort(hops[0]) : peer;
}

function stripPort(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1];
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop);
  return v4WithPort ? v4WithPort[1] : hop;
}

/** `10.0.0.1, 10.1.0.0/16, ::1` → a matcher; an IPv4-mapped IPv6 peer matches its IPv4 entry. */
export function proxyMatcher(
  entries: readonly string[],
): (address: string) => boolean {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (address) => {
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
    const plain = mapped ? mapped[1] : address;
    if (isIPv4(plain)) return list.check(plain, 'ipv4');
    return isIPv6(plain) ? list.check(plain, 'ipv6') : false;
  };
}

/**
 * For a service that faces the public: incoming trace context is not continued. Extraction
 * yields an empty context — no parent, no baggage — so every request starts a new trace whose
 * sampling the service decides; the caller's span context is kept aside (per carrier) for the
 * server span to link to (`remoteContextOf`). Injection is untouched.
 */
export class UntrustedExtractPropagator implements TextMapPropagator {
  private readonly remote = new WeakMap<object, SpanContext>();

  constructor(private readonly inner: TextMapPropagator) {}

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.inner.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = trace.getSpanContext(
      this.inner.extract(ROOT_CONTEXT, carrier, getter),
    );
    if (extracted && typeof carrier === 'object' && carrier !== null)
      this.remote.set(carrier, extracted);
    return context;
  }

  fields(): string[] {
    return this.inner.fields();
  }

  /** The span context the caller sent with `carrier` (e.g. a request's headers), if any. */
  remoteContextOf(carrier: object): SpanContext | undefined {
    return this.remote.get(carrier);
  }
}
