/**
 * The OTLP receiver as its own process: @otel-dice/test-support's real OTLP/gRPC endpoint on
 * 127.0.0.1:OTLP_PORT, plus a tiny control server on APP_PORT answering GET /count with the
 * spans received so far.
 *
 * Why a separate process: in the bench process its decoding would compete with autocannon for
 * one event loop and throttle the load generator exactly in the "on" rounds. As a process it
 * competes for CPU like a local collector would, and its CPU time is measured and reported.
 *
 * The receiver keeps every decoded span; a benchmark only needs counts, so spans are tallied and
 * forgotten every 200 ms, keeping this process's memory flat through millions of spans.
 */
import { createServer } from 'node:http';
import { createOtlpReceiver } from '@otel-dice/test-support';

export async function serveReceiver(
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const otlpPort = Number(env['OTLP_PORT']);
  const controlPort = Number(env['APP_PORT']);
  if (!isPort(otlpPort) || !isPort(controlPort)) {
    process.stderr.write(
      `receiver: OTLP_PORT and APP_PORT must be port numbers, got ${JSON.stringify(env['OTLP_PORT'])} and ${JSON.stringify(env['APP_PORT'])}\n`,
    );
    process.exitCode = 1;
    return;
  }

  const receiver = createOtlpReceiver({ port: otlpPort });
  let spans = 0;
  let exportCalls = 0;
  // Synchronous, so no Export can land between reading and clearing.
  const tally = () => {
    spans += receiver.spans.length;
    exportCalls += receiver.exportCalls;
    receiver.clear();
  };
  const timer = setInterval(tally, 200);

  const control = createServer((req, res) => {
    if (req.url === '/count') {
      tally();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ spans, exportCalls }));
    } else if (req.url === '/healthz') {
      res.writeHead(receiver.listening ? 200 : 503).end();
    } else {
      res.writeHead(404).end();
    }
  });

  const stop = async () => {
    clearInterval(timer);
    control.closeAllConnections();
    control.close();
    await receiver.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());

  await receiver.start();
  control.listen(controlPort, '127.0.0.1');
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}
