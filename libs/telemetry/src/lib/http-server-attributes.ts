/**
 * What an HTTP server span and the `http.server.request.duration` histogram say about a request:
 * the stable HTTP semantic conventions exactly as `@opentelemetry/instrumentation-http` 0.300
 * writes them (span name, attributes, status, `error.type`), with this library's edge rules on
 * top (query values redacted; `client.address` from X-Forwarded-For and `server.address`/
 * `server.port` from the forwarding headers only behind a trusted proxy, invalid ports left out;
 * see http-edge.ts). Pure functions over the request's fields, used by http-server.ts; the
 * conformance suite (apps/dice-api-e2e/src/conformance.e2e.ts) checks the result against
 * the upstream instrumentation request by request.
 *
 * The one thing done differently is *when*: these attributes are built only for a span that
 * records (the sampler has already said yes), where the upstream instrumentation builds them for
 * every request before asking.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import {
  clientAddress,
  forwardedHost,
  lastForwardedValue,
  redactQuery,
  validPort,
} from './http-edge.js';

/** `url.scheme`: which module's server received the request. */
export type HttpScheme = 'http' | 'https';

/** What the edge rules (configuration model's `http`) decide, as predicates. */
export interface EdgeRules {
  /** Query parameter names whose values are replaced by REDACTED. */
  readonly isSensitive: (name: string) => boolean;
  /** Peers whose forwarding headers are believed (`client.address`, `server.*`). */
  readonly isTrustedProxy: (address: string) => boolean;
}

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

/** `http.request.method`: the method if the semantic conventions know it, `_OTHER` otherwise. */
export function normalizeMethod(method: string | undefined): string {
  // Node's parser hands over known methods in upper case: the common ones need no lookup.
  if (method === 'GET' || method === 'POST' || method === 'HEAD') return method;
  if (method == null) return 'GET';
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** The span's name before a route is known (and the method part after): the method as sent. */
export function serverSpanName(method: string | undefined): string {
  return method || 'GET';
}

/** `GET /users/:id` once a route matched, the method alone otherwise. */
export function routeSpanName(
  method: string | undefined,
  route: string | undefined,
): string | undefined {
  return route ? `${method || 'GET'} ${route}` : undefined;
}

/** The span status for a response: ERROR for 5xx (and nonsense codes), UNSET otherwise. */
export function serverSpanStatus(
  statusCode: number | undefined,
): SpanStatusCode {
  return statusCode && statusCode >= 100 && statusCode < 500
    ? SpanStatusCode.UNSET
    : SpanStatusCode.ERROR;
}

/** `error.type` for a server response: the status code as text for 5xx, none otherwise. */
export function serverErrorType(statusCode: unknown): string | undefined {
  return typeof statusCode === 'number' && statusCode >= 500 && statusCode < 600
    ? String(statusCode)
    : undefined;
}

/**
 * `Host: example.com:8080` → host and port; without a port, the scheme's default. IPv6 literals
 * keep their brackets (`[::1]`), as the upstream instrumentation reports them.
 */
export function parseHostHeader(
  hostHeader: string,
  proto?: string,
): { host: string; port?: string } {
  const parts = hostHeader.split(':');
  if (parts.length === 1) {
    if (proto === 'http') return { host: parts[0], port: '80' };
    if (proto === 'https') return { host: parts[0], port: '443' };
    return { host: parts[0] };
  }
  if (parts.length === 2) return { host: parts[0], port: parts[1] };
  if (parts[0].startsWith('[')) {
    if (parts[parts.length - 1].endsWith(']')) {
      if (proto === 'http') return { host: hostHeader, port: '80' };
      if (proto === 'https') return { host: hostHeader, port: '443' };
    } else if (parts[parts.length - 2].endsWith(']')) {
      return {
        host: parts.slice(0, -1).join(':'),
        port: parts[parts.length - 1],
      };
    }
  }
  return { host: hostHeader };
}

interface ForwardedEntry {
  host?: string;
  proto?: string;
  for?: string;
}

let forwardedParse: ((header: string) => ForwardedEntry[]) | undefined;

/** RFC 7239 `Forwarded`, parsed as the upstream instrumentation does (`forwarded-parse`). */
export function parseForwarded(header: string): ForwardedEntry[] {
  forwardedParse ??= require('forwarded-parse') as (
    header: string,
  ) => ForwardedEntry[];
  try {
    return forwardedParse(header);
  } catch {
    return [];
  }
}

function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * `server.address`/`server.port`. The order of the semantic conventions (1.27) and of the upstream
 * instrumentation — `Forwarded` host, else `X-Forwarded-Host` (with `X-Forwarded-Proto`), else
 * `Host` — but the forwarding headers only when the peer is a trusted proxy: `isTrustedProxy` is
 * given exactly then (see http-edge.ts for which of their values are read). From any other peer
 * only `Host` counts: anyone can send forwarding headers. A port that is not 1–65535 is left
 * out; the scheme's default port applies when none is given.
 */
export function serverAddress(
  headers: IncomingHttpHeaders,
  scheme: HttpScheme,
  isTrustedProxy?: (address: string) => boolean,
): { host: string; port?: number } | undefined {
  const found = isTrustedProxy
    ? forwardedServer(headers, isTrustedProxy)
    : undefined;
  const host = headers['host'];
  if (found === undefined) {
    if (typeof host !== 'string' || host.length === 0) return undefined;
    // A server sees the same Host on nearly every request: the answer for the last one is kept.
    if (host === lastHost.host && scheme === lastHost.scheme)
      return lastHost.server;
    const server = checkedServer(parseHostHeader(host, scheme));
    lastHost = { host, scheme, server };
    return server;
  }
  return checkedServer(found);
}

/** The last `Host` answered from, frozen: every caller gets the same object. */
let lastHost: {
  readonly host: string;
  readonly scheme: HttpScheme | undefined;
  readonly server: { readonly host: string; readonly port?: number };
} = { host: '', scheme: undefined, server: { host: '' } };

function checkedServer(parsed: { host: string; port?: string }): {
  readonly host: string;
  readonly port?: number;
} {
  const port = validPort(parsed.port);
  return Object.freeze(
    port === undefined ? { host: parsed.host } : { host: parsed.host, port },
  );
}

/** What a trusted proxy says in `Forwarded` or, failing that, `X-Forwarded-Host`. */
function forwardedServer(
  headers: IncomingHttpHeaders,
  isTrustedProxy: (address: string) => boolean,
): { host: string; port?: string } | undefined {
  const forwarded = headers['forwarded'];
  if (forwarded) {
    const stated = forwardedHost(parseForwarded(forwarded), isTrustedProxy);
    if (stated) return parseHostHeader(stated.host, stated.proto);
  }
  const forwardedHostHeader = lastForwardedValue(
    headers['x-forwarded-host'] as string | string[] | undefined,
  );
  if (forwardedHostHeader === undefined) return undefined;
  return parseHostHeader(
    forwardedHostHeader,
    lastForwardedValue(
      headers['x-forwarded-proto'] as string | string[] | undefined,
    ),
  );
}

/** Path characters the WHATWG URL parser leaves exactly as they are (no dot segments, no `%`). */
const PLAIN_PATH = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;

/**
 * Whether `<scheme>://<host>` parses as a base URL. A server sees the same Host header request
 * after request, so the last answer is kept (a string comparison, where a map would hash).
 */
let lastBase: { scheme: string; host: string; parses: boolean } = {
  scheme: '',
  host: '',
  parses: false,
};

function parsesAsBase(scheme: HttpScheme, host: string): boolean {
  const last = lastBase;
  if (last.host === host && last.scheme === scheme) return last.parses;
  const parses = URL.canParse(`${scheme}://${host}`);
  lastBase = { scheme, host, parses };
  return parses;
}

/**
 * `url.path`: the path of the request target as the WHATWG URL parser normalizes it against
 * `<scheme>://<Host>` (dot segments resolved, unsafe characters percent-encoded), or undefined
 * when that does not parse (a malformed Host header) — what the upstream instrumentation reports.
 * A plain path (the usual case) is its own normal form and skips the parser.
 */
export function urlPath(
  target: string | undefined,
  host: string | undefined,
  scheme: HttpScheme,
): string | undefined {
  const url = target ?? '/';
  const baseHost = host ? host : 'localhost';
  const end = pathEnd(url);
  const path = end === url.length ? url : url.slice(0, end);
  if (
    PLAIN_PATH.test(path) &&
    !path.includes('/.') &&
    parsesAsBase(scheme, baseHost)
  )
    return path;
  try {
    return new URL(url, `${scheme}://${baseHost}`).pathname;
  } catch {
    return undefined;
  }
}

function pathEnd(url: string): number {
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) return i;
  }
  return url.length;
}

/** The raw query string of a request target, without `?`; undefined when there is none. */
export function rawQuery(target: string | undefined): string | undefined {
  const url = target ?? '';
  const q = url.indexOf('?');
  return q !== -1 && q < url.length - 1 ? url.slice(q + 1) : undefined;
}

/**
 * The client as the upstream instrumentation sees it: `Forwarded: for=`, else the first
 * `X-Forwarded-For` hop, else the peer. Only a fallback here (see serverSpanAttributes).
 */
function headerClientAddress(
  headers: IncomingHttpHeaders,
  peer: string | undefined,
): string | undefined {
  const forwarded = headers['forwarded'];
  if (forwarded) {
    for (const entry of parseForwarded(forwarded))
      if (entry.for) return withoutPort(entry.for);
  }
  const xff = firstOf(headers['x-forwarded-for']);
  if (typeof xff === 'string' && xff)
    return withoutPort(xff.split(',')[0].trim());
  return peer || undefined;
}

function withoutPort(input: string): string {
  try {
    const { hostname } = new URL(`http://${input}`);
    return hostname.startsWith('[') && hostname.endsWith(']')
      ? hostname.slice(1, -1)
      : hostname;
  } catch {
    return input;
  }
}

/**
 * Every attribute of an HTTP server span known when the request arrives. The edge rules decide
 * `url.query` (sensitive values redacted), `client.address` and `server.address`/`server.port`
 * (forwarding headers only from a trusted proxy, ports 1–65535 only); everything else is the
 * upstream instrumentation's.
 */
export function serverSpanAttributes(
  req: IncomingMessage,
  scheme: HttpScheme,
  edge: EdgeRules,
): Attributes {
  const { headers, method } = req;
  const socket = req.socket as IncomingMessage['socket'] | undefined;
  const peer = socket?.remoteAddress;
  const normalized = normalizeMethod(method);
  const server = serverAddress(
    headers,
    scheme,
    peer !== undefined && edge.isTrustedProxy(peer)
      ? edge.isTrustedProxy
      : undefined,
  );
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: normalized,
    [ATTR_URL_SCHEME]: scheme,
  };
  if (server?.host !== undefined) attributes[ATTR_SERVER_ADDRESS] = server.host;
  if (peer !== undefined) attributes[ATTR_NETWORK_PEER_ADDRESS] = peer;
  if (socket?.remotePort !== undefined)
    attributes[ATTR_NETWORK_PEER_PORT] = socket.remotePort;
  if (req.httpVersion !== undefined)
    attributes[ATTR_NETWORK_PROTOCOL_VERSION] = req.httpVersion;
  const userAgent = headers['user-agent'];
  if (userAgent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  const path = urlPath(req.url, headers.host, scheme);
  if (path !== undefined) attributes[ATTR_URL_PATH] = path;
  const query = rawQuery(req.url);
  if (query !== undefined)
    attributes[ATTR_URL_QUERY] = redactQuery(query, edge.isSensitive);
  // The trusted-proxy rule; with no peer at all (a socket already gone) the headers are all
  // there is, read the upstream way.
  const client =
    clientAddress(peer, headers['x-forwarded-for'], edge.isTrustedProxy) ??
    headerClientAddress(headers, peer);
  if (client !== undefined) attributes[ATTR_CLIENT_ADDRESS] = client;
  if (server?.port !== undefined) attributes[ATTR_SERVER_PORT] = server.port;
  if (method !== normalized && method !== undefined)
    attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  return attributes;
}

/** What the response adds to the span: status code, and the route when one matched. */
export function responseAttributes(
  statusCode: number,
  route: string | undefined,
): Attributes {
  const attributes: Attributes = {
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: statusCode,
  };
  if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
  const errorType = serverErrorType(statusCode);
  if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
  return attributes;
}

/**
 * `error.type` of whatever a request listener threw: its `name`. `throw null` or a string has none,
 * so no error.type (as upstream, whose `err.name` is then undefined and dropped).
 */
export function thrownErrorType(thrown: unknown): string | undefined {
  const name = (thrown as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * The histogram's attributes (the low-cardinality subset the conventions name): method, scheme,
 * protocol version, route, status code, and `error.type` — the status code for 5xx, or the name
 * of the error that ended the response.
 */
export function durationAttributes(
  method: string | undefined,
  scheme: HttpScheme,
  httpVersion: string | undefined,
  outcome:
    | { readonly statusCode: number; readonly route: string | undefined }
    | { readonly error: unknown },
): Attributes {
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: normalizeMethod(method),
    [ATTR_URL_SCHEME]: scheme,
  };
  if (httpVersion) attributes[ATTR_NETWORK_PROTOCOL_VERSION] = httpVersion;
  if ('error' in outcome) {
    const type = thrownErrorType(outcome.error);
    if (type !== undefined) attributes[ATTR_ERROR_TYPE] = type;
    return attributes;
  }
  if (outcome.route !== undefined) attributes[ATTR_HTTP_ROUTE] = outcome.route;
  if (outcome.statusCode) {
    attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = outcome.statusCode;
    const errorType = serverErrorType(outcome.statusCode);
    if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
  }
  return attributes;
}
