/**
 * The getting-started peer's calls through the OpenTelemetry API. Only the API is imported here,
 * so the peer's "off" (PEER_TRACER=off) runs the app without ever loading the SDK.
 */
import { metrics, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { PeerTelemetry } from './peer-telemetry.js';
import type { PeerTracing } from './peer-server.js';

/**
 * The app's calls through the OpenTelemetry API, as the getting-started guide writes them
 * (`startActiveSpan`, counters from the global meter). Without `startPeerTelemetry()` (the
 * peer's "off") the API's no-op tracer and meter answer, and no /metrics page is served.
 */
export function otelPeerTracing(telemetry?: PeerTelemetry): PeerTracing<Span> {
  const tracer = trace.getTracer('dice-peer');
  const meter = metrics.getMeter('dice-peer');
  const requestCounter = meter.createCounter('request_counter', {
    description: 'Number of requests',
    unit: '1',
  });
  const rollCounter = meter.createCounter('dice.rolls', {
    description: 'Dice rolls by face shown',
    unit: '{roll}',
  });
  return {
    inSpan: (name, work) =>
      tracer.startActiveSpan(name, (span) => {
        try {
          return work(span);
        } catch (error) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
          throw error;
        } finally {
          span.end();
        }
      }),
    setAttribute: (span, key, value) => {
      span.setAttribute(key, value);
    },
    countRequest: () => requestCounter.add(1),
    countRoll: (face) => rollCounter.add(1, { 'roll.value': face }),
    metricsHandler: telemetry
      ? (req, res) => telemetry.prometheus.getMetricsRequestHandler(req, res)
      : undefined,
  };
}
