/**
 * The "peer" variant's telemetry: the getting-started OpenTelemetry setup for Node, as the
 * OpenTelemetry documentation and most tutorials show it — `NodeSDK` with
 * `getNodeAutoInstrumentations()` at its defaults and an OTLP/gRPC trace exporter — so the
 * benchmark can set the library against what a team gets on day one.
 *
 * Two choices are the benchmark's, not the tutorial's, and both make the peer do the same work
 * as dice-api rather than less: metrics go to Prometheus on the app's own `/metrics` (dice-api's
 * default, scraped once a second by the bench in both cases; tutorials often print them to the
 * console instead), and the sampler is `always_on` like the bench's "on" variant (the SDK's
 * default `parentbased_always_on` samples every request the bench sends too). Everything else —
 * resource detectors, the batch span processor's 5 s delay, which instrumentations are on — is
 * the SDK's and auto-instrumentations' own default, read from the same OTEL_* variables.
 */
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { NodeSDK } from '@opentelemetry/sdk-node';

export interface PeerTelemetry {
  /** The Prometheus exporter whose request handler the app mounts on /metrics. */
  readonly prometheus: PrometheusExporter;
  shutdown(): Promise<void>;
}

export function startPeerTelemetry(): PeerTelemetry {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const sdk = new NodeSDK({
    serviceName: 'dice-peer',
    // OTEL_EXPORTER_OTLP_ENDPOINT (set by the bench) is read by the exporter itself.
    traceExporter: new OTLPTraceExporter(),
    metricReaders: [prometheus],
    instrumentations: [getNodeAutoInstrumentations()],
  });
  sdk.start();
  return { prometheus, shutdown: () => sdk.shutdown() };
}
