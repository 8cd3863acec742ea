/**
 * The "dd" variant's telemetry: Datadog's Node tracer, dd-trace, at its defaults — `init()` with
 * no options, every setting from the environment — on the same app as the getting-started peer
 * (peer-server.ts). Spans through `tracer.trace()` and `span.setTag()`, the app's two counters
 * through `tracer.dogstatsd.increment()`: how Datadog's documentation has a Node service add
 * custom spans and metrics. dd-trace's own instrumentations (http, express, router, …) make
 * the request's spans.
 *
 * The bench sends its traces and metrics to a stand-in agent on 127.0.0.1 (datadog-agent.ts)
 * and turns off, by their documented variables, the features that would send anything else
 * (lib/variants.ts, DATADOG_ENV). Without `init()` (PEER_TRACER=off, the "dd-off" variant)
 * dd-trace's proxy answers every call with its no-ops, as the OpenTelemetry API does without an
 * SDK: nothing is instrumented, nothing is sent.
 */
import { subscribe } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:net';
import type tracerModule from 'dd-trace';
import type { PeerTracing } from './peer-server.js';

type DatadogTracer = typeof tracerModule;
type DatadogSpan = ReturnType<DatadogTracer['startSpan']>;

export function datadogPeerTracing(tracer: DatadogTracer): PeerTracing<DatadogSpan> {
  return {
    // A throw inside is recorded on the span (error tags) by tracer.trace itself.
    inSpan: (name, work) => tracer.trace(name, (span) => work(span)),
    setAttribute: (span, key, value) => {
      span.setTag(key, value);
    },
    countRequest: () => tracer.dogstatsd.increment('request_counter', 1),
    countRoll: (face) => tracer.dogstatsd.increment('dice.rolls', 1, { 'roll.value': face }),
  };
}

/**
 * Counts the spans dd-trace finishes, from the `dd-trace:span:finish` diagnostics channel it
 * publishes every finished span on (whether or not anyone listens), so the bench can judge
 * delivery like for the other variants: ended in the app vs decoded by the agent.
 */
export function countFinishedSpans(): () => number {
  let finished = 0;
  subscribe('dd-trace:span:finish', () => {
    finished++;
  });
  return () => finished;
}

/**
 * Serves the count on a plain TCP port (`PEER_SPANS_PORT`): one JSON line per connection,
 * `{"ended": N}`. Not HTTP, so reading it makes no span itself (dd-trace traces HTTP servers,
 * not raw TCP accepts), and the count stays exactly the app's.
 */
export function serveSpanCount(port: number, ended: () => number): Server {
  const server = createServer((socket) => {
    socket.end(`${JSON.stringify({ ended: ended() })}\n`);
  });
  server.listen(port, '127.0.0.1');
  return server;
}
