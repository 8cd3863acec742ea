/**
 * A stand-in Datadog agent for the "dd" variant: the parts of the agent's HTTP API that dd-trace
 * talks to with the bench's settings, on 127.0.0.1 only, decoding every payload so the bench can
 * count the spans that arrived (as the OTLP receiver does for the other variants).
 *
 * - `PUT`/`POST /v0.4/traces` and `/v0.5/traces` (`Content-Type: application/msgpack`): decoded
 *   and checked (lib/datadog-payload.ts) against `X-Datadog-Trace-Count`; answered like the
 *   agent, 200 with `{"rate_by_service": {...}}`, which dd-trace's priority sampler reads (rate 1:
 *   keep everything, the agent's answer before it has seen any traffic). A payload that does
 *   not decode gets 400 and is counted as refused, not as spans.
 * - `GET /info`: the endpoint list dd-trace's discovery reads (the tracer itself asks only for
 *   some features: Dynamic Instrumentation, LLM Observability, CI Visibility — all off here).
 *   `client_drop_p0s` is false, so the tracer keeps sending every trace.
 * - DogStatsD: `POST /dogstatsd/v2/proxy` (where dd-trace sends `tracer.dogstatsd` metrics once
 *   an agent URL is configured) and UDP datagrams on its own port, lines counted by name.
 * - Anything else: 404, and counted by method and path, so traffic the bench disabled
 *   (telemetry, remote configuration, …) shows up in the report instead of passing unseen.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  countDogStatsdLines,
  DatadogPayloadError,
  decodeTracePayload,
  traceIntakeVersion,
} from '../lib/datadog-payload.js';

/** Larger than any payload dd-trace builds (its msgpack chunks are capped well below this). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Distinct names kept per tally: names come from a small fixed set; this only bounds memory. */
const MAX_NAMES = 1_000;

export interface DatadogAgentCounts {
  /** Accepted trace payloads. */
  payloads: number;
  /** Accepted trace payloads by intake path ("/v0.4/traces", "/v0.5/traces"). */
  payloadsByPath: Record<string, number>;
  traces: number;
  spans: number;
  /** Spans of traces with sampling priority > 0 (what a real agent keeps). */
  keptSpans: number;
  /** Spans by operation name. */
  spanNames: Record<string, number>;
  /** DogStatsD lines by metric name (HTTP proxy and UDP together). */
  metricLines: Record<string, number>;
  /** Requests answered 400/413/415: undecodable or not what the intake takes. */
  refused: number;
  /** The reason of the last refusal. */
  lastRefusal: string | undefined;
  /** Requests to paths this stand-in does not serve, by "METHOD /path". */
  unexpected: Record<string, number>;
}

export interface DatadogAgent {
  /** http://127.0.0.1:PORT once started: the value for DD_TRACE_AGENT_URL. */
  readonly url: string;
  /** The UDP port for DD_DOGSTATSD_PORT. */
  readonly dogstatsdPort: number;
  counts(): DatadogAgentCounts;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface DatadogAgentOptions {
  /** 0 (default): any free port. */
  port?: number;
  dogstatsdPort?: number;
}

/** The stand-in agent's answer to GET /info (a subset of the real agent's fields). */
export const AGENT_INFO = {
  version: 'otel-dice-bench stand-in',
  endpoints: ['/v0.4/traces', '/v0.5/traces', '/info', '/dogstatsd/v2/proxy'],
  client_drop_p0s: false,
  span_meta_structs: false,
  long_running_spans: false,
  config: { statsd_port: 0, receiver_port: 0 },
} as const;

export function createDatadogAgent(options: DatadogAgentOptions = {}): DatadogAgent {
  const counts: DatadogAgentCounts = {
    payloads: 0,
    payloadsByPath: {},
    traces: 0,
    spans: 0,
    keptSpans: 0,
    spanNames: {},
    metricLines: {},
    refused: 0,
    lastRefusal: undefined,
    unexpected: {},
  };
  let server: Server | undefined;
  let udp: Socket | undefined;
  let port = options.port ?? 0;
  let dogstatsdPort = options.dogstatsdPort ?? 0;

  const refuse = (res: ServerResponse, status: number, reason: string) => {
    counts.refused++;
    counts.lastRefusal = reason;
    res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`${reason}\n`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const version = traceIntakeVersion(path);
    if (version !== undefined && (req.method === 'PUT' || req.method === 'POST')) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
      if (type !== 'application/msgpack') {
        refuse(res, 415, `expected Content-Type application/msgpack, got ${JSON.stringify(req.headers['content-type'])}`);
        return;
      }
      const header = req.headers['x-datadog-trace-count'];
      const declared = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
      try {
        const summary = decodeTracePayload(version, body, declared);
        counts.payloads++;
        add(counts.payloadsByPath, path);
        counts.traces += summary.traces;
        counts.spans += summary.spans;
        counts.keptSpans += summary.keptSpans;
        for (const [name, n] of summary.byName) add(counts.spanNames, name, n);
      } catch (error) {
        if (!(error instanceof DatadogPayloadError)) throw error;
        refuse(res, 400, `v${version} payload: ${error.message}`);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ rate_by_service: { 'service:,env:': 1 } }));
      return;
    }
    if (path === '/info' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({ ...AGENT_INFO, config: { statsd_port: dogstatsdPort, receiver_port: port } }),
      );
      return;
    }
    if (path === '/dogstatsd/v2/proxy' && req.method === 'POST') {
      if (!countMetricLines(body.toString('utf8'))) {
        refuse(res, 400, 'DogStatsD: not name:value|type lines');
        return;
      }
      res.writeHead(202).end();
      return;
    }
    add(counts.unexpected, `${req.method ?? '?'} ${path}`);
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
  };

  const countMetricLines = (text: string): boolean => {
    try {
      for (const [name, n] of countDogStatsdLines(text)) add(counts.metricLines, name, n);
      return true;
    } catch (error) {
      if (error instanceof DatadogPayloadError) return false;
      throw error;
    }
  };

  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get dogstatsdPort() {
      return dogstatsdPort;
    },
    counts: () => structuredClone(counts),
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        });
        req.on('end', () => {
          if (size > MAX_BODY_BYTES) refuse(res, 413, `body of ${size} bytes, more than ${MAX_BODY_BYTES}`);
          else handle(req, res, Buffer.concat(chunks));
        });
      });
      server.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve, reject) => {
        server?.once('error', reject);
        server?.listen(port, '127.0.0.1', () => resolve());
      });
      port = (server.address() as AddressInfo).port;

      const socket = createSocket('udp4');
      udp = socket;
      socket.on('message', (message) => {
        if (!countMetricLines(message.toString('utf8'))) {
          counts.refused++;
          counts.lastRefusal = 'DogStatsD datagram: not name:value|type lines';
        }
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(dogstatsdPort, '127.0.0.1', () => resolve());
      });
      dogstatsdPort = socket.address().port;
    },
    async stop() {
      udp?.close();
      udp = undefined;
      if (server) {
        const closing = server;
        server = undefined;
        closing.closeAllConnections();
        await new Promise<void>((resolve) => closing.close(() => resolve()));
      }
    },
  };
}

function add(tally: Record<string, number>, key: string, by = 1): void {
  if (key in tally) tally[key] = (tally[key] as number) + by;
  else if (Object.keys(tally).length < MAX_NAMES) tally[key] = by;
}

/**
 * The agent as a bench child process (`main.js serve-datadog-agent`): the intake on
 * AGENT_PORT, DogStatsD on DOGSTATSD_PORT (UDP), and the control server on APP_PORT answering
 * GET /count with the counts (`spans` as the OTLP receiver's /count names it) and /healthz.
 */
export async function serveDatadogAgent(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const agentPort = Number(env['AGENT_PORT']);
  const dogstatsdPort = Number(env['DOGSTATSD_PORT']);
  const controlPort = Number(env['APP_PORT']);
  for (const [name, value] of [
    ['AGENT_PORT', agentPort],
    ['DOGSTATSD_PORT', dogstatsdPort],
    ['APP_PORT', controlPort],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      process.stderr.write(`datadog agent: ${name} must be a port number, got ${JSON.stringify(env[name])}\n`);
      process.exitCode = 1;
      return;
    }
  }
  const agent = createDatadogAgent({ port: agentPort, dogstatsdPort });
  const control = createServer((req, res) => {
    if (req.url === '/count') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(agent.counts()));
    } else if (req.url === '/healthz') {
      res.writeHead(200).end();
    } else {
      res.writeHead(404).end();
    }
  });
  const stop = async () => {
    control.closeAllConnections();
    control.close();
    await agent.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  await agent.start();
  control.listen(controlPort, '127.0.0.1');
}
