/**
 * Entry of the "peer" variant's process (the getting-started OpenTelemetry setup, see
 * roles/peer-telemetry.ts), bundled separately from the benchmark like the limit server. The SDK
 * starts first; the app module, which loads express, is required only afterwards so the
 * instrumentations can patch it — the order the getting-started guide prescribes.
 */
import { startPeerTelemetry } from './roles/peer-telemetry.js';

const telemetry = startPeerTelemetry();
const { servePeer } =
  require('./roles/peer-server.js') as typeof import('./roles/peer-server.js');
servePeer(telemetry);
