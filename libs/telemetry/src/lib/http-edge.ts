/**
 * What an HTTP server span may believe and record about a request from outside: which query
 * values are secrets, who the client is and which host it asked for behind proxies, and whether
 * the caller's trace context is trusted. Pure functions plus the propagator wrapper; wired into the HTTP instrumentation's
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
 * Query parameters named for exact matching where only exact names can be given: the upstream HTTP
 * instrumentation's own list (AWS, Google Cloud signed URLs) plus common credential names, used
 * for outgoing requests (which the upstream instrumentation redacts by exact name). Server spans
 * apply the broader rule of `isSensitiveName`, which covers every one of these.
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

/**
 * A name holding one of these anywhere is sensitive. Compared on the name's letters and digits,
 * lower-cased, so case and separators do not matter: `myPassword`, `new-passwd`, `X-Amz-Security-
 * Token`, `client_secret`, `AWSAccessKeyId`, `oauth_verifier`, `otp_attempt` all match. Errs
 * towards hiding (`author` matches `auth`): a redacted harmless value costs less than a leaked
 * credential.
 */
export const SENSITIVE_NAME_PARTS: readonly string[] = [
  'passw',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'signature',
  'credential',
  'auth',
  'session',
  'cookie',
  'bearer',
  'jwt',
  'otp',
];

/**
 * Too short to look for inside other words (`key` is in `monkey`): sensitive as a whole word of
 * the name, words being split at separators and at lower-to-upper case changes (`key`, `api_key`,
 * `apiKey`, `sig`, `X-Sig`, `pin`, `otp`, `pass`, `code`, `auth_code`).
 */
export const SENSITIVE_NAME_WORDS: readonly string[] = [
  'key',
  'sig',
  'pass',
  'pw',
  'pin',
  'code',
  'sid',
  'hmac',
  'mfa',
  'ssn',
  'cvv',
  'cvc',
];

const PARTS = new RegExp(SENSITIVE_NAME_PARTS.join('|'));
const WORDS = new Set(SENSITIVE_NAME_WORDS);

/** `X-Amz-Security-Token` → `xamzsecuritytoken`. */
function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `myAPIKey_v2` → `my`, `api`, `key`, `v2`. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const NO_NAMES: ReadonlySet<string> = new Set();

function matches(name: string, extra: ReadonlySet<string>): boolean {
  const normalized = normalizeName(name);
  if (PARTS.test(normalized) || extra.has(normalized)) return true;
  return nameWords(name).some((word) => WORDS.has(word) || extra.has(word));
}

/** The built-in rule: a sensitive part anywhere in the name, or a sensitive word of it. */
export function isSensitiveName(name: string): boolean {
  return matches(name, NO_NAMES);
}

/**
 * A matcher: the built-in rule (isSensitiveName), or a name that is — or has a word that is — one
 * of `names` (compared like the parts: `tenant` matches `tenant`, `Tenant-Id` and `x_tenant`).
 */
export function sensitiveNames(
  names: readonly string[],
): (name: string) => boolean {
  const extra = new Set(names.map(normalizeName));
  return (name) => matches(name, extra);
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

/** A `Forwarded` element, as forwarded-parse gives it. */
export interface ForwardedElement {
  readonly for?: string;
  readonly host?: string;
  readonly proto?: string;
}

/**
 * The host (and proto) the outermost trusted proxy states in RFC 7239 `Forwarded`, read only
 * when the peer is a trusted proxy. Each element is appended by the proxy that received the
 * request from its `for`, so — as X-Forwarded-For — the elements are walked from the right past
 * those whose `for` is itself a trusted proxy; the one reached was written by the proxy that
 * faced the client. Elements further left came from the client and are not read. Undefined when
 * that element names no host.
 */
export function forwardedHost(
  elements: readonly ForwardedElement[],
  isTrusted: (address: string) => boolean,
): { host: string; proto?: string } | undefined {
  for (let i = elements.length - 1; i >= 0; i--) {
    const element = elements[i];
    const from = element.for === undefined ? '' : stripPort(element.for);
    const viaProxy = (isIPv4(from) || isIPv6(from)) && isTrusted(from);
    if (viaProxy && i > 0) continue;
    return element.host
      ? { host: element.host, proto: element.proto }
      : undefined;
  }
  return undefined;
}

/**
 * The value a trusted proxy set in a list-valued forwarding header (X-Forwarded-Host,
 * X-Forwarded-Proto): the last non-empty one. A proxy that appends puts its value last, after
 * whatever the client sent; one that overwrites leaves only its own.
 */
export function lastForwardedValue(
  header: string | string[] | undefined,
): string | undefined {
  const values = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
  return values[values.length - 1];
}

/** `8080` → 8080; anything but 1–65535 in decimal digits → undefined (never NaN). */
export function validPort(port: string | undefined): number | undefined {
  if (port === undefined || !/^[0-9]{1,5}$/.test(port)) return undefined;
  const n = Number(port);
  return n >= 1 && n <= 65535 ? n : undefined;
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
