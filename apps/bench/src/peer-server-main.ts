/**
 * Entry of the "peer" variant's process (the getting-started OpenTelemetry setup, see
 * roles/peer-telemetry.ts), bundled separately from the benchmark like the limit server. The SDK
 * starts first; the app module, which loads express, is required only afterwards so the
 * instrumentations can patch it — the order the getting-started guide prescribes. With
 * PEER_TRACER=off (the "peer-off" variant) the SDK's module is never loaded: the same app runs
 * on the OpenTelemetry API's no-ops.
 */
import { peerTracerModeOrExit } from './roles/peer-mode.js';

const telemetry =
  peerTracerModeOrExit('peer server') === 'on'
    ? (require('./roles/peer-telemetry.js') as typeof import('./roles/peer-telemetry.js')).startPeerTelemetry()
    : undefined;
const { otelPeerTracing } =
  require('./roles/otel-peer-tracing.js') as typeof import('./roles/otel-peer-tracing.js');
const { createPeerApp, servePeer } =
  require('./roles/peer-server.js') as typeof import('./roles/peer-server.js');
servePeer(createPeerApp(otelPeerTracing(telemetry)), () => telemetry?.shutdown() ?? Promise.resolve());
