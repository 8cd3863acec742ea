/**
 * Container entry of the OTLP receiver image (libs/test-support/Dockerfile): the test receiver of
 * otlp-receiver.ts, reachable from other containers, plus an HTTP read-out of what it recorded.
 *
 *   exporters --OTLP/gRPC--> RECEIVER_HOST:OTLP_GRPC_PORT --tcp relay--> receiver on 127.0.0.1
 *   tests     --HTTP-------> RECEIVER_HOST:READOUT_PORT   GET /spans, GET /healthz
 *
 * One JSON line on stdout once listening; SIGTERM/SIGINT close everything and exit 0. A bad
 * variable stops it at once with one line on stderr naming the variable (exit 2).
 */
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

  // Kernel-chosen loopback port; only the relay is reachable from outside.
  const receiver = await startOtlpReceiver();
  const relay = await startTcpRelay({
    listenHost: config.host,
    listenPort: config.grpcPort,
    targetPort: receiver.port,
  });
  const readout = await startReadoutServer({
    receiver,
    host: config.host,
    port: config.readoutPort,
  });
  log({
    msg: 'otlp receiver listening',
    grpc: `${config.host}:${relay.port}`,
    readout: `${config.host}:${readout.port}`,
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log({ msg: 'second signal, exiting at once', signal });
      process.exit(1);
    }
    stopping = true;
    log({ msg: 'stopping', signal, spans: receiver.spans.length });
    Promise.all([relay.close(), readout.close(), receiver.stop()]).then(
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
