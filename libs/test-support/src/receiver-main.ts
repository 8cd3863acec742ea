/**
 * Container entry of the OTLP receiver image (libs/test-support/Dockerfile): the test receivers of
 * otlp-receiver.ts (OTLP/gRPC) and otlp-http-receiver.ts (OTLP/HTTP), reachable from other
 * containers, plus an HTTP read-out of what they recorded.
 *
 *   exporters --OTLP/gRPC--> RECEIVER_HOST:OTLP_GRPC_PORT --tcp relay--> gRPC receiver on 127.0.0.1
 *   exporters --OTLP/HTTP--> RECEIVER_HOST:OTLP_HTTP_PORT --tcp relay--> HTTP receiver on 127.0.0.1
 *   tests     --HTTP-------> RECEIVER_HOST:READOUT_PORT   GET /received, GET /healthz
 *
 * One JSON line on stdout once listening; SIGTERM/SIGINT close everything and exit 0. A bad
 * variable stops it at once with one line on stderr naming the variable (exit 2).
 */
import { startOtlpHttpReceiver } from './lib/otlp-http-receiver.js';
import { startOtlpReceiver } from './lib/otlp-receiver.js';
import { startReadoutServer } from './lib/readout-server.js';
import {
  loadReceiverMainConfig,
  type ReceiverMainConfig,
} from './lib/receiver-main-config.js';
import { startTcpRelay } from './lib/tcp-relay.js';

async function main(): Promise<void> {
  let config: ReceiverMainConfig;
  try {
    config = loadReceiverMainConfig(process.env);
  } catch (error) {
    process.stderr.write(`otlp-receiver: ${(error as Error).message}\n`);
    process.exit(2);
  }

  // Kernel-chosen loopback ports; only the relays are reachable from outside.
  const grpc = await startOtlpReceiver();
  const http = await startOtlpHttpReceiver();
  const relays = await Promise.all([
    startTcpRelay({
      listenHost: config.host,
      listenPort: config.grpcPort,
      targetPort: grpc.port,
    }),
    startTcpRelay({
      listenHost: config.host,
      listenPort: config.httpPort,
      targetPort: http.port,
    }),
  ]);
  const readout = await startReadoutServer({
    receivers: [grpc, http],
    host: config.host,
    port: config.readoutPort,
  });
  log({
    msg: 'otlp receiver listening',
    grpc: `${config.host}:${config.grpcPort}`,
    http: `${config.host}:${config.httpPort}`,
    readout: `${config.host}:${readout.port}`,
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log({ msg: 'second signal, exiting at once', signal });
      process.exit(1);
    }
    stopping = true;
    log({
      msg: 'stopping',
      signal,
      exportCalls: grpc.exportCalls + http.exportCalls,
    });
    Promise.all([
      ...relays.map((relay) => relay.close()),
      readout.close(),
      grpc.stop(),
      http.stop(),
    ]).then(
      () => process.exit(0),
      (error: unknown) => {
        log({ msg: 'stop failed', error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function log(fields: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `otlp-receiver: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
