/**
 * One dice-api request's telemetry, done the cheapest correct way: the "floor" the benchmark
 * sets the library against. Per request, as dice-api does it with the SDK on:
 *
 * - three spans — the HTTP server span (`GET /rolldice`, kind SERVER, the 12 attributes dice-api
 *   exports for it), `do_roll` (`roll.value`) and `do_important_job` — with ids from a pooled
 *   random buffer, encoded to OTLP protobuf when they end (compact-tracer.ts);
 * - three AsyncLocalStorage runs making each span the active one, children finding their parent
 *   through `getStore()`;
 * - three metric records (metric-cells.ts): `http.server.request.duration` (5 attributes),
 *   `request_counter` (none) and `dice.rolls` (`roll.value`). The description of the
 *   floor names two records; dice-api makes three, so the floor does too.
 *
 * Not in it: reading the attributes off the request (the values come ready, as strings and
 * numbers an instrumentation would have read), hooking the server and the response, the
 * transport of the batches, and anything the app does without telemetry.
 *
 * With a sampling ratio below 1, an unsampled request makes no spans and encodes nothing but
 * still runs its three contexts (children must see "not sampled" and not start traces of their
 * own) and all three metric records, as a correct head-sampled tracer must.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CompactSpan,
  CompactTracer,
  IdPool,
  SPAN_KIND_INTERNAL,
  SPAN_KIND_SERVER,
  type ScopeInfo,
} from './compact-tracer.js';
import { CellTable, CounterCell, HistogramCell, HTTP_DURATION_BOUNDARIES } from './metric-cells.js';

/** What the instrumentation would have read off the request and the socket. */
export const REQUEST = {
  method: 'GET',
  path: '/rolldice',
  scheme: 'http',
  protocolVersion: '1.1',
  serverAddress: '127.0.0.1',
  serverPort: 38417,
  userAgent: 'autocannon/9.0.0',
  clientAddress: '127.0.0.1',
  peerAddress: '127.0.0.1',
  /** Ten keep-alive connections: ten peer ports, taken in turn. */
  peerPorts: [52410, 52412, 52414, 52416, 52418, 52420, 52422, 52424, 52426, 52428],
  route: '/rolldice',
  statusCode: 200,
} as const;

export const RESOURCE = {
  'service.name': 'dice-api',
  'service.version': '0.0.1',
  'service.instance.id': '3f1b0c52-7a44-4b8e-9d0e-2c6f1a9e5d17',
  'deployment.environment.name': 'development',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.version': '3.1.0',
  'host.name': 'dice-api-7c9d8f6b5-x2x7q',
  'process.pid': 4242,
  'process.runtime.name': 'nodejs',
  'process.runtime.version': '24.21.0',
} as const;

export const SCOPES: readonly ScopeInfo[] = [
  { name: '@otel-dice/telemetry', version: '0.0.1' },
  { name: 'dice-api', version: '0.0.1' },
];
const HTTP_SCOPE = 0;
const APP_SCOPE = 1;

/** The active context of an unsampled request: children see it and make no span either. */
const NOT_SAMPLED = new CompactSpan();

export interface FloorApp {
  /** Request number `i`: all of its telemetry. */
  request(i: number): void;
  readonly tracer: CompactTracer;
  readonly requestCounter: CounterCell;
  readonly rolls: CellTable<CounterCell>;
  readonly durations: CellTable<HistogramCell>;
  /** Flushes the spans of a partial batch. */
  flush(): void;
}

/**
 * `send` receives each ExportTraceServiceRequest (valid until the next one is framed) and its
 * span count. `samplingRatio` 1 = always on.
 */
export function createFloorApp(
  send: (request: Uint8Array, spans: number) => void,
  samplingRatio = 1,
  batchSpans?: number,
): FloorApp {
  const threshold = samplingRatio >= 1 ? 2 ** 32 : Math.floor(samplingRatio * 2 ** 32);
  const tracer = new CompactTracer(RESOURCE, SCOPES, send, batchSpans, threshold);
  const storage = new AsyncLocalStorage<CompactSpan>();
  const requestCounter = new CounterCell();
  const rolls = new CellTable(1, () => new CounterCell());
  const durations = new CellTable(5, () => new HistogramCell(HTTP_DURATION_BOUNDARIES));

  const roll = (span: CompactSpan | undefined, face: number): void => {
    if (span) span.setAttribute('roll.value', face);
    rolls.cell(face)?.add(1);
  };
  const importantJob = (): void => {
    // the app's work; nothing to record
  };
  const child = (name: string, work: (span: CompactSpan | undefined, face: number) => void, face: number) => {
    const parent = storage.getStore();
    const span =
      parent === undefined || parent === NOT_SAMPLED
        ? undefined
        : tracer.startSpan(name, SPAN_KIND_INTERNAL, APP_SCOPE, parent);
    storage.run(span ?? NOT_SAMPLED, work, span, face);
    if (span) tracer.endSpan(span);
  };
  const handler = (face: number): void => {
    requestCounter.add(1);
    child('do_roll', roll, face);
    child('do_important_job', importantJob, face);
  };

  return {
    tracer,
    requestCounter,
    rolls,
    durations,
    flush: () => tracer.flush(),
    request(i: number): void {
      const face = (i % 6) + 1;
      const server = tracer.startSpan(REQUEST.method, SPAN_KIND_SERVER, HTTP_SCOPE, undefined);
      const startMs = server ? server.startMs : performance.now();
      if (server) {
        server.setAttribute('http.request.method', REQUEST.method);
        server.setAttribute('url.scheme', REQUEST.scheme);
        server.setAttribute('server.address', REQUEST.serverAddress);
        server.setAttribute('network.peer.address', REQUEST.peerAddress);
        server.setAttribute('network.peer.port', REQUEST.peerPorts[i % REQUEST.peerPorts.length] as number);
        server.setAttribute('server.port', REQUEST.serverPort);
        server.setAttribute('url.path', REQUEST.path);
        server.setAttribute('user_agent.original', REQUEST.userAgent);
        server.setAttribute('network.protocol.version', REQUEST.protocolVersion);
        server.setAttribute('client.address', REQUEST.clientAddress);
      }
      storage.run(server ?? NOT_SAMPLED, handler, face);
      let endMs: number;
      if (server) {
        server.name = `${REQUEST.method} ${REQUEST.route}`;
        server.setAttribute('http.route', REQUEST.route);
        server.setAttribute('http.response.status_code', REQUEST.statusCode);
        tracer.endSpan(server);
        endMs = server.endMs;
      } else {
        endMs = performance.now();
      }
      durations
        .cell(REQUEST.method, REQUEST.scheme, REQUEST.protocolVersion, REQUEST.route, REQUEST.statusCode)
        ?.record((endMs - startMs) / 1000);
    },
  };
}

/**
 * The parts of a request on their own, for the `floor` command's breakdown: each is one
 * request's share of that part (3 spans, 3 contexts, 3 records, 10 id words).
 */
export function floorComponents(send: (request: Uint8Array, spans: number) => void): Record<string, (i: number) => void> {
  const ids = new IdPool();
  const storage = new AsyncLocalStorage<object>();
  const stores = [{}, {}, {}];
  const leaf = () => {
    storage.getStore();
  };
  const handler = () => {
    storage.getStore();
    storage.run(stores[1] as object, leaf);
    storage.run(stores[2] as object, leaf);
  };
  const tracer = new CompactTracer(RESOURCE, SCOPES, send);
  const counter = new CounterCell();
  const rolls = new CellTable(1, () => new CounterCell());
  const durations = new CellTable(5, () => new HistogramCell(HTTP_DURATION_BOUNDARIES));
  const prebuilt = prebuiltSpans(tracer);
  return {
    ids: () => {
      for (let k = 0; k < 10; k++) ids.word();
    },
    context: () => {
      storage.run(stores[0] as object, handler);
    },
    spans: (i) => {
      const server = tracer.startSpan('GET', SPAN_KIND_SERVER, HTTP_SCOPE, undefined) as CompactSpan;
      fillServerAttributes(server, i);
      const rollSpan = tracer.startSpan('do_roll', SPAN_KIND_INTERNAL, APP_SCOPE, server) as CompactSpan;
      rollSpan.setAttribute('roll.value', (i % 6) + 1);
      rollSpan.endMs = performance.now();
      const job = tracer.startSpan('do_important_job', SPAN_KIND_INTERNAL, APP_SCOPE, server) as CompactSpan;
      job.endMs = performance.now();
      server.endMs = performance.now();
    },
    metrics: (i) => {
      counter.add(1);
      rolls.cell((i % 6) + 1)?.add(1);
      durations.cell('GET', 'http', '1.1', '/rolldice', 200)?.record(0.0004 + (i % 7) * 1e-5);
    },
    encode: () => {
      for (const span of prebuilt) {
        span.ended = false;
        tracer.endSpan(span);
      }
    },
  };
}

function fillServerAttributes(server: CompactSpan, i: number): void {
  server.setAttribute('http.request.method', REQUEST.method);
  server.setAttribute('url.scheme', REQUEST.scheme);
  server.setAttribute('server.address', REQUEST.serverAddress);
  server.setAttribute('network.peer.address', REQUEST.peerAddress);
  server.setAttribute('network.peer.port', REQUEST.peerPorts[i % REQUEST.peerPorts.length] as number);
  server.setAttribute('server.port', REQUEST.serverPort);
  server.setAttribute('url.path', REQUEST.path);
  server.setAttribute('user_agent.original', REQUEST.userAgent);
  server.setAttribute('network.protocol.version', REQUEST.protocolVersion);
  server.setAttribute('client.address', REQUEST.clientAddress);
  server.setAttribute('http.route', REQUEST.route);
  server.setAttribute('http.response.status_code', REQUEST.statusCode);
  server.name = `${REQUEST.method} ${REQUEST.route}`;
}

function prebuiltSpans(tracer: CompactTracer): CompactSpan[] {
  const server = tracer.startSpan('GET', SPAN_KIND_SERVER, HTTP_SCOPE, undefined) as CompactSpan;
  fillServerAttributes(server, 0);
  const roll = tracer.startSpan('do_roll', SPAN_KIND_INTERNAL, APP_SCOPE, server) as CompactSpan;
  roll.setAttribute('roll.value', 4);
  const job = tracer.startSpan('do_important_job', SPAN_KIND_INTERNAL, APP_SCOPE, server) as CompactSpan;
  return [roll, job, server];
}
