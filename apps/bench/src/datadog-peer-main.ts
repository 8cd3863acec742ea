/**
 * Entry of the "dd" and "dd-off" variants' process (Datadog's dd-trace, see
 * roles/datadog-peer.ts), bundled separately like the other peers. dd-trace is initialized
 * first; the app module, which loads express, is required only afterwards — dd-trace's own
 * rule ("init() before importing other libraries"). PEER_SPANS_PORT (set by the bench with the
 * tracer on) serves the count of finished spans.
 */
import { peerTracerModeOrExit } from './roles/peer-mode.js';

const mode = peerTracerModeOrExit('datadog peer');
const tracer = require('dd-trace') as typeof import('dd-trace');
let flush = (): Promise<void> => Promise.resolve();
const spansPort = process.env['PEER_SPANS_PORT'];
if (mode === 'on') {
  tracer.init();
  const { countFinishedSpans, serveSpanCount } =
    require('./roles/datadog-peer.js') as typeof import('./roles/datadog-peer.js');
  const ended = countFinishedSpans();
  if (spansPort !== undefined) {
    const port = Number(spansPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      process.stderr.write(`datadog peer: PEER_SPANS_PORT must be a port number, got ${JSON.stringify(spansPort)}\n`);
      process.exit(1);
    }
    serveSpanCount(port, ended);
  }
  // dd-trace has no public call to flush traces: they leave on its own 2 s timer (and at a
  // natural exit). The bench waits for every span to arrive before it stops the process.
  flush = () => {
    tracer.dogstatsd.flush();
    return Promise.resolve();
  };
}
const { datadogPeerTracing } =
  require('./roles/datadog-peer.js') as typeof import('./roles/datadog-peer.js');
const { createPeerApp, servePeer } =
  require('./roles/peer-server.js') as typeof import('./roles/peer-server.js');
servePeer(createPeerApp(datadogPeerTracing(tracer)), flush);
