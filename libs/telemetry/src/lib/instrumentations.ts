import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import {
  ExpressInstrumentation,
  ExpressLayerType,
} from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_QUERY,
} from '@opentelemetry/semantic-conventions';
import { TelemetryConfigError } from './config/errors.js';
import { settingsOf, type TelemetryConfig } from './config/model.js';
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
  'startIncomingSpanHook' | 'requestHook' | 'redactedQueryParams'
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
  };
}

const EXPRESS_LAYERS: Record<ExpressLayerKind, ExpressLayerType> = {
  router: ExpressLayerType.ROUTER,
  middleware: ExpressLayerType.MIDDLEWARE,
  request_handler: ExpressLayerType.REQUEST_HANDLER,
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
 * Anything else the configuration names (OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,express,pg, or
 * a file's `distribution.otel-dice.instrumentations`) is loaded from
 * @opentelemetry/auto-instrumentations-node on demand, so the default start-up does not require
 * its ~45 instrumentation packages.
 */
export function createInstrumentations(
  config: TelemetryConfig,
  options: InstrumentationOptions = {},
): Instrumentation[] {
  const ignored = options.ignoredPaths ?? DEFAULT_IGNORED_PATHS;
  const names = settingsOf(config).instrumentations;
  const http = httpRules(config);
  const lean = settingsOf(config).http.instrumentation === 'lean';
  const layerSpans = options.expressLayerSpans ?? [];
  const instrumentations: Instrumentation[] = [];
  if (names.includes('http')) {
    if (lean) {
      instrumentations.push(
        new HttpServerInstrumentation({
          ignoreIncomingRequest: (req) => isIgnoredRequest(req, ignored),
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
    } else {
      instrumentations.push(
        new HttpInstrumentation({
          ignoreIncomingRequestHook: (req) => isIgnoredRequest(req, ignored),
          ...httpEdgeHooks(http, options.untrustedContext),
          headersToSpanAttributes: http.captured,
        }),
      );
    }
  }
  if (names.includes('express')) {
    instrumentations.push(
      lean && layerSpans.length === 0
        ? new ExpressRouteInstrumentation()
        : new ExpressInstrumentation({
            ignoreLayersType: ignoredExpressLayers(layerSpans),
          }),
    );
  }
  if (names.includes('pino')) {
    // Log sending turns every pino line into a log record for the global LoggerProvider (set up
    // when a logs exporter is configured); log correlation adds trace_id/span_id to the JSON
    // line itself when a span is active.
    instrumentations.push(new PinoInstrumentation());
  }
  const others = names.filter(
    (n) => n !== 'http' && n !== 'express' && n !== 'pino',
  );
  if (others.length > 0)
    instrumentations.push(...loadAutoInstrumentations(others));
  return instrumentations;
}

function loadAutoInstrumentations(names: string[]): Instrumentation[] {
  // Loaded lazily on purpose (see createInstrumentations): a plain require, not an import.
  const auto =
    require('@opentelemetry/auto-instrumentations-node') as typeof import('@opentelemetry/auto-instrumentations-node');
  const wanted = new Set(
    names.map((name) => `@opentelemetry/instrumentation-${name}`),
  );
  // Asked about every instrumentation it has, this says on or off itself, so the package does
  // not fall back to reading OTEL_NODE_*_INSTRUMENTATIONS from process.env: the configuration
  // model decided. http and express are ours above, configured for this library: never a
  // second instance.
  const config = new Proxy(
    {},
    {
      get: (_target, name) => ({ enabled: wanted.has(String(name)) }),
      ownKeys: () => [],
    },
  );
  const loaded = auto.getNodeAutoInstrumentations(
    config as Parameters<typeof auto.getNodeAutoInstrumentations>[0],
  ) as Instrumentation[];
  const found = new Set(loaded.map((i) => i.instrumentationName));
  const missing = names.filter(
    (name) => !found.has(`@opentelemetry/instrumentation-${name}`),
  );
  if (missing.length > 0)
    throw new TelemetryConfigError(
      'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
      `OTEL_NODE_ENABLED_INSTRUMENTATIONS names ${missing.join(', ')}, which @opentelemetry/auto-instrumentations-node does not provide; names are package suffixes such as http, express, pg`,
    );
  return loaded;
}
