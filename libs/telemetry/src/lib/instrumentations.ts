import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_QUERY,
} from '@opentelemetry/semantic-conventions';
import { settingsOf, type TelemetryConfig } from './config/model.js';
import { recordRequestException } from './exception.js';
import { ExpressErrorInstrumentation, requestError } from './express-errors.js';
import { ExpressRouteInstrumentation, expressRoute } from './express-route.js';
import {
  clientAddress,
  DEFAULT_REDACTED_QUERY_PARAMS,
  proxyMatcher,
  redactQuery,
  sensitiveNames,
  type UntrustedExtractPropagator,
} from './http-edge.js';
import { HttpServerInstrumentation } from './http-server.js';
import { LIBRARY_INSTRUMENTATIONS } from './instrumentation-selection.js';
import { serverAddress, type EdgeRules } from './http-server-attributes.js';

/** Scrapes and probes: a span per Prometheus scrape (every second) is noise, not signal. */
export const DEFAULT_IGNORED_PATHS: readonly string[] = [
  '/metrics',
  '/healthz',
];

/** Express layer kinds, as the Express instrumentation names them. */
export type ExpressLayerKind = 'router' | 'middleware' | 'request_handler';

export interface InstrumentationOptions {
  /** Incoming request paths (query string ignored) that get no span. */
  readonly ignoredPaths?: readonly string[];
  /**
   * Express layers that get a span of their own. Default none: the route still names the
   * server span (`GET /rolldice`, `http.route`), app spans are direct children of it, and no
   * request pays for spans that only repeat the server span's timing.
   */
  readonly expressLayerSpans?: readonly ExpressLayerKind[];
  /** Set when incoming trace context is not trusted: server spans link to what callers sent. */
  readonly untrustedContext?: UntrustedExtractPropagator;
}

/** What the HTTP instrumentations take from the configuration model. */
export interface HttpRules {
  /** Query parameters whose values are replaced by REDACTED (case-, `-`- and `_`-insensitive). */
  readonly redactedQueryParams: readonly string[];
  /** Peers (IPs or CIDRs) whose X-Forwarded-For is believed for `client.address`. */
  readonly trustedProxies: readonly string[];
  /** Headers recorded as `http.request.header.<name>` / `http.response.header.<name>`. */
  readonly captured: {
    readonly server: { requestHeaders: string[]; responseHeaders: string[] };
    readonly client: { requestHeaders: string[]; responseHeaders: string[] };
  };
}

/**
 * The model's HTTP settings: the edge rules of the extension, and from
 * `instrumentation/development.general` the sensitive query parameters and captured headers.
 */
export function httpRules(config: TelemetryConfig): HttpRules {
  const general = config['instrumentation/development']?.general;
  const headers = (side: 'client' | 'server') => ({
    requestHeaders: [
      ...(general?.http?.[side]?.request_captured_headers ?? []),
    ],
    responseHeaders: [
      ...(general?.http?.[side]?.response_captured_headers ?? []),
    ],
  });
  return {
    redactedQueryParams:
      general?.sanitization?.url?.sensitive_query_parameters ??
      DEFAULT_REDACTED_QUERY_PARAMS,
    trustedProxies: settingsOf(config).http.trusted_proxies,
    captured: { server: headers('server'), client: headers('client') },
  };
}

/** The edge settings as the predicates the server instrumentations apply. */
export function edgeRules(http: HttpRules): EdgeRules {
  return {
    isSensitive: sensitiveNames(http.redactedQueryParams),
    isTrustedProxy: proxyMatcher(http.trustedProxies),
  };
}

/** Outgoing requests: the instrumentation matches these exactly, so both spellings. */
function clientRedactedQueryParams(http: HttpRules): string[] {
  return [
    ...new Set([
      ...http.redactedQueryParams,
      ...http.redactedQueryParams.map((n) => n.toUpperCase()),
      'Signature',
      'AWSAccessKeyId',
      'X-Goog-Signature',
      'X-Amz-Signature',
    ]),
  ];
}

/**
 * The upstream HTTP instrumentation's configuration at the edge (TELEMETRY_HTTP_INSTRUMENTATION
 * =upstream), the same rules as the lean server spans: `url.query` with sensitive values redacted
 * (by part and word of the name, unlike the instrumentation's own exact-name list),
 * `client.address` and `server.address`/`server.port` from forwarding headers only when the peer
 * is a trusted proxy (ports 1–65535 only, never NaN), and a link to the caller's span context
 * when that context is not continued.
 */
export function httpEdgeHooks(
  http: HttpRules,
  untrusted?: UntrustedExtractPropagator,
): Pick<
  ConstructorParameters<typeof HttpInstrumentation>[0] & object,
  | 'startIncomingSpanHook'
  | 'requestHook'
  | 'redactedQueryParams'
  | 'applyCustomAttributesOnSpan'
> {
  const { isSensitive, isTrustedProxy: isTrusted } = edgeRules(http);
  return {
    startIncomingSpanHook: (request) => {
      const attributes: Attributes = {};
      const url = request.url ?? '';
      const q = url.indexOf('?');
      if (q !== -1 && q < url.length - 1)
        attributes[ATTR_URL_QUERY] = redactQuery(url.slice(q + 1), isSensitive);
      const peer = request.socket?.remoteAddress;
      const client = clientAddress(
        peer,
        request.headers['x-forwarded-for'],
        isTrusted,
      );
      if (client !== undefined) attributes[ATTR_CLIENT_ADDRESS] = client;
      // Replaces what the instrumentation read from the forwarding headers of any peer (and its
      // Number() of any port); `undefined` removes the attribute.
      const server = serverAddress(
        request.headers,
        (request.socket as { encrypted?: boolean } | undefined)?.encrypted
          ? 'https'
          : 'http',
        peer !== undefined && isTrusted(peer) ? isTrusted : undefined,
      );
      attributes[ATTR_SERVER_ADDRESS] = server?.host;
      attributes[ATTR_SERVER_PORT] = server?.port;
      return attributes;
    },
    requestHook: untrusted
      ? (span, request) => {
          // Incoming requests only: a ClientRequest (outgoing) has getHeader, an IncomingMessage not.
          if ('getHeader' in request || !('headers' in request)) return;
          const remote = untrusted.remoteContextOf(request.headers);
          if (remote) span.addLink({ context: remote });
        }
      : undefined,
    redactedQueryParams: clientRedactedQueryParams(http),
    // Why a request failed (express-errors.ts), as the lean server spans record it.
    applyCustomAttributesOnSpan: (span, request, response) => {
      // Server spans only: there the request is an IncomingMessage and the response has a status.
      if ('getHeader' in request || !('statusCode' in response)) return;
      const status = (response as { statusCode?: number }).statusCode;
      if (status === undefined || status < 500) return;
      const error = requestError(request);
      if (error !== undefined) recordRequestException(span, error, isSensitive);
    },
  };
}

// ExpressLayerType's values, spelled out: the Express instrumentation itself is loaded only
// when it is used (layer spans, or TELEMETRY_HTTP_INSTRUMENTATION=upstream).
const EXPRESS_LAYERS: Record<ExpressLayerKind, ExpressLayerType> = {
  router: 'router' as ExpressLayerType.ROUTER,
  middleware: 'middleware' as ExpressLayerType.MIDDLEWARE,
  request_handler: 'request_handler' as ExpressLayerType.REQUEST_HANDLER,
};

/** The layer types to ignore, given the ones that should keep their spans. Pure. */
export function ignoredExpressLayers(
  keep: readonly ExpressLayerKind[],
): ExpressLayerType[] {
  return (Object.keys(EXPRESS_LAYERS) as ExpressLayerKind[])
    .filter((kind) => !keep.includes(kind))
    .map((kind) => EXPRESS_LAYERS[kind]);
}

/** Path of a request target without its query string, for the ignore list. Pure. */
export function requestPath(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function isIgnoredRequest(
  req: IncomingMessage,
  ignored: readonly string[],
): boolean {
  return ignored.includes(requestPath(req.url));
}

/**
 * Only what an Express service needs: HTTP server/client spans (route, status code, 5xx =
 * ERROR, the http.server.request.duration histogram, W3C context in and out) and the Express
 * route on the server span. Express layer spans are off unless asked for (`expressLayerSpans`):
 * each costs a span per request and, for a route with one handler, repeats the server span's
 * timing while pushing app spans a level down.
 *
 * Which code makes server spans: the library's server-span instrumentation (http-server.ts) with
 * the Express route tracker (express-route.ts), plus the upstream HTTP instrumentation for
 * outgoing requests only. Layer spans need the upstream Express instrumentation, so asking for
 * them uses it.
 *
 * The other instrumentations the configuration names are not built here: startTelemetry() starts
 * each when the app first loads what it patches (lazy-instrumentations.ts).
 */
export function createInstrumentations(
  config: TelemetryConfig,
  options: InstrumentationOptions = {},
): Instrumentation[] {
  const ignored = options.ignoredPaths ?? DEFAULT_IGNORED_PATHS;
  const isIgnored = (req: IncomingMessage) => isIgnoredRequest(req, ignored);
  const layerSpans = options.expressLayerSpans ?? [];
  const ignoredLayers = ignoredExpressLayers(layerSpans);
  const names = settingsOf(config).instrumentations.filter((n) =>
    LIBRARY_INSTRUMENTATIONS.includes(n),
  );
  const http = httpRules(config);
  const upstream = settingsOf(config).http.instrumentation === 'upstream';
  const instrumentations: Instrumentation[] = [];
  if (names.includes('http')) {
    if (upstream) {
      instrumentations.push(
        new HttpInstrumentation({
          ignoreIncomingRequestHook: isIgnored,
          ...httpEdgeHooks(http, options.untrustedContext),
          headersToSpanAttributes: http.captured,
        }),
      );
    } else {
      instrumentations.push(
        new HttpServerInstrumentation({
          ignoreIncomingRequest: isIgnored,
          edge: edgeRules(http),
          untrustedContext: options.untrustedContext,
          routeOf: expressRoute,
          capturedHeaders: http.captured.server,
        }),
        new HttpInstrumentation({
          disableIncomingRequestInstrumentation: true,
          redactedQueryParams: clientRedactedQueryParams(http),
          headersToSpanAttributes: { client: http.captured.client },
        }),
      );
    }
  }
  if (names.includes('express')) {
    // The error that ends a failing request, for the server span, in either mode.
    instrumentations.push(new ExpressErrorInstrumentation());
    instrumentations.push(
      !upstream && layerSpans.length === 0
        ? new ExpressRouteInstrumentation()
        : new (loadExpressInstrumentation())({
            ignoreLayersType: ignoredLayers,
          }),
    );
  }
  return instrumentations;
}

/** Loaded on use only: most apps never need it (see EXPRESS_LAYERS). */
function loadExpressInstrumentation(): typeof import('@opentelemetry/instrumentation-express').ExpressInstrumentation {
  return (
    require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express')
  ).ExpressInstrumentation;
}
