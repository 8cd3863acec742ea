/**
 * ISSUE 12 — the span contract: the library's lean HTTP server instrumentation (default) and
 * upstream `@opentelemetry/instrumentation-http` + `-express` (TELEMETRY_HTTP_INSTRUMENTATION=
 * upstream) make the same server spans, request for request.
 *
 * The BUILT dice-api runs in both modes, each in two set-ups (`default`, and `edge`: every roll a
 * 7, a trusted proxy, incoming context not trusted, one more redacted parameter), exporting over
 * OTLP/gRPC to a receiver of its own. Every request below goes out on a connection of its own,
 * byte for byte (support/raw-http.ts), so the server span it made is the one whose
 * `network.peer.port` is that connection's port. Each app is stopped with SIGTERM before its
 * spans are read: the shutdown flush delivers everything, so "no span" is a fact, not a timeout.
 *
 * Per request, compared between the modes (`ServerView`): span name, kind, status code and
 * message, every attribute key with its value, events, links, parent (none / the caller's span),
 * trace id (the caller's / a new one), trace state, OTLP flags (sampled, remote parent), and the
 * spans under it (name, kind, status, parent, attribute keys). On top, each request has concrete
 * expectations (`Expect`) that both modes must meet, so two equally wrong answers still fail.
 * Per set-up: no span beyond the requests' traces (none for /healthz or /metrics in either mode),
 * the same resource, and the same `http.server.request.duration` series on /metrics with the
 * counts the requests imply.
 *
 * Express spans: the library configures the upstream Express instrumentation with every layer
 * type ignored (no `expressLayerSpans`), so it makes no span of its own and only names the route.
 * The contract is therefore strict: do_roll and do_important_job are direct children of the
 * server span in both modes, and any Express span in either mode fails the test.
 *
 * Excluded from the comparison: span and trace ids and timestamps (compared as structure:
 * parent, caller's or new trace), plus the per-process values in NORMALIZED_ATTRIBUTES and
 * PER_PROCESS_RESOURCE. The one intended difference, the instrumentation scope, is in SCOPE.
 */
import {
  startOtlpReceiver,
  stopAllProcesses,
  type AttributeValue,
  type Attributes,
  type NodeProcess,
  type ReceivedSpan,
} from '@otel-dice/test-support';
import { crashSigns, exporterWarnings } from './support/app-output.js';
import { readFreshAppMetrics, startDiceApi } from './support/dice-api.js';
import type { MetricSample } from './support/metrics-text.js';
import { sendRaw, type RawRequest } from './support/raw-http.js';
import {
  groupByTrace,
  SERVER_KIND,
  STATUS_ERROR,
  STATUS_UNSET,
} from './support/traces.js';

/** Attribute values that differ per process or connection, and how each is checked instead. */
const NORMALIZED_ATTRIBUTES: Record<string, string> = {
  // The client's ephemeral port: must equal the local port of the request's connection (that is
  // how the span is found), then compared as the placeholder.
  'network.peer.port': '<client port>',
  // The app's port, random per process, as the Host header names it: must equal the port the
  // app listens on, then compared as the placeholder. Other ports (Forwarded, X-Forwarded-Host,
  // an IPv6 Host) are compared as they are.
  'server.port': '<app port>',
};
/**
 * Resource attributes that differ per process by definition (the rest must be equal):
 * `service.instance.id` is a new UUID per start, `process.pid` the process's own.
 */
const PER_PROCESS_RESOURCE = ['service.instance.id', 'process.pid'];

/**
 * Where the modes differ on purpose, each asserted concretely below: the instrumentation scope
 * (`otel_scope_name`/`otel_scope_version` on /metrics) names the code that made the span — the
 * point of the switch, not a difference in the span.
 */
const SCOPE = {
  lean: { name: '@otel-dice/telemetry/http-server', version: '0.1.0' },
  upstream: { name: '@opentelemetry/instrumentation-http' },
} as const;

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
/** OTLP Span.flags: W3C sampled bit, "is-remote known" and "parent is remote". */
const FLAGS_SAMPLED_LOCAL_PARENT = 0x101;
const FLAGS_SAMPLED_REMOTE_PARENT = 0x301;
/** `http.server.request.duration` as the app's Prometheus exporter names it (no unit suffix). */
const DURATION = 'http_server_request_duration_';
const COUNT = `${DURATION}count`;
/** The library's default OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT. */
const VALUE_LIMIT = 4096;

type Mode = keyof typeof SCOPE;
const MODES: readonly Mode[] = ['lean', 'upstream'];
const MODE_ENV: Record<Mode, Record<string, string | undefined>> = {
  // Unset, not `lean`: the default is what is under test.
  lean: { TELEMETRY_HTTP_INSTRUMENTATION: undefined },
  upstream: { TELEMETRY_HTTP_INSTRUMENTATION: 'upstream' },
};

type Setup = 'default' | 'edge';
const SETUP_ENV: Record<Setup, Record<string, string>> = {
  default: { DICE_FAULT: 'off' },
  edge: {
    DICE_FAULT: 'always',
    TELEMETRY_HTTP_TRUSTED_PROXIES: '127.0.0.1',
    TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT: 'false',
    TELEMETRY_HTTP_REDACT_QUERY_PARAMS: 'email',
  },
};

/** What a request's server span must say in both modes (`attributes`: undefined = absent). */
interface Expect {
  name: string;
  error: boolean;
  attributes: Record<string, AttributeValue | undefined>;
  /** The spans in its trace besides the server span. */
  children: 'do_roll + do_important_job' | 'none';
  parent: 'none' | 'caller';
  /** Set when the caller's context is linked instead of continued. */
  linksCaller?: boolean;
}

interface Case {
  id: string;
  setup: Setup;
  method?: string;
  target: string;
  headers?: [string, string][];
  /** Host header: `127.0.0.1:<app port>` when omitted, none when null. */
  host?: string | null;
  version?: '1.0' | '1.1';
  status: number;
  /** 'none': no span at all, in either mode. */
  span: Expect | 'none';
  /**
   * The request's `http.server.request.duration` record, when it differs from what its span
   * implies (one record with the span's route; none without a span).
   */
  histogram?: { route: string };
  /**
   * Set where the expected span is upstream's own quirk rather than what the semantic
   * conventions ask for: one line on why. The lean code keeps each one on purpose, so that
   * switching instrumentations changes no span; the test pins it so a change is a decision.
   */
  quirk?: string;
}

const ROLL = 'do_roll + do_important_job' as const;
const APP_HOST = {
  'server.address': '127.0.0.1',
  'server.port': '<app port>',
};
const routed = (
  name: string,
  status: number,
  extra: Record<string, AttributeValue | undefined> = {},
  more: Partial<Expect> = {},
): Expect => ({
  name,
  error: status >= 500,
  attributes: {
    'http.route': '/rolldice',
    'http.response.status_code': status,
    'error.type': status >= 500 ? String(status) : undefined,
    'url.path': '/rolldice',
    'url.query': undefined,
    ...APP_HOST,
    ...extra,
  },
  children: ROLL,
  parent: 'none',
  ...more,
});
const unrouted = (
  method: string,
  path: string,
  extra: Record<string, AttributeValue | undefined> = {},
): Expect => ({
  name: method,
  error: false,
  attributes: {
    'http.route': undefined,
    'http.response.status_code': 404,
    'error.type': undefined,
    'url.path': path,
    ...APP_HOST,
    ...extra,
  },
  children: 'none',
  parent: 'none',
});

const CASES: Case[] = [
  {
    id: 'GET /rolldice',
    setup: 'default',
    target: '/rolldice',
    status: 200,
    span: routed('GET /rolldice', 200, {
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
      'network.peer.address': '127.0.0.1',
      'client.address': '127.0.0.1',
      'user_agent.original': undefined,
      'http.request.method_original': undefined,
    }),
  },
  {
    id: '?rolls=3',
    setup: 'default',
    target: '/rolldice?rolls=3',
    status: 200,
    span: routed('GET /rolldice', 200, { 'url.query': 'rolls=3' }),
  },
  {
    id: 'credentials in the query',
    setup: 'default',
    target:
      '/rolldice?rolls=2&token=t0k3n&Password=hunter2&X-Amz-Signature=s1g',
    status: 200,
    span: routed('GET /rolldice', 200, {
      'url.query':
        'rolls=2&token=REDACTED&Password=REDACTED&X-Amz-Signature=REDACTED',
    }),
  },
  {
    // issue 20: names were matched whole, so these reached url.query
    id: 'credentials in the query, by part and word of the name',
    setup: 'default',
    target:
      '/rolldice?rolls=2&myPassword=hunter2&otp=123456&pageToken=t0k&x-api-key=k3y&apiKey=k4y&colour=red',
    status: 200,
    span: routed('GET /rolldice', 200, {
      'url.query':
        'rolls=2&myPassword=REDACTED&otp=REDACTED&pageToken=REDACTED&x-api-key=REDACTED&apiKey=REDACTED&colour=red',
    }),
  },
  {
    id: 'bad input (400)',
    setup: 'default',
    target: '/rolldice?rolls=abc',
    status: 400,
    span: {
      ...routed('GET /rolldice', 400, { 'url.query': 'rolls=abc' }),
      children: 'none',
    },
  },
  {
    id: 'unknown route (404)',
    setup: 'default',
    target: '/nope',
    status: 404,
    span: unrouted('GET', '/nope'),
  },
  {
    id: 'strict routing: trailing slash',
    setup: 'default',
    target: '/rolldice/',
    status: 404,
    span: unrouted('GET', '/rolldice/'),
  },
  {
    id: 'dot segments (url.path normalized, not routed)',
    setup: 'default',
    target: '/a/../rolldice',
    status: 404,
    span: unrouted('GET', '/rolldice'),
  },
  {
    id: 'percent-encoded and unsafe path characters',
    setup: 'default',
    target: '/roll%64ice/{x}^',
    status: 404,
    span: unrouted('GET', '/roll%64ice/%7Bx%7D%5E'),
  },
  {
    id: 'absolute-form request target',
    setup: 'default',
    target: 'http://other.example/rolldice?rolls=1',
    status: 200,
    span: routed('GET', 200, {
      'url.query': 'rolls=1',
      'http.route': undefined,
    }),
    quirk:
      'Express serves /rolldice, but the Express instrumentation only believes a literal route the raw target starts with, and this one starts with "http:"',
  },
  {
    id: 'protocol-relative request target',
    setup: 'default',
    target: '//rolldice',
    status: 404,
    span: unrouted('GET', '/'),
    quirk:
      'url.path comes from new URL(target, base), which reads //rolldice as a host named rolldice',
  },
  {
    id: 'HEAD',
    setup: 'default',
    method: 'HEAD',
    target: '/rolldice',
    status: 200,
    span: routed('HEAD /rolldice', 200, { 'http.request.method': 'HEAD' }),
  },
  {
    id: 'POST (no such route)',
    setup: 'default',
    method: 'POST',
    target: '/rolldice',
    headers: [['Content-Length', '0']],
    status: 404,
    span: unrouted('POST', '/rolldice', { 'http.request.method': 'POST' }),
  },
  {
    id: 'a method the conventions do not know',
    setup: 'default',
    method: 'PURGE',
    target: '/rolldice',
    status: 404,
    span: unrouted('PURGE', '/rolldice', {
      'http.request.method': '_OTHER',
      'http.request.method_original': 'PURGE',
    }),
  },
  {
    id: 'sampled traceparent: the caller’s trace continued',
    setup: 'default',
    target: '/rolldice',
    headers: [
      ['traceparent', `00-${CALLER_TRACE}-${CALLER_SPAN}-01`],
      ['tracestate', 'vendor=value'],
    ],
    status: 200,
    span: routed('GET /rolldice', 200, {}, { parent: 'caller' }),
  },
  {
    id: 'invalid traceparent: a new trace',
    setup: 'default',
    target: '/rolldice',
    headers: [['traceparent', `00-${'0'.repeat(32)}-${CALLER_SPAN}-01`]],
    status: 200,
    span: routed('GET /rolldice', 200),
  },
  {
    id: 'unsampled traceparent: nothing recorded (parentbased)',
    setup: 'default',
    target: '/rolldice',
    headers: [['traceparent', `00-${CALLER_TRACE}-${CALLER_SPAN}-00`]],
    status: 200,
    span: 'none',
    // The histogram counts every request served, sampled or not.
    histogram: { route: '/rolldice' },
  },
  {
    id: 'X-Forwarded-For from an untrusted peer, User-Agent',
    setup: 'default',
    target: '/rolldice',
    headers: [
      ['X-Forwarded-For', '198.51.100.7'],
      ['User-Agent', 'conformance-client/1.0'],
    ],
    status: 200,
    span: routed('GET /rolldice', 200, {
      'client.address': '127.0.0.1',
      'user_agent.original': 'conformance-client/1.0',
    }),
  },
  {
    id: 'a header value over the length limit',
    setup: 'default',
    target: '/rolldice',
    headers: [['User-Agent', `long/${'x'.repeat(6000)}`]],
    status: 200,
    span: routed('GET /rolldice', 200, {
      'user_agent.original': `long/${'x'.repeat(VALUE_LIMIT - 5)}`,
    }),
  },
  {
    // issue 20: a client chose server.address/server.port with forwarding headers
    id: 'Forwarded host and proto from an untrusted peer',
    setup: 'default',
    target: '/rolldice',
    headers: [['Forwarded', 'for=198.51.100.8;host=api.example;proto=https']],
    status: 200,
    span: routed('GET /rolldice', 200, {
      ...APP_HOST,
      'client.address': '127.0.0.1',
    }),
  },
  {
    id: 'X-Forwarded-Host with a port from an untrusted peer',
    setup: 'default',
    target: '/rolldice',
    headers: [
      ['X-Forwarded-Host', 'dice.example:8443'],
      ['X-Forwarded-Proto', 'https'],
    ],
    status: 200,
    span: routed('GET /rolldice', 200, {
      ...APP_HOST,
      'url.scheme': 'http',
    }),
  },
  {
    // issue 20: recorded server.port=NaN
    id: 'X-Forwarded-Host with an invalid port from an untrusted peer',
    setup: 'default',
    target: '/rolldice',
    headers: [['X-Forwarded-Host', 'evil.example:notaport']],
    status: 200,
    span: routed('GET /rolldice', 200, { ...APP_HOST }),
  },
  {
    id: 'Host with an invalid port',
    setup: 'default',
    target: '/rolldice',
    host: 'dice.example:notaport',
    status: 200,
    span: routed('GET /rolldice', 200, {
      'server.address': 'dice.example',
      'server.port': undefined,
      'url.path': undefined,
    }),
    quirk:
      'url.path (required by the conventions) is dropped when <scheme>://<Host> does not parse as a URL',
  },
  {
    id: 'IPv6 Host header',
    setup: 'default',
    target: '/rolldice',
    host: '[::1]:8080',
    status: 200,
    span: routed('GET /rolldice', 200, {
      'server.address': '[::1]',
      'server.port': 8080,
    }),
  },
  {
    id: 'Host without a port',
    setup: 'default',
    target: '/rolldice',
    host: 'dice.example',
    status: 200,
    span: routed('GET /rolldice', 200, {
      'server.address': 'dice.example',
      'server.port': 80,
    }),
  },
  {
    id: 'malformed Host header',
    setup: 'default',
    target: '/rolldice',
    host: 'bad host',
    status: 200,
    span: routed('GET /rolldice', 200, {
      'server.address': 'bad host',
      'server.port': 80,
      'url.path': undefined,
    }),
    quirk:
      'url.path (required by the conventions) is dropped when <scheme>://<Host> does not parse as a URL',
  },
  {
    id: 'empty X-Forwarded-Host',
    setup: 'default',
    target: '/rolldice',
    headers: [['X-Forwarded-Host', '']],
    status: 200,
    span: routed('GET /rolldice', 200, { ...APP_HOST }),
  },
  {
    id: 'HTTP/1.0 without Host',
    setup: 'default',
    target: '/rolldice',
    host: null,
    version: '1.0',
    status: 200,
    span: routed('GET /rolldice', 200, {
      'server.address': undefined,
      'server.port': undefined,
      'network.protocol.version': '1.0',
    }),
  },
  {
    id: 'HTTP/1.1 without Host: refused by Node before any listener',
    setup: 'default',
    target: '/rolldice',
    host: null,
    status: 400,
    span: 'none',
  },
  {
    id: '/healthz',
    setup: 'default',
    target: '/healthz',
    status: 200,
    span: 'none',
  },
  {
    id: '/metrics with a query string',
    setup: 'default',
    target: '/metrics?x=1',
    status: 200,
    span: 'none',
  },
  {
    id: '/metrics/ is not /metrics',
    setup: 'default',
    target: '/metrics/',
    status: 404,
    span: unrouted('GET', '/metrics/'),
  },
  {
    id: '500 (single roll)',
    setup: 'edge',
    target: '/rolldice',
    status: 500,
    span: routed('GET /rolldice', 500),
  },
  {
    id: '500 (?rolls=3)',
    setup: 'edge',
    target: '/rolldice?rolls=3',
    status: 500,
    span: routed('GET /rolldice', 500, { 'url.query': 'rolls=3' }),
  },
  {
    id: '500 (HEAD)',
    setup: 'edge',
    method: 'HEAD',
    target: '/rolldice',
    status: 500,
    span: routed('HEAD /rolldice', 500, { 'http.request.method': 'HEAD' }),
  },
  {
    id: '400 is not an error',
    setup: 'edge',
    target: '/rolldice?rolls=abc',
    status: 400,
    span: {
      ...routed('GET /rolldice', 400, { 'url.query': 'rolls=abc' }),
      children: 'none',
    },
  },
  {
    id: 'X-Forwarded-For behind a trusted proxy',
    setup: 'edge',
    target: '/rolldice',
    headers: [['X-Forwarded-For', '198.51.100.7, 203.0.113.9']],
    status: 500,
    span: routed('GET /rolldice', 500, {
      'client.address': '203.0.113.9',
      'network.peer.address': '127.0.0.1',
    }),
  },
  {
    id: 'Forwarded host and proto behind a trusted proxy',
    setup: 'edge',
    target: '/rolldice',
    headers: [['Forwarded', 'for=198.51.100.8;host=api.example;proto=https']],
    status: 500,
    span: routed('GET /rolldice', 500, {
      'server.address': 'api.example',
      'server.port': 443,
    }),
  },
  {
    // The client's own element comes first; the trusted proxy appended the one it read.
    id: 'Forwarded: what the client sent ahead of the trusted proxy is not read',
    setup: 'edge',
    target: '/rolldice',
    headers: [
      [
        'Forwarded',
        'for=192.0.2.1;host=forged.example, for=198.51.100.8;host="dice.example:8443"',
      ],
    ],
    status: 500,
    span: routed('GET /rolldice', 500, {
      'server.address': 'dice.example',
      'server.port': 8443,
    }),
  },
  {
    id: 'X-Forwarded-Host with a port behind a trusted proxy',
    setup: 'edge',
    target: '/rolldice',
    headers: [
      ['X-Forwarded-Host', 'forged.example, dice.example:8443'],
      ['X-Forwarded-Proto', 'https'],
    ],
    status: 500,
    span: routed('GET /rolldice', 500, {
      'server.address': 'dice.example',
      'server.port': 8443,
      'url.scheme': 'http',
    }),
  },
  {
    id: 'X-Forwarded-Host with an invalid port behind a trusted proxy',
    setup: 'edge',
    target: '/rolldice',
    headers: [['X-Forwarded-Host', 'evil.example:notaport']],
    status: 500,
    span: routed('GET /rolldice', 500, {
      'server.address': 'evil.example',
      'server.port': undefined,
    }),
  },
  {
    id: 'untrusted incoming context: linked, not continued',
    setup: 'edge',
    target: '/rolldice',
    headers: [['traceparent', `00-${CALLER_TRACE}-${CALLER_SPAN}-01`]],
    status: 500,
    span: routed('GET /rolldice', 500, {}, { linksCaller: true }),
  },
  {
    id: 'untrusted unsampled context: recorded anyway, linked',
    setup: 'edge',
    target: '/rolldice',
    headers: [['traceparent', `00-${CALLER_TRACE}-${CALLER_SPAN}-00`]],
    status: 500,
    span: routed('GET /rolldice', 500, {}, { linksCaller: true }),
  },
  {
    id: 'a query over the length limit',
    setup: 'edge',
    target: `/rolldice?rolls=1&pad=${'y'.repeat(6000)}`,
    status: 500,
    span: routed('GET /rolldice', 500, {
      'url.query': `rolls=1&pad=${'y'.repeat(VALUE_LIMIT - 12)}`,
    }),
  },
  {
    id: 'TELEMETRY_HTTP_REDACT_QUERY_PARAMS',
    setup: 'edge',
    target: '/rolldice?rolls=1&email=a%40b.c&user_email=d%40e.f&emails=3',
    status: 500,
    span: routed('GET /rolldice', 500, {
      'url.query': 'rolls=1&email=REDACTED&user_email=REDACTED&emails=3',
    }),
  },
];

/** What one request produced in one mode. */
interface Observed {
  status: number;
  localPort: number;
  appPort: number;
  server: ReceivedSpan | undefined;
  /** The server span's trace, server span included. */
  trace: ReceivedSpan[];
}

interface Run {
  observed: Map<string, Observed>;
  spans: ReceivedSpan[];
  /** The `http.server.request.duration` samples (_bucket, _sum, _count) from the app's /metrics. */
  durations: MetricSample[];
  /** Output lines that look like trouble (export warnings, unhandled errors). */
  trouble: string[];
}

const runs = new Map<`${Mode}/${Setup}`, Run>();

function runOf(mode: Mode, setup: Setup): Run {
  const run = runs.get(`${mode}/${setup}`);
  if (!run) throw new Error(`no run for ${mode}/${setup} (beforeAll failed?)`);
  return run;
}

function requestOf(c: Case, appPort: number): RawRequest {
  const host =
    c.host === undefined ? `127.0.0.1:${appPort}` : (c.host ?? undefined);
  return {
    method: c.method ?? 'GET',
    target: c.target,
    version: c.version,
    headers: [
      ...(host === undefined ? [] : [['Host', host] as [string, string]]),
      ...(c.headers ?? []),
    ],
  };
}

async function runMode(mode: Mode, setup: Setup): Promise<Run> {
  const receiver = await startOtlpReceiver();
  let app: NodeProcess | undefined;
  try {
    app = await startDiceApi({
      traceEndpoint: receiver.endpoint,
      env: {
        OTEL_BSP_SCHEDULE_DELAY: '100',
        ...SETUP_ENV[setup],
        ...MODE_ENV[mode],
      },
    });
    const sent = new Map<string, { status: number; localPort: number }>();
    for (const c of CASES.filter((c) => c.setup === setup)) {
      const response = await sendRaw(app.port, requestOf(c, app.port));
      sent.set(c.id, response);
    }
    // one of the cases scraped /metrics: the page it rendered does not have the later requests
    const durations = (await readFreshAppMetrics(app)).filter((s) =>
      s.name.startsWith(DURATION),
    );
    const stopped = await app.stop('SIGTERM');
    if (stopped.code !== 0)
      throw new Error(
        `${mode}/${setup}: app exited ${stopped.code} (${stopped.signal})`,
      );
    const spans = [...receiver.spans];
    const traces = groupByTrace(spans);
    const observed = new Map<string, Observed>();
    for (const [id, response] of sent) {
      const server = spans.find(
        (s) =>
          s.kind === SERVER_KIND &&
          s.attributes['network.peer.port'] === response.localPort,
      );
      observed.set(id, {
        ...response,
        appPort: app.port,
        server,
        trace: server ? (traces.get(server.traceId) ?? []) : [],
      });
    }
    const trouble = [...exporterWarnings(app.lines), ...crashSigns(app.lines)];
    return { observed, spans, durations, trouble };
  } finally {
    await app?.stop();
    await receiver.stop();
  }
}

beforeAll(async () => {
  for (const mode of MODES)
    for (const setup of ['default', 'edge'] as const)
      runs.set(`${mode}/${setup}`, await runMode(mode, setup));
}, 180_000);

afterAll(() => stopAllProcesses());

/** A server span's attributes with the per-connection/per-process values as placeholders. */
function normalizedAttributes(span: ReceivedSpan, o: Observed): Attributes {
  const attributes: Attributes = { ...span.attributes };
  if (attributes['network.peer.port'] === o.localPort)
    attributes['network.peer.port'] =
      NORMALIZED_ATTRIBUTES['network.peer.port'];
  if (attributes['server.port'] === o.appPort)
    attributes['server.port'] = NORMALIZED_ATTRIBUTES['server.port'];
  return attributes;
}

/** Where a span hangs, without its ids. */
function parentOf(span: ReceivedSpan, trace: readonly ReceivedSpan[]): string {
  if (span.parentSpanId === undefined) return 'none';
  if (span.parentSpanId === CALLER_SPAN) return 'caller';
  const parent = trace.find((s) => s.spanId === span.parentSpanId);
  return parent
    ? `${parent.name} (kind ${parent.kind})`
    : `missing ${span.parentSpanId}`;
}

/** Everything the contract says about a request's server span, comparable across modes. */
function serverView(o: Observed) {
  const { server, trace } = o;
  if (!server) return 'no server span';
  const others = trace.filter((s) => s !== server);
  return {
    name: server.name,
    kind: server.kind,
    status: server.status,
    attributes: normalizedAttributes(server, o),
    events: server.events.map((e) => ({
      name: e.name,
      attributes: e.attributes,
    })),
    links: server.links.map((l) => ({
      traceId: l.traceId === CALLER_TRACE ? 'caller' : l.traceId,
      spanId: l.spanId === CALLER_SPAN ? 'caller' : l.spanId,
      attributes: l.attributes,
    })),
    parent: parentOf(server, trace),
    traceId: server.traceId === CALLER_TRACE ? 'caller' : 'new',
    traceState: server.traceState,
    flags: server.flags,
    children: others
      .map((s) => ({
        name: s.name,
        kind: s.kind,
        status: s.status,
        scope: s.scope.name,
        parent: parentOf(s, trace),
        attributeKeys: Object.keys(s.attributes).sort(),
        flags: s.flags,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

describe.each(
  CASES.map(
    (c) =>
      [c.quirk ? `${c.id} (upstream quirk: ${c.quirk})` : c.id, c] as const,
  ),
)('%s', (_id, c) => {
  const observed = (mode: Mode): Observed => {
    const o = runOf(mode, c.setup).observed.get(c.id);
    if (!o) throw new Error(`${c.id} was not sent in ${mode} mode`);
    return o;
  };

  it.each(MODES)(`answers ${c.status} with the expected span (%s)`, (mode) => {
    const o = observed(mode);
    expect(o.status).toBe(c.status);
    if (c.span === 'none') {
      expect(o.server).toBeUndefined();
      return;
    }
    const { server, trace } = o;
    if (!server) throw new Error(`no server span for ${c.id} in ${mode} mode`);
    expect(server.name).toBe(c.span.name);
    expect(server.kind).toBe(SERVER_KIND);
    expect(server.status).toEqual({
      code: c.span.error ? STATUS_ERROR : STATUS_UNSET,
      message: '',
    });
    const attributes = normalizedAttributes(server, o);
    for (const [key, value] of Object.entries(c.span.attributes))
      expect([key, attributes[key]]).toEqual([key, value]);
    expect(server.scope).toMatchObject(SCOPE[mode]);

    const children = trace.filter((s) => s !== server);
    if (c.span.children === 'none') expect(children).toEqual([]);
    else {
      // do_roll and do_important_job, each a direct child of the server span: no Express span
      // in between in either mode (layer spans are off in the library's configuration).
      expect(children.map((s) => [s.name, s.parentSpanId]).sort()).toEqual([
        ['do_important_job', server.spanId],
        ['do_roll', server.spanId],
      ]);
    }
    if (c.span.parent === 'caller') {
      expect(server.traceId).toBe(CALLER_TRACE);
      expect(server.parentSpanId).toBe(CALLER_SPAN);
      expect(server.traceState).toBe('vendor=value');
      expect(server.flags).toBe(FLAGS_SAMPLED_REMOTE_PARENT);
    } else {
      expect(server.traceId).not.toBe(CALLER_TRACE);
      expect(server.parentSpanId).toBeUndefined();
      expect(server.flags).toBe(FLAGS_SAMPLED_LOCAL_PARENT);
    }
    expect(server.links).toEqual(
      c.span.linksCaller
        ? [{ traceId: CALLER_TRACE, spanId: CALLER_SPAN, attributes: {} }]
        : [],
    );
  });

  it('lean and upstream make the same server span and trace', () => {
    expect(serverView(observed('lean'))).toEqual(
      serverView(observed('upstream')),
    );
  });
});

describe.each(['default', 'edge'] as const)('the %s set-up', (setup) => {
  it.each(MODES)(
    'exports nothing but the requests’ traces, and no warning (%s)',
    (mode) => {
      const run = runOf(mode, setup);
      const expected = CASES.filter(
        (c) => c.setup === setup && c.span !== 'none',
      ).map((c) => (c.span !== 'none' && c.span.children !== 'none' ? 3 : 1));
      expect(groupByTrace(run.spans).size).toBe(expected.length);
      expect(run.spans).toHaveLength(expected.reduce((a, b) => a + b, 0));
      expect(run.spans.filter((s) => s.scope.name.includes('express'))).toEqual(
        [],
      );
      expect(run.trouble).toEqual([]);
    },
  );

  it('exports the same resource in both modes (service.name dice-api)', () => {
    const resource = (mode: Mode) => {
      const all = new Set(
        runOf(mode, setup).spans.map((s) => JSON.stringify(s.resource)),
      );
      expect(all.size).toBe(1);
      const attributes = runOf(mode, setup).spans[0]?.resource ?? {};
      for (const key of PER_PROCESS_RESOURCE) {
        expect(attributes[key]).toBeDefined();
        delete attributes[key];
      }
      return attributes;
    };
    const lean = resource('lean');
    expect(lean['service.name']).toBe('dice-api');
    expect(resource('upstream')).toEqual(lean);
  });

  it('records the same http.server.request.duration series in both modes', () => {
    /** Series key: the labels without the scope (which names the instrumentation, see SCOPE). */
    const series = (mode: Mode) => {
      const samples = runOf(mode, setup).durations;
      for (const s of samples)
        expect(s.labels['otel_scope_name']).toBe(SCOPE[mode].name);
      return new Map(
        samples
          .map((s) => {
            const labels = Object.fromEntries(
              Object.entries(s.labels)
                .filter(([k]) => !k.startsWith('otel_scope_'))
                .sort(([a], [b]) => a.localeCompare(b)),
            );
            // Counts compare exactly; sums and bucket counts are timings.
            const value = s.name.endsWith('_count') ? s.value : 'timing';
            return [`${s.name}${JSON.stringify(labels)}`, value] as const;
          })
          .sort(([a], [b]) => a.localeCompare(b)),
      );
    };
    const lean = series('lean');
    expect(series('upstream')).toEqual(lean);
    // …and the series are the ones the requests make: one count per request with a span.
    const counts = [...lean]
      .filter(([key]) => key.startsWith(COUNT))
      .map(([key, value]) => [key.slice(COUNT.length), value] as const);
    expect(new Map(counts)).toEqual(expectedCounts(setup));
  });
});

/** `http.server.request.duration` counts by label set, as the cases predict them. Pure. */
function expectedCounts(setup: Setup): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of CASES) {
    if (c.setup !== setup) continue;
    const route = c.histogram
      ? c.histogram.route
      : c.span === 'none'
        ? null
        : c.span.attributes['http.route'];
    if (route === null) continue;
    const method = c.method ?? 'GET';
    const labels: Record<string, string> = {
      http_request_method: ['GET', 'HEAD', 'POST'].includes(method)
        ? method
        : '_OTHER',
      http_response_status_code: String(c.status),
      network_protocol_version: c.version ?? '1.1',
      url_scheme: 'http',
    };
    if (typeof route === 'string') labels['http_route'] = route;
    if (c.status >= 500) labels['error_type'] = String(c.status);
    const key = JSON.stringify(
      Object.fromEntries(
        Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)),
      ),
    );
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return new Map([...counts].sort(([a], [b]) => a.localeCompare(b)));
}
